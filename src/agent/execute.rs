//! Turning a job from the server into a sandbox run, and describing the runs that never happened
//! (refused, aborted before their start, cut short by the agent stopping) as results all the same,
//! so that every job the agent received ends with a final status.

use std::future::Future;
use std::time::Duration;

use serde_json::Value;

use crate::api::agent::JobSpec;
use crate::sandbox::{Job, Limits, Mode, Outcome, RunResult, Sandbox};
use crate::status::Status;

/// Why a journaled job without a result is reported Failed after a restart.
pub const AGENT_STOPPED: &str = "the agent stopped while the script was running";

/// Why a job is refused on an endpoint whose scripts are disabled.
pub const SCRIPTS_DISABLED: &str = "script execution is disabled on this endpoint";

/// Runs `spec` in `sandbox` until it ends, times out or `abort` resolves. A failure of the host
/// side becomes a Failed result that says what went wrong.
pub async fn run_job(
    sandbox: &Sandbox,
    spec: &JobSpec,
    run_id: &str,
    abort: impl Future<Output = ()>,
) -> RunResult {
    let job = Job {
        run_id: run_id.to_string(),
        filename: filename(&spec.script_name),
        code: spec.code.clone(),
        mode: if spec.entry_point.is_empty() {
            Mode::JustRun
        } else {
            Mode::EntryPoint {
                name: spec.entry_point.clone(),
                params: spec.parameters.clone(),
            }
        },
        risk: spec.risk,
    };
    let limits = Limits {
        timeout: Duration::from_secs(spec.timeout_secs.max(1)),
        ..Limits::default()
    };
    match sandbox.run(&job, &limits, abort).await {
        Ok(result) => result,
        Err(error) => {
            tracing::error!(%error, "the sandbox could not run the job");
            not_run(
                run_id,
                Status::Failed,
                format!("the agent could not run the script: {error}"),
            )
        }
    }
}

/// The name a script runs under, as tracebacks and the audit log show it.
pub fn filename(script_name: &str) -> String {
    if script_name.ends_with(".py") {
        script_name.to_string()
    } else {
        format!("{script_name}.py")
    }
}

/// The result of a job that did not run to its end in the sandbox: refused, aborted before its
/// start, or lost to the agent stopping.
pub fn not_run(run_id: &str, status: Status, reason: impl Into<String>) -> RunResult {
    let reason = reason.into();
    RunResult {
        run_id: run_id.to_string(),
        status,
        outcome: if status == Status::Aborted {
            Outcome::Aborted
        } else {
            Outcome::Crashed {
                message: reason.clone(),
            }
        },
        error: Some(reason),
        return_value: Value::Null,
        exception: None,
        exit_code: None,
        stdout: String::new(),
        stdout_truncated: false,
        stderr: String::new(),
        stderr_truncated: false,
        files_to_get: Vec::new(),
        duration_ms: 0,
    }
}
