//! Processes a test starts for the process capability to find and kill: each one a copy of a
//! system program under a name no other process has, so that a policy can name it alone, and
//! each killed and reaped when its guard goes away, whatever the test did.

use std::io::ErrorKind;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::host::{TestResult, scratch_dir, unique_name};

pub struct Spawned {
    child: Child,
    name: String,
    _dir: TempDir,
}

impl Spawned {
    /// `sleep 300` under a unique name: idle, small, and alive until killed.
    pub fn sleeper() -> TestResult<Self> {
        Self::copy_of("/bin/sleep", &["300"])
    }

    /// A shell spinning in an endless loop under a unique name: a full core busy.
    pub fn spinner() -> TestResult<Self> {
        Self::copy_of("/bin/sh", &["-c", "while :; do :; done"])
    }

    /// Copies `program` to a private directory under a unique name and starts the copy.
    fn copy_of(program: &str, args: &[&str]) -> TestResult<Self> {
        let (dir, path) = scratch_dir()?;
        let name = unique_name();
        let copy = path.join(&name);
        std::fs::copy(program, &copy)?;

        // Another test thread that forks while the copy is open for writing keeps it open in its
        // child until that child execs, and until then the kernel refuses to run the copy.
        let started = Instant::now();
        let child = loop {
            let spawned = Command::new(&copy)
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            match spawned {
                Ok(child) => break child,
                Err(e)
                    if e.kind() == ErrorKind::ExecutableFileBusy
                        && started.elapsed() < Duration::from_secs(5) =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(e.into()),
            }
        };
        Ok(Spawned {
            child,
            name,
            _dir: dir,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The name the host reports for the process, which policies match.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How the process ended, if it did within `timeout`; reaps it when it did.
    pub fn ended_within(&mut self, timeout: Duration) -> TestResult<Option<ExitStatus>> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            if started.elapsed() >= timeout {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        // Once reaped, std no longer signals the pid, so this never reaches a process that
        // reused it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The signal that ended a process, if a signal did.
pub fn killed_by(status: ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(&status)
}
