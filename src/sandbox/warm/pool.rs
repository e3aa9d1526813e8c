//! The agent's side of warm interpreters: one process per risk level, started on first use and
//! again whenever it has gone, and for each job a socket pair, one end sent along with the job.

use std::collections::HashMap;
use std::future::Future;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Instant;

use tracing::Instrument;

use super::Ending;
use super::child::Started;
use super::session::{Link, Session};
use super::spawn::{ChildProcess, Process, raise_open_file_limit, start_process};
use super::wire;
use super::zygote::{JobRequest, Setup};
use crate::audit::{RUN_END, RUN_START, ScriptRun, Sha256Digest};
use crate::capability::{HostAccess, RunContext};
use crate::policy::Risk;
use crate::sandbox::job::{Job, RunResult};
use crate::sandbox::limits::Limits;
use crate::sandbox::run::assemble;
use crate::sandbox::{EngineOptions, SandboxError};

/// Warm interpreters for a sandbox; see [`crate::sandbox::Sandbox::with_warm_interpreters`].
pub struct Pool {
    program: PathBuf,
    engine: EngineOptions,
    host: HostAccess,
    runs_dir: PathBuf,
    processes: tokio::sync::Mutex<HashMap<Risk, Process>>,
}

impl Pool {
    pub fn new(
        program: PathBuf,
        engine: EngineOptions,
        host: HostAccess,
        runs_dir: PathBuf,
    ) -> Self {
        Self {
            program,
            engine,
            host,
            runs_dir,
            processes: tokio::sync::Mutex::default(),
        }
    }

    /// The same pool under other host access; processes already started are stopped.
    pub fn with_host_access(self, host: HostAccess) -> Self {
        Self::new(self.program, self.engine, host, self.runs_dir)
    }

    pub async fn run(
        &self,
        job: &Job,
        limits: &Limits,
        abort: impl Future<Output = ()>,
    ) -> Result<RunResult, SandboxError> {
        let started = Instant::now();
        let context = RunContext {
            policy: self.host.policy.clone(),
            audit: self.host.audit.clone(),
            risk: job.risk,
            run: ScriptRun {
                run_id: job.run_id.clone(),
                script: job.filename.clone(),
                script_sha256: Sha256Digest::of(job.code.as_bytes()),
            },
            registry: self.host.registry.clone(),
        };
        let request = wire::encode(&JobRequest {
            job: job.clone(),
            limits: *limits,
        })
        .map_err(|e| SandboxError::InvalidJob(e.to_string()))?;
        let (mut link, started_child) = self.hand_over(job.risk, &request, limits).await?;
        let child = self.handshake(&mut link, started_child, &context).await?;
        let mut session = Session::new(&context, limits);
        let ending = session
            .follow(&mut link, &child, limits, abort)
            .instrument(tracing::debug_span!("child", pid = child.pid))
            .await;
        if matches!(ending, Ending::Stopped(_)) {
            self.remove_scratch(&child);
        }

        let mut result = match ending {
            Ending::Reported(result) => *result,
            Ending::Stopped(outcome) => assemble(job, limits, outcome, false, Ok(None), started),
        };
        result.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        (result.stdout, result.stdout_truncated) = session.stdout.text(result.stdout_truncated);
        (result.stderr, result.stderr_truncated) = session.stderr.text(result.stderr_truncated);
        tracing::info!(status = %result.status, duration_ms = result.duration_ms, "run ended");
        context
            .record_run(RUN_END, result.status.to_string(), Some(started.elapsed()))
            .map_err(|_| SandboxError::AuditUnavailable)?;
        Ok(result)
    }

    /// The pids of the processes of warm interpreters running now, one per risk level used.
    pub async fn pids(&self) -> Vec<u32> {
        let processes = self.processes.lock().await;
        processes
            .values()
            .map(|process| process.child.id())
            .collect()
    }

    /// Hands the job to the process of its risk level, starting that process when there is none
    /// or the last one has gone; returns the pid of the process that has it.
    async fn dispatch(
        &self,
        risk: Risk,
        request: &[u8],
        socket: OwnedFd,
    ) -> Result<u32, SandboxError> {
        let mut processes = self.processes.lock().await;
        if let Some(process) = processes.get_mut(&risk)
            && matches!(process.child.try_wait(), Ok(None))
            && wire::send_job(&mut process.control, request, &socket).is_ok()
        {
            return Ok(process.child.id());
        }
        processes.remove(&risk);
        let mut process = self.start(risk).await?;
        wire::send_job(&mut process.control, request, &socket).map_err(|e| SandboxError::Warm {
            what: "take a job",
            reason: e.to_string(),
        })?;
        let pid = process.child.id();
        processes.insert(risk, process);
        Ok(pid)
    }

