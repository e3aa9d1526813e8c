//! The rehearsal: a trivial job the process of warm interpreters runs once, in a child of its
//! own, before it says it is ready, to learn which pages a job touches (see
//! [`super::prefault`]). Its output goes nowhere and nothing of it reaches the agent.

use std::os::fd::RawFd;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use super::child::{Waiting, prepare_scratch};
use super::fork::{self, Forked};
use super::prefault::{Snapshot, WorkingSet};
use crate::capability::RunContext;
use crate::sandbox::Job;
use crate::sandbox::limits::Limits;

impl Waiting {
    /// Forks a child that runs a trivial job no agent sent, and learns from it the pages a job
    /// touches (see [`super::prefault`]).
    pub(super) fn rehearse(&mut self, scratch_fd: RawFd) -> std::io::Result<Rehearsal> {
        let snapshot = Snapshot::take()?;
        let (mut heard, tell) = std::io::pipe()?;
        let me = std::process::id();
        match fork::fork()? {
            Forked::Child => {
                drop(heard);
                fork::die_with_parent(me);
                // An error here must not reach the caller, which would go on as the parent.
                let scratch = prepare_scratch(&self.runs_dir, scratch_fd).unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "the rehearsal has no scratch directory");
                    std::process::exit(1)
                });
                Ok(Rehearsal::Playing(snapshot, tell, scratch))
            }
            Forked::Parent(pid) => {
                drop(tell);
                let set = WorkingSet::receive(&mut heard, REHEARSAL_TIME);
                if set
                    .as_ref()
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::TimedOut)
                {
                    // Its end of the pipe is still open, so it is alive and the pid its own.
                    fork::kill(pid);
                }
                let set = set?;
                tracing::debug!(pages = set.pages(), "learnt what a job touches");
                Ok(Rehearsal::Learnt(set))
            }
        }
    }

    /// The rehearsal's child: its output goes nowhere, and nothing reaches the agent.
    pub(super) fn play(
        self,
        snapshot: Snapshot,
        tell: std::io::PipeWriter,
        scratch: PathBuf,
        context: &mut RunContext,
    ) -> Result<Value, String> {
        let limits = Limits::default();
        for (pipe, cap) in [
            (&self.stdout, limits.stdout_bytes),
            (&self.stderr, limits.stderr_bytes),
        ] {
            pipe.restart(cap, Box::new(|_| {}));
        }
        let job = Job {
            run_id: "warm-up".into(),
            filename: "rehearsal.py".into(),
            code: REHEARSAL.into(),
            mode: crate::sandbox::Mode::JustRun,
            risk: context.risk,
        };
        self.hand(job, limits, scratch, Instant::now(), Some((snapshot, tell)))
    }
}

/// In the rehearsal's child, once its job is done: reports what it touched and ends.
pub(super) fn report(snapshot: Snapshot, mut tell: std::io::PipeWriter, scratch: &Path) -> ! {
    let reported = snapshot.touched().and_then(|set| set.send(&mut tell));
    if let Err(e) = reported {
        tracing::warn!(error = %e, "the rehearsal could not report what it touched");
    }
    let _ = std::fs::remove_dir_all(scratch);
    std::process::exit(0)
}

/// Which side of the rehearsal this is.
pub(super) enum Rehearsal {
    Learnt(WorkingSet),
    Playing(Snapshot, std::io::PipeWriter, PathBuf),
}

/// The rehearsal's job: prints, as most jobs do, so that the output path is learnt too.
const REHEARSAL: &str = "print(sum(range(100)))\n";
/// A rehearsal takes milliseconds; one that takes longer is stopped and nothing is learnt.
const REHEARSAL_TIME: std::time::Duration = std::time::Duration::from_secs(10);
