//! One job's child: forked from the warm interpreter inside its request for a job, it takes the
//! job, re-arms its limits, gets a scratch directory of its own, runs the script and reports.

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fork::{self, Forked};
use super::uplink::Uplink;
use super::wire;
use super::zygote::JobRequest;
use crate::audit::{ScriptRun, Sha256Digest};
use crate::capability::{CHANNEL_NAME, JobGate, RunContext};
use crate::sandbox::job::{Job, Outcome};
use crate::sandbox::limits::Limits;
use crate::sandbox::output::CappedPipe;
use crate::sandbox::run::{assemble, read_guest_result};
use crate::sandbox::{SandboxError, guest};

/// What a child tells the agent first, so that the agent can stop it and clean up after it.
#[derive(Serialize, Deserialize)]
pub struct Started {
    pub pid: u32,
    pub scratch: PathBuf,
}

/// Everything the waiting interpreter needs to turn into one job's child.
pub struct Waiting {
    pub control: UnixStream,
    pub uplink: Uplink,
    pub stdout: CappedPipe,
    pub stderr: CappedPipe,
    pub memory_cap: Arc<AtomicUsize>,
    pub slot: Arc<Mutex<Option<ChildRun>>>,
    /// The warm interpreter's scratch directory, which each child replaces with its own.
    pub scratch: PathBuf,
    pub runs_dir: PathBuf,
}

/// The job a child runs, kept for the report after the interpreter ends.
pub struct ChildRun {
    job: Job,
    limits: Limits,
    scratch: PathBuf,
    uplink: Uplink,
    stdout: CappedPipe,
    stderr: CappedPipe,
    started: Instant,
}

pub fn gate(waiting: Waiting) -> JobGate {
    Box::new(move |context| waiting.wait(context))
}

impl Waiting {
    /// Forks once per job until the agent goes; returns only in a child, with its job.
    fn wait(mut self, context: &mut RunContext) -> Result<Value, String> {
        match fork::single_threaded() {
            Ok(true) => {}
            Ok(false) => return Err(self.refuse("this process runs more than one thread")),
            Err(e) => return Err(self.refuse(&format!("cannot count this process's threads: {e}"))),
        }
        if let Err(e) = fork::reap_children_automatically() {
            return Err(self.refuse(&e.to_string()));
        }
        if let Err(e) = wire::write(&mut self.control, wire::READY, b"") {
            tracing::error!(error = %e, "the agent went away before the interpreter was ready");
            self.leave(1);
        }
        loop {
            let (payload, socket) = match wire::receive_job(&mut self.control) {
                Ok(Some(job)) => job,
                Ok(None) => self.leave(0),
                Err(e) => {
                    tracing::error!(error = %e, "the agent's job could not be read");
                    self.leave(1)
                }
            };
            match fork::fork() {
                Ok(Forked::Parent) => drop(socket),
                Ok(Forked::Child) => return self.begin(&payload, socket, context),
                // The job's socket closes unanswered, which the agent reports as a failed start.
                Err(e) => tracing::error!(error = %e, "could not fork for a job"),
            }
        }
    }

    fn refuse(&mut self, reason: &str) -> String {
        let _ = wire::write(&mut self.control, wire::FAILED, reason.as_bytes());
        reason.to_string()
    }

    /// Ends the process of warm interpreters; its children run on until their jobs end.
    fn leave(&self, code: i32) -> ! {
        let _ = std::fs::remove_dir_all(&self.scratch);
        std::process::exit(code)
    }

    fn begin(
        self,
        payload: &[u8],
        socket: OwnedFd,
        context: &mut RunContext,
    ) -> Result<Value, String> {
        let started = Instant::now();
        drop(self.control);
        let mut link = UnixStream::from(socket);
        let request: JobRequest = wire::decode(payload).map_err(|e| e.to_string())?;
        if request.job.risk != context.risk {
            return Err(format!(
                "a {} job reached the interpreter of {} jobs",
                request.job.risk.as_str(),
                context.risk.as_str()
            ));
        }
        let scratch = private_scratch(&self.runs_dir).map_err(|e| e.to_string())?;
        let hello = Started {
            pid: std::process::id(),
            scratch: scratch.clone(),
        };
        let handshake = wire::encode(&hello)
            .and_then(|hello| wire::write(&mut link, wire::STARTED, &hello))
            .and_then(|()| wire::read(&mut link));
        if !matches!(handshake, Ok(Some((wire::GO, _)))) {
            let _ = std::fs::remove_dir_all(&scratch);
            std::process::exit(1);
        }

        std::fs::write(scratch.join(CHANNEL_NAME), b"").map_err(|e| e.to_string())?;
        let own = open_dir(&scratch).map_err(|e| e.to_string())?;
        fork::descriptor_of(&self.scratch)
            .and_then(|fd| fork::replace(fd, &own))
            .map_err(|e| format!("could not give the job its scratch directory: {e}"))?;
        drop(own);

        let limits = request.limits;
        self.uplink.connect(link);
        for (pipe, cap, kind) in [
            (&self.stdout, limits.stdout_bytes, wire::STDOUT),
            (&self.stderr, limits.stderr_bytes, wire::STDERR),
        ] {
            let uplink = self.uplink.clone();
            pipe.restart(cap, Box::new(move |bytes| uplink.send(kind, bytes)));
        }
        self.memory_cap
            .store(limits.memory_bytes, Ordering::Relaxed);
        let me = std::process::id();
        context.policy = Arc::new(
            context
                .policy
                .as_ref()
                .clone()
                .with_protected_pid(me, format!("the job's own process (pid {me})")),
        );
        let job = request.job;
        context.run = ScriptRun {
            run_id: job.run_id.clone(),
            script: job.filename.clone(),
            script_sha256: Sha256Digest::of(job.code.as_bytes()),
        };
        let value = serde_json::to_value(&job).map_err(|e| e.to_string())?;
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(ChildRun {
            job,
            limits,
            scratch,
            uplink: self.uplink,
            stdout: self.stdout,
            stderr: self.stderr,
            started,
        });
        Ok(value)
    }
}

/// Reports the job's result to the agent and ends the child, skipping the interpreter's
/// finalization: the process and everything in it goes away at once.
pub fn finish(run: ChildRun, outcome: Outcome, out_of_memory: bool) -> Result<(), SandboxError> {
    let guest = read_guest_result(&run.scratch, run.limits.result_bytes);
    let mut result = assemble(
        &run.job,
        &run.limits,
        outcome,
        out_of_memory,
        guest,
        run.started,
    );
    result.stdout_truncated = run.stdout.take().1;
    result.stderr_truncated = run.stderr.take().1;
    let _ = std::fs::remove_dir_all(&run.scratch);
    match wire::encode(&result) {
        Ok(payload) => run.uplink.send(wire::DONE, &payload),
        Err(e) => tracing::error!(error = %e, "the result could not be encoded"),
    }
    std::process::exit(0)
}

/// `run-<pid>-…` below the runs directory, private to ward's user: the sweep of abandoned
/// scratch directories knows it by that name.
fn private_scratch(runs_dir: &Path) -> std::io::Result<PathBuf> {
    let mut builder = tempfile::Builder::new();
    let prefix = guest::scratch_prefix();
    builder.prefix(&prefix);
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    Ok(builder.tempdir_in(runs_dir)?.keep())
}

fn open_dir(path: &Path) -> std::io::Result<OwnedFd> {
    let dir = rustix::fs::open(
        path,
        rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )?;
    Ok(dir)
}