    async fn start(&self, risk: Risk) -> Result<Process, SandboxError> {
        raise_open_file_limit();
        let setup = Setup {
            engine: self.engine.clone(),
            policy: self.host.policy.transfer(),
            audit_log: self.host.audit.as_ref().map(|log| log.path().to_path_buf()),
            registry_hive: self.host.registry_hive(),
            risk,
        };
        let program = self.program.clone();
        let started = tokio::task::spawn_blocking(move || start_process(&program, &setup))
            .await
            .map_err(|e| SandboxError::Warm {
                what: "start",
                reason: e.to_string(),
            })??;
        tracing::info!(
            risk = risk.as_str(),
            pid = started.child.id(),
            "warm interpreters ready"
        );
        Ok(started)
    }

    /// Hands the job over and waits for a child to take it. A child that ends before it has
    /// said who it is never ran the script (its process of warm interpreters was dying), so the
    /// job is handed over again (twice at most), to a process started anew.
    async fn hand_over(
        &self,
        risk: Risk,
        request: &[u8],
        limits: &Limits,
    ) -> Result<(Link, Started), SandboxError> {
        let failed = |reason: String| SandboxError::Warm {
            what: "start the job",
            reason,
        };
        for attempt in 0..3 {
            let (ours, theirs) = UnixStream::pair().map_err(|e| failed(e.to_string()))?;
            ours.set_nonblocking(true)
                .map_err(|e| failed(e.to_string()))?;
            let mut link = tokio::io::BufReader::new(
                tokio::net::UnixStream::from_std(ours).map_err(|e| failed(e.to_string()))?,
            );
            let used = self.dispatch(risk, request, OwnedFd::from(theirs)).await?;
            match tokio::time::timeout(limits.timeout, wire::read_async(&mut link)).await {
                Ok(Ok(Some((wire::STARTED, payload)))) => {
                    let started = wire::decode(&payload).map_err(|e| failed(e.to_string()))?;
                    return Ok((link, started));
                }
                Ok(Ok(None)) if attempt < 2 => {
                    tracing::warn!("the job's process ended before it started; starting anew");
                    let mut processes = self.processes.lock().await;
                    // Another job may have started a new process already; that one stays.
                    if processes.get(&risk).is_some_and(|p| p.child.id() == used) {
                        processes.remove(&risk);
                    }
                }
                Ok(Ok(_)) => break,
                Ok(Err(e)) => return Err(failed(e.to_string())),
                Err(_) => return Err(failed("no process took the job within its timeout".into())),
            }
        }
        Err(failed("the job's process ended before it started".into()))
    }

    /// Holds the child that said who it is, records the run's start, and lets it begin.
    async fn handshake(
        &self,
        link: &mut Link,
        started: Started,
        context: &RunContext,
    ) -> Result<ChildProcess, SandboxError> {
        let failed = |reason: String| SandboxError::Warm {
            what: "start the job",
            reason,
        };
        let pid = rustix::process::Pid::from_raw(started.pid as i32)
            .ok_or_else(|| failed(format!("invalid pid {}", started.pid)))?;
        // The child waits for our answer, so it is alive and this handle names it, and no
        // other process that might reuse its pid later.
        let handle = rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty())
            .map_err(|e| failed(format!("cannot hold the job's process: {e}")))?;
        let child = ChildProcess {
            pid: started.pid,
            scratch: started.scratch,
            handle,
        };
        if context
            .record_run(RUN_START, format!("risk {}", context.risk.as_str()), None)
            .is_err()
        {
            child.kill();
            return Err(SandboxError::AuditUnavailable);
        }
        wire::write_async(link, wire::GO, b"")
            .await
            .map_err(|e| failed(e.to_string()))?;
        Ok(child)
    }

    /// Removes the scratch directory of a child that could not remove it itself (it was killed),
    /// once it is sure to be one of ours.
    fn remove_scratch(&self, child: &ChildProcess) {
        let ours = child.scratch.parent() == Some(self.runs_dir.as_path())
            && child
                .scratch
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(&format!("run-{}-", child.pid)));
        if ours && child.scratch.exists() {
            let _ = std::fs::remove_dir_all(&child.scratch);
        }
    }
}
