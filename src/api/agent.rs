//! The agent protocol: how an endpoint enrolls, receives jobs, reports and delivers results.
//!
//! Every request but enrollment carries the agent's own token; an agent can only see its own
//! jobs and post its own results. Results are keyed by `job_id`, so a resend is acknowledged
//! without being stored twice.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::policy::Risk;
use crate::sandbox::RunResult;
use crate::status::Status;

/// `POST /api/v1/agent/enroll`, with the enrollment secret the server printed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enroll {
    pub secret: String,
    pub name: String,
    /// `Windows`, `macOS` or `Linux`.
    pub platform: String,
    pub ip: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Enrolled {
    pub endpoint_id: String,
    /// The agent's own credential; shown once.
    pub token: String,
}

/// `GET /api/v1/agent/jobs?wait=SECONDS`: what the server has for this agent, answered as soon
/// as there is something, or empty when the wait is over.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Poll {
    pub jobs: Vec<JobSpec>,
    /// Jobs this agent is running that must be stopped (status `Pending Abort`).
    pub aborts: Vec<String>,
}

/// One script to run once on this endpoint for one action.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobSpec {
    pub job_id: String,
    pub action_id: i64,
    pub script_name: String,
    pub code: String,
    /// Empty for "just run".
    pub entry_point: String,
    pub parameters: Map<String, Value>,
    pub timeout_secs: u64,
    pub risk: Risk,
}

/// `POST /api/v1/agent/jobs/{job_id}/status`: a status change other than the final result
/// (`In Progress` when the agent starts the job).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusReport {
    pub status: Status,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `PUT /api/v1/agent/jobs/{job_id}/result`: the final result; accepted once, acknowledged on
/// every resend.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultReport {
    pub result: RunResult,
    /// Files the script asked for that could not be read (path and why).
    #[serde(default)]
    pub failed_files: Vec<FailedFile>,
}

/// The answer to a result (and to a retrieved file): `accepted` is false when the server already
/// had it, which tells the agent it may forget its copy all the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub accepted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedFile {
    pub path: String,
    pub reason: String,
}

/// `PUT /api/v1/agent/jobs/{job_id}/files?path=...&sha256=...`: one retrieved file as the body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileUpload {
    pub path: String,
    pub sha256: String,
}

/// `POST /api/v1/agent/disable`: script execution was disabled on this endpoint for good.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disabled {
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The agent decodes whatever a server (or something posing as one) sends without
        /// panicking; a malformed answer is an error it reports and retries.
        #[test]
        fn decoding_arbitrary_bytes_as_agent_messages_never_panics(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..1024)
        ) {
            let _ = serde_json::from_slice::<Poll>(&bytes);
            let _ = serde_json::from_slice::<Enrolled>(&bytes);
            let _ = serde_json::from_slice::<ResultReport>(&bytes);
            let _ = serde_json::from_slice::<Enroll>(&bytes);
        }

        /// The same for well-formed JSON of the wrong shape.
        #[test]
        fn decoding_arbitrary_json_as_a_poll_never_panics(
            key in "[a-z_]{1,8}", n in proptest::num::i64::ANY, text in ".{0,32}"
        ) {
            let value = serde_json::json!({ "jobs": [{ key.clone(): n, "code": text.clone() }], "aborts": [n] });
            let _ = serde_json::from_value::<Poll>(value);
            let value = serde_json::json!({ "jobs": text, "aborts": { key: n } });
            let _ = serde_json::from_value::<Poll>(value);
        }
    }
}
