//! What a run is given (a [`Job`]) and what it gives back (a [`RunResult`]).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::policy::Risk;
use crate::status::Status;

/// The two ways the consoles run a script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Mode {
    /// Execute the whole file as `__main__`.
    JustRun,
    /// Execute the file, then call `name(**params)`. Parameter values are already checked
    /// against their declared types.
    EntryPoint {
        name: String,
        params: Map<String, Value>,
    },
}

/// One script to run once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// Names the run in the audit log and in diagnostics.
    pub run_id: String,
    /// Shown in tracebacks (`File "delete_file.py", line 3`).
    pub filename: String,
    pub code: String,
    #[serde(flatten)]
    pub mode: Mode,
    /// Decides what the policy lets the script do; scripts without a manifest run as standard.
    pub risk: Risk,
}

/// How the guest stopped, as the host saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// The interpreter ran to its end (or called `exit`) with this code.
    Exited { code: i32 },
    /// The wall-clock timeout was reached; the guest was stopped wherever it was.
    TimedOut,
    /// The guest needed more memory than its cap.
    OutOfMemory,
    /// The caller aborted the run.
    Aborted,
    /// The guest trapped or the host failed around it; the message says which.
    Crashed { message: String },
}

/// The exception a script raised, as Python describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    pub traceback: String,
}

/// Everything a run produced. Serialized as the `--json` output of `ward run`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    pub run_id: String,
    pub status: Status,
    pub outcome: Outcome,
    /// Why the run did not complete successfully, in one sentence for a person.
    pub error: Option<String>,
    pub return_value: Value,
    pub exception: Option<Exception>,
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stdout_truncated: bool,
    pub stderr: String,
    pub stderr_truncated: bool,
    /// Paths the script asked to retrieve through a `files_to_get` key of its returned dict.
    pub files_to_get: Vec<String>,
    pub duration_ms: u64,
}
