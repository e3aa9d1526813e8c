//! Why the agent could not start or keep running. Failures of one job are not errors here: they
//! become that job's result.

use std::path::PathBuf;

use crate::capability::AccessError;
use crate::client::ClientError;
use crate::sandbox::SandboxError;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(
        "this agent is not enrolled yet (no `{}`); start it once with `--server URL --enroll \
         SECRET`, the secret printed by `ward server enrollment-secret`",
        path.display()
    )]
    NotEnrolled { path: PathBuf },

    #[error("no server to talk to: give `--server URL` (the address `ward server` listens on)")]
    NoServer,

    #[error("enrollment failed: {0}")]
    Enroll(#[source] ClientError),

    #[error("{0}")]
    Client(#[from] ClientError),

    #[error(
        "the agent state `{}` is not valid ({cause}); restore it from a backup, or enroll again \
         with a new data directory",
        path.display()
    )]
    BadState { path: PathBuf, cause: String },

    #[error(
        "failed to {what} `{}`: {source}; check that the agent's data directory is writable",
        path.display()
    )]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("the agent's policy or audit log could not be loaded: {0}")]
    Access(#[from] AccessError),

    #[error("the sandbox engine could not start: {0}")]
    Sandbox(#[from] SandboxError),

    #[error(
        "the agent failed unexpectedly while it tried to {what}; start it again with \
         WARD_LOG=debug and keep the log"
    )]
    Panicked { what: &'static str },
}

impl AgentError {
    pub(super) fn io(
        what: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| AgentError::Io { what, path, source }
    }
}
