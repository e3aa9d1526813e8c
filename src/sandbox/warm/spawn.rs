//! Starting a process of warm interpreters, and holding the processes the agent must be able to
//! stop: that process, and each job's child.

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::wire;
use super::zygote::Setup;
use crate::sandbox::SandboxError;

/// The hidden subcommand that runs [`super::serve`].
pub const COMMAND: &str = "warm-interpreters";

/// A running process of warm interpreters, stopped when dropped.
pub struct Process {
    pub child: Child,
    pub control: UnixStream,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every running job holds a socket and a process handle open in the agent, so the usual soft
/// limit of 1,024 descriptors would cap it near 500 jobs at once; the hard limit is the real one.
pub fn raise_open_file_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::debug!(error = %e, "the open-file limit stays as it was");
        }
    }
}

pub fn start_process(program: &Path, setup: &Setup) -> Result<Process, SandboxError> {
    let failed = |reason: String| SandboxError::Warm {
        what: "start",
        reason,
    };
    let (mut control, theirs) = UnixStream::pair().map_err(|e| failed(e.to_string()))?;
    let child = Command::new(program)
        .arg(COMMAND)
        // Each job ends in an error value (the guest's exit); capturing a Rust backtrace for
        // each, as RUST_BACKTRACE would, costs more than the job.
        .env("RUST_LIB_BACKTRACE", "0")
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| failed(format!("`{}`: {e}", program.display())))?;
    let mut process = Process {
        child,
        control: control.try_clone().map_err(|e| failed(e.to_string()))?,
    };
    let payload = wire::encode(setup).map_err(|e| failed(e.to_string()))?;
    wire::write(&mut control, wire::SETUP, &payload).map_err(|e| failed(e.to_string()))?;
    match wire::read(&mut control) {
        Ok(Some((wire::READY, _))) => Ok(process),
        Ok(Some((wire::FAILED, reason))) => {
            Err(failed(String::from_utf8_lossy(&reason).into_owned()))
        }
        Ok(_) => {
            let status = process
                .child
                .wait()
                .map(|s| s.to_string())
                .unwrap_or_default();
            Err(failed(format!("the process ended ({status})")))
        }
        Err(e) => Err(failed(e.to_string())),
    }
}

/// A job's child, held by a pidfd so that a signal can never reach a process that reused its pid.
pub struct ChildProcess {
    pub pid: u32,
    pub scratch: PathBuf,
    pub handle: OwnedFd,
}

impl ChildProcess {
    pub fn kill(&self) {
        if let Err(e) =
            rustix::process::pidfd_send_signal(&self.handle, rustix::process::Signal::KILL)
        {
            tracing::debug!(error = %e, "the job's process had already ended");
        }
    }
}
