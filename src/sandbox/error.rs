//! Errors of the sandbox engine: what went wrong on the host side before or around a run.
//!
//! A script that fails is not an error here: it is a [`super::RunResult`] with status `Failed`.

use std::path::PathBuf;

use super::interpreter::{ENV_VAR, FETCH_COMMAND};

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "the guest interpreter was not found{}; fetch it with `{FETCH_COMMAND}`, or point ward at \
         one with `--interpreter FILE` or `{ENV_VAR}`",
        .path.as_ref().map(|p| format!(" at `{}`", p.display())).unwrap_or_default()
    )]
    InterpreterMissing { path: Option<PathBuf> },

    #[error(
        "the guest interpreter `{}` has SHA-256 {actual}, but only {expected} is accepted; \
         replace it with `{FETCH_COMMAND}`",
        path.display()
    )]
    InterpreterHash {
        path: PathBuf,
        actual: String,
        expected: &'static str,
    },

    #[error(
        "the compiled-code cache `{}` is writable by another user or not owned by this one, so \
         loading code from it is unsafe; fix its owner and mode (0700) or set WARD_CACHE_DIR",
        dir.display()
    )]
    CacheNotPrivate { dir: PathBuf },

    #[error("failed to {what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },

    #[error("failed to {what}: {source:#}")]
    Wasm {
        what: &'static str,
        source: wasmtime::Error,
    },

    #[error(
        "the audit log could not be written, so the run was refused; check the disk holding it \
         and run `ward audit verify` on it"
    )]
    AuditUnavailable,

    #[error("the job is not valid: {0}")]
    InvalidJob(String),

    #[error(
        "the warm interpreters could not {what}: {reason}; the agent's log says more, and \
         `ward agent --fresh-instances` runs jobs without them"
    )]
    Warm { what: &'static str, reason: String },
}
