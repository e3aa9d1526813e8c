//! Warm interpreters (Linux): jobs start in an interpreter that is already running, with the
//! modules jobs use already imported, instead of waiting ~40 ms for a fresh one to start.
//!
//! ```text
//! agent ── Setup, JOB+socket ──▶ warm-interpreters process (one per risk; never runs a script)
//!   ▲                              │ fork per job, inside the interpreter's request for a job
//!   └── STARTED, AUDIT, STDOUT, ───┘ child: re-arms limits, own scratch dir, runs the job,
//!       STDERR, DONE                  reports and exits without finalizing the interpreter
//! ```
//!
//! Nothing of one job reaches the next: each job runs in a child of its own, forked from the
//! same ready interpreter, and the interpreter that waits never runs a job. The child is also a
//! second wall around the script: an operating-system process that the agent kills at the
//! deadline, which is why warm interpreters need no epoch checks in the compiled code.
//!
//! - `zygote`: the process of warm interpreters, and what it is told.
//! - `child`: what a child does between the fork and its exit.
//! - `pool`: the agent's side, handing jobs to the processes and following them.
//! - `spawn`: starting a process of warm interpreters; the handles that stop processes.
//! - `session`: the agent following one child to its end.
//! - `uplink`: a child's connection to the agent, its audit records included.
//! - `wire`: the frames on those sockets.
//! - `prefault`: learning the pages a job touches, and bringing them in before it arrives.
//! - `rehearsal`: the job that process runs once to learn them.
//! - `fork`: the system calls the standard library does not offer.

mod child;
mod fork;
mod pool;
mod prefault;
mod rehearsal;
mod session;
mod spawn;
mod uplink;
mod wire;
mod zygote;

pub use pool::Pool;
pub use spawn::COMMAND;
pub use zygote::serve;

use crate::sandbox::job::{Outcome, RunResult};

/// How a job's child stopped being heard from.
enum Ending {
    Reported(Box<RunResult>),
    Stopped(Outcome),
}
