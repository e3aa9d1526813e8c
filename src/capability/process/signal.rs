//! Ending a process: SIGTERM or SIGKILL on Unix, `TerminateProcess` elsewhere.
//!
//! On Unix the signal goes through `rustix` so that the system's answer
//! (ESRCH, EPERM) reaches the caller as a typed error; sysinfo's own `kill`
//! reports only success or failure.

use std::fmt;

use serde::{Deserialize, Serialize};
use sysinfo::System;

use super::error::ProcessError;

/// How to end a process, as psutil's `terminate()` and `kill()` do. On the
/// channel it is the string `"terminate"` or `"kill"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KillSignal {
    /// SIGTERM on Unix: asks the process to end and lets it clean up.
    Terminate,
    /// SIGKILL on Unix: ends the process at once.
    Kill,
}

impl fmt::Display for KillSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KillSignal::Terminate => "SIGTERM",
            KillSignal::Kill => "SIGKILL",
        })
    }
}

/// Sends `signal` to the single process `pid`.
#[cfg(unix)]
pub(super) fn send(_system: &mut System, pid: u32, signal: KillSignal) -> Result<(), ProcessError> {
    use rustix::io::Errno;
    use rustix::process::{Signal, kill_process};

    // A pid that is not a positive `i32` names no single process; `kill` would
    // read 0 and -1 as "my process group" and "every process I may signal".
    let target = single_process(pid).ok_or(ProcessError::NoSuchProcess { pid })?;
    let raw_signal = match signal {
        KillSignal::Terminate => Signal::TERM,
        KillSignal::Kill => Signal::KILL,
    };
    kill_process(target, raw_signal).map_err(|errno| match errno {
        Errno::SRCH => ProcessError::NoSuchProcess { pid },
        Errno::PERM => ProcessError::AccessDenied {
            pid,
            signal,
            source: errno.into(),
        },
        _ => ProcessError::Signal {
            pid,
            signal,
            source: errno.into(),
        },
    })
}

/// The pid as `kill` needs it, or `None` when it cannot name one process.
#[cfg(unix)]
fn single_process(pid: u32) -> Option<rustix::process::Pid> {
    i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
}

/// Ends `pid` with `TerminateProcess`, which has no gentler form, so both
/// signals end the process at once, as psutil's `terminate()` does there. The
/// system does not say why a refusal happened; it is reported as access
/// denied, the usual cause.
#[cfg(not(unix))]
pub(super) fn send(system: &mut System, pid: u32, signal: KillSignal) -> Result<(), ProcessError> {
    use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate};

    let target = Pid::from_u32(pid);
    system.refresh_processes_specifics(
        ProcessesToUpdate::Some(&[target]),
        true,
        ProcessRefreshKind::nothing(),
    );
    let process = system
        .process(target)
        .ok_or(ProcessError::NoSuchProcess { pid })?;
    match process.kill_with(sysinfo::Signal::Kill) {
        Some(true) => Ok(()),
        _ => Err(ProcessError::AccessDenied {
            pid,
            signal,
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        }),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn only_positive_pids_that_fit_an_i32_name_a_single_process() {
        assert!(single_process(0).is_none());
        assert!(single_process(u32::MAX).is_none());
        assert!(single_process(1 << 31).is_none());
        assert_eq!(
            single_process(4242).map(rustix::process::Pid::as_raw_pid),
            Some(4242)
        );
    }

    #[test]
    fn signals_travel_as_lowercase_words() -> Result<(), serde_json::Error> {
        assert_eq!(
            serde_json::to_string(&KillSignal::Terminate)?,
            "\"terminate\""
        );
        assert_eq!(
            serde_json::from_str::<KillSignal>("\"kill\"")?,
            KillSignal::Kill
        );
        assert!(serde_json::from_str::<KillSignal>("\"hangup\"").is_err());
        Ok(())
    }
}
