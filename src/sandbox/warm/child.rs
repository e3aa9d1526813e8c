//! One job's child: forked from the warm interpreter inside its request for a job, it takes the
//! job, re-arms its limits, gets a scratch directory of its own, runs the script and reports.

use std::os::fd::{OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fork::{self, Forked};
use super::prefault::{self, Snapshot, WorkingSet};
use super::rehearsal::{self, Rehearsal};
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
    /// What a job touches, learnt from the rehearsal; empty until then.
    pub working_set: WorkingSet,
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
    /// Set in the rehearsal: where to report the pages its job touched.
    rehearsal: Option<(Snapshot, std::io::PipeWriter)>,
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
        // The descriptor number is the same in every child, so it is looked up once.
        let scratch_fd = match fork::descriptor_of(&self.scratch) {
            Ok(fd) => fd,
            Err(e) => return Err(self.refuse(&format!("cannot find the scratch directory: {e}"))),
        };
        self.working_set = match self.rehearse(scratch_fd) {
            Ok(Rehearsal::Learnt(set)) => set,
            Ok(Rehearsal::Playing(snapshot, tell, scratch)) => {
                return self.play(snapshot, tell, scratch, context);
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not learn what a job touches; children will fault it in");
                WorkingSet::default()
            }
        };
        if let Err(e) = wire::write(&mut self.control, wire::READY, b"") {
            tracing::error!(error = %e, "the agent went away before the interpreter was ready");
            self.leave(1);
        }
        // One child at a time waits for the next job, forked and prepared before it arrives;
        // once it has taken its job it says so, and the next child is forked as soon as another
        // job waits or that child has ended. Forking this large process, and preparing the
        // child, would otherwise compete for the processor with the job just taken.
        let mut early_deaths = 0;
        let me = std::process::id();
        loop {
            let (mut said, say) = match std::io::pipe() {
                Ok(pipe) => pipe,
                Err(e) => {
                    tracing::error!(error = %e, "cannot open a pipe to the next child");
                    self.leave(1)
                }
            };
            let child = match fork::fork() {
                Ok(Forked::Child) => {
                    drop(said);
                    fork::die_with_parent(me);
                    return self.serve_one(say, scratch_fd, context);
                }
                Ok(Forked::Parent(pid)) => {
                    drop(say);
                    pid
                }
                Err(e) => {
                    tracing::error!(error = %e, "could not fork the next child");
                    self.leave(1)
                }
            };
            let watch = fork::watch(child);
            let mut word = [0u8; 1];
            match std::io::Read::read(&mut said, &mut word) {
                Ok(1) if word[0] == TAKEN => {
                    early_deaths = 0;
                    fork::until_ended_or_readable(watch.as_ref(), &self.control);
                }
                Ok(1) if word[0] == AGENT_GONE => self.leave(0),
                _ => {
                    early_deaths += 1;
                    tracing::error!("a child ended before it took a job");
                    if early_deaths >= 3 {
                        self.leave(1);
                    }
                }
            }
        }
    }

    /// A child: prepares its scratch directory, waits for the next job, tells the parent it took
    /// one, and starts it.
    fn serve_one(
        mut self,
        mut say: std::io::PipeWriter,
        scratch_fd: RawFd,
        context: &mut RunContext,
    ) -> Result<Value, String> {
        let scratch = match prepare_scratch(&self.runs_dir, scratch_fd) {
            Ok(scratch) => scratch,
            Err(e) => {
                tracing::error!(error = %e, "could not give the next job its scratch directory");
                std::process::exit(1);
            }
        };
        // Under load the job is already waiting, and would wait longer for pages it may not need.
        if !prefault::readable(&self.control) {
            self.working_set.bring_in();
        }
        let (payload, socket) = match wire::receive_job(&mut self.control) {
            Ok(Some(job)) => job,
            Ok(None) => {
                let _ = std::io::Write::write_all(&mut say, &[AGENT_GONE]);
                let _ = std::fs::remove_dir_all(&scratch);
                std::process::exit(0)
            }
            Err(e) => {
                tracing::error!(error = %e, "the agent's job could not be read");
                let _ = std::fs::remove_dir_all(&scratch);
                std::process::exit(1)
            }
        };
        let _ = std::io::Write::write_all(&mut say, &[TAKEN]);
        drop(say);
        self.begin(&payload, socket, scratch, context)
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
        scratch: PathBuf,
        context: &mut RunContext,
    ) -> Result<Value, String> {
        let started = Instant::now();
        let mut link = UnixStream::from(socket);
        let request: JobRequest = wire::decode(payload).map_err(|e| e.to_string())?;
        if request.job.risk != context.risk {
            return Err(format!(
                "a {} job reached the interpreter of {} jobs",
                request.job.risk.as_str(),
                context.risk.as_str()
            ));
        }
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
        self.hand(job, limits, scratch, started, None)
    }

    /// Keeps what the report needs after the interpreter ends, and gives the interpreter its job.
    /// The agent's control socket is closed first: a child takes no other job.
    pub(super) fn hand(
        self,
        job: Job,
        limits: Limits,
        scratch: PathBuf,
        started: Instant,
        rehearsal: Option<(Snapshot, std::io::PipeWriter)>,
    ) -> Result<Value, String> {
        drop(self.control);
        let value = serde_json::to_value(&job).map_err(|e| e.to_string())?;
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(ChildRun {
            job,
            limits,
            scratch,
            uplink: self.uplink,
            stdout: self.stdout,
            stderr: self.stderr,
            started,
            rehearsal,
        });
        Ok(value)
    }
}

/// Reports the job's result to the agent and ends the child, skipping the interpreter's
/// finalization: the process and everything in it goes away at once.
pub fn finish(run: ChildRun, outcome: Outcome, out_of_memory: bool) -> Result<(), SandboxError> {
    if let Some((snapshot, tell)) = run.rehearsal {
        rehearsal::report(snapshot, tell, &run.scratch)
    }
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
    match wire::encode(&result) {
        Ok(payload) => run.uplink.send(wire::DONE, &payload),
        Err(e) => tracing::error!(error = %e, "the result could not be encoded"),
    }
    // After the report, so that the agent does not wait for it.
    let _ = std::fs::remove_dir_all(&run.scratch);
    std::process::exit(0)
}

/// What a waiting child tells its parent: it took a job, or the agent has gone.
const TAKEN: u8 = b'T';
const AGENT_GONE: u8 = b'G';

/// Makes `run-<pid>-…` below the runs directory, private to ward's user (the sweep of abandoned
/// scratch directories knows it by that name), with its host channel, and puts it where the
/// interpreter's scratch directory was, for this process only.
pub(super) fn prepare_scratch(runs_dir: &Path, scratch_fd: RawFd) -> std::io::Result<PathBuf> {
    let mut builder = tempfile::Builder::new();
    let prefix = guest::scratch_prefix();
    builder.prefix(&prefix);
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    let scratch = builder.tempdir_in(runs_dir)?.keep();
    std::fs::write(scratch.join(CHANNEL_NAME), b"")?;
    let own = open_dir(&scratch)?;
    fork::replace(scratch_fd, &own)?;
    Ok(scratch)
}

fn open_dir(path: &Path) -> std::io::Result<OwnedFd> {
    let dir = rustix::fs::open(
        path,
        rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )?;
    Ok(dir)
}
