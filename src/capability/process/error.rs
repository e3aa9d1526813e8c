//! Why a process operation failed, in terms the channel can hand to the guest.

use std::io;

use super::signal::KillSignal;

/// A process operation that could not be carried out. [`ProcessError::kind`]
/// names the channel error kind the guest's `psutil` turns back into
/// `psutil.NoSuchProcess`, `psutil.AccessDenied` or `OSError`.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The pid names no process, or a process that has ended.
    #[error(
        "no process with pid {pid} exists; it may have ended, list the processes again to find \
         the one you want"
    )]
    NoSuchProcess { pid: u32 },

    /// The operating system refused to signal the process (EPERM on Unix).
    #[error(
        "the system refused to send {signal} to process {pid}: {source}; the process belongs to \
         an account ward may not signal"
    )]
    AccessDenied {
        pid: u32,
        signal: KillSignal,
        source: io::Error,
    },

    /// Signalling failed for another reason the system reported.
    #[error("could not send {signal} to process {pid}: {source}")]
    Signal {
        pid: u32,
        signal: KillSignal,
        source: io::Error,
    },

    /// A CPU measurement interval that is negative, infinite or not a number.
    #[error(
        "CPU interval {seconds} is not a usable number of seconds; give a finite number of \
         seconds, zero or more"
    )]
    InvalidInterval { seconds: f64 },
}

impl ProcessError {
    /// The channel error kind: `NoSuchProcess`, `AccessDenied`, `OSError` or
    /// `InvalidRequest`.
    pub fn kind(&self) -> &'static str {
        match self {
            ProcessError::NoSuchProcess { .. } => "NoSuchProcess",
            ProcessError::AccessDenied { .. } => "AccessDenied",
            ProcessError::Signal { .. } => "OSError",
            ProcessError::InvalidInterval { .. } => "InvalidRequest",
        }
    }
}
