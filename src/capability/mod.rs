//! Host capabilities: the only way a script reaches files, processes or the registry.
//!
//! The guest speaks WASI. [`MediatedWasi`] implements WASI by delegating to wasmtime-wasi's own
//! context, and puts a policy decision and an audit record ([`RunContext`]) in front of every call
//! that reaches a host path (`files`) or the host channel (`channel`, for processes and the
//! registry). A denial surfaces in Python as the error a native script would see.
//!
//! - `access`: the policy, protected targets and audit log a sandbox runs under.
//! - `context`: the per-run gate: policy decision, audit record, then the effect.
//! - `resolve`: where a guest path leads inside its directory handle, and the policy's word.
//! - `files`: the WASI calls that name host paths, each gated by `resolve`.
//! - `channel`: the request/response channel of the guest's `psutil`, `winreg` and `ward`
//!   modules.
//! - `dispatch`: carries out channel requests against [`process`] and [`registry`].
//! - [`process`]: the host's process table (list, CPU percent, signals).
//! - [`registry`]: a file-backed hive with the registry's semantics, for hosts without one.
//! - `wasi`: the WASI function table, mediated or delegated one by one.

mod access;
mod channel;
mod context;
mod dispatch;
mod files;
pub mod process;
pub mod registry;
mod resolve;
mod wasi;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use wasmtime_wasi::p1::WasiP1Ctx;

pub use access::{AccessError, HostAccess};
pub use channel::{CHANNEL_NAME, Channel, HostError, Request};
pub use context::{Denied, Permit, RunContext};

/// How the host sees one guest file descriptor that matters for mediation. Descriptors not in
/// the table are plain files and standard streams: their checks happened when they were opened.
#[derive(Debug, Clone)]
enum FdKind {
    /// The guest's own library, or a directory below it: not the host's.
    Internal,
    /// The run's private scratch directory, where the guest opens the host channel.
    Scratch,
    /// The open host channel (see `channel`).
    Channel,
    /// A host directory at this absolute path, below the mapped root with this index.
    ///
    /// A directory opened below the root also keeps a handle of ward's own, so that if the
    /// directory is moved while the guest holds it, paths relative to it are judged where it is
    /// now, not where it was opened.
    Host {
        root: usize,
        path: PathBuf,
        handle: Option<Arc<cap_std::fs::Dir>>,
    },
    /// The empty stand-in for `/` when the policy maps no rule onto `/` itself: every path below
    /// it is judged by the policy and refused, so that the attempt is recorded.
    Outside,
}

/// A host directory the policy maps in, at the same absolute path as on the host.
pub struct Root {
    pub path: PathBuf,
    pub dir: cap_std::fs::Dir,
}

/// One preopened directory, in the order the WASI context was given them (fd 3 onwards).
pub enum Preopen {
    Internal,
    Scratch,
    Root(Root),
    Outside,
}

/// The guest's WASI context with host access mediated; one per run.
pub struct MediatedWasi {
    inner: WasiP1Ctx,
    context: RunContext,
    roots: Vec<Root>,
    fds: HashMap<u32, FdKind>,
    channel: channel::Channel,
    processes: process::ProcessTable,
    job_gate: Option<JobGate>,
    /// In a warm interpreter's child, the agent: no process below it (other jobs, warm
    /// interpreters) may be killed, whatever the policy says.
    agent: Option<u32>,
}

/// Where a warm interpreter waits for its one job: called when the guest asks the channel for
/// `job.next`, it returns the job for the guest after pointing the run's context at it. It is
/// taken on the first call, so an interpreter can never be handed a second job.
pub type JobGate = Box<dyn FnOnce(&mut RunContext) -> Result<serde_json::Value, String> + Send>;

/// First descriptor number WASI gives preopened directories (after stdin, stdout, stderr).
const FIRST_PREOPEN_FD: u32 = 3;

impl MediatedWasi {
    /// Wraps `inner`, whose preopened directories must be exactly `preopens`, in that order.
    pub fn new(inner: WasiP1Ctx, context: RunContext, preopens: Vec<Preopen>) -> Self {
        let mut roots = Vec::new();
        let mut fds = HashMap::new();
        for (fd, preopen) in (FIRST_PREOPEN_FD..).zip(preopens) {
            let kind = match preopen {
                Preopen::Internal => FdKind::Internal,
                Preopen::Scratch => FdKind::Scratch,
                Preopen::Outside => FdKind::Outside,
                Preopen::Root(root) => {
                    let kind = FdKind::Host {
                        root: roots.len(),
                        path: root.path.clone(),
                        handle: None,
                    };
                    roots.push(root);
                    kind
                }
            };
            fds.insert(fd, kind);
        }
        Self {
            inner,
            context,
            roots,
            fds,
            channel: channel::Channel::default(),
            processes: process::ProcessTable::new(),
            job_gate: None,
            agent: None,
        }
    }

    /// Makes this a warm interpreter's context, whose job arrives through `gate`.
    pub fn with_job_gate(mut self, gate: JobGate) -> Self {
        self.job_gate = Some(gate);
        self
    }

    pub fn context(&self) -> &RunContext {
        &self.context
    }
}
