//! The process of warm interpreters: it starts one interpreter, lets it import what jobs use,
//! and when the interpreter asks for its job, forks once per job. The parent never returns to
//! the interpreter and never runs a script; each child runs one job and exits.
//!
//! The agent starts this process (`ward warm-interpreters`, hidden) with a socket as its
//! standard input, sends a [`Setup`], waits for [`wire::READY`], then sends one [`wire::JOB`]
//! frame per job, each carrying the socket the job's child will report on.

use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::child::{self, ChildRun, Waiting};
use super::uplink::Uplink;
use super::wire;
use crate::audit::{AuditLog, ScriptRun, Sha256Digest};
use crate::capability::{HostAccess, RunContext};
use crate::policy::{PolicyTransfer, Protected, Risk};
use crate::sandbox::guest;
use crate::sandbox::limits::{Limits, MemoryLimiter};
use crate::sandbox::output::CappedPipe;
use crate::sandbox::run::{RunState, classify};
use crate::sandbox::{EngineOptions, Job, Sandbox, SandboxError};

/// What the agent tells a new process of warm interpreters.
#[derive(Serialize, Deserialize)]
pub struct Setup {
    pub engine: EngineOptions,
    pub policy: PolicyTransfer,
    /// The agent's audit log, which the agent writes for every child.
    pub audit_log: Option<PathBuf>,
    /// The agent's registry hive, which children change under a lock.
    pub registry_hive: Option<PathBuf>,
    /// Decides which host directories the interpreter maps in; one process per risk.
    pub risk: Risk,
}

/// One job and its limits, as the agent sends them.
#[derive(Serialize, Deserialize)]
pub struct JobRequest {
    pub job: Job,
    pub limits: Limits,
}

/// Serves jobs until the agent closes standard input. Returns only when the interpreter could
/// not be made ready (the agent is told why); a child that ran its job exits from inside.
pub fn serve() -> Result<(), SandboxError> {
    let io = |what: &str| {
        let what = what.to_string();
        move |source| SandboxError::Io { what, source }
    };
    let stdin: OwnedFd = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map_err(io("take the control socket"))?;
    let mut control = UnixStream::from(stdin);
    let setup: Setup = match wire::read(&mut control).map_err(io("read the set-up"))? {
        Some((wire::SETUP, payload)) => wire::decode(&payload).map_err(io("decode the set-up"))?,
        _ => {
            return Err(SandboxError::Warm {
                what: "start",
                reason: "the agent sent no set-up".into(),
            });
        }
    };
    let mut report = control
        .try_clone()
        .map_err(io("share the control socket"))?;
    let warmed = warm_up(setup, control);
    if let Err(error) = &warmed {
        // The agent wraps the reason in its own "could not start" message and advice.
        let reason = match error {
            SandboxError::Warm {
                what: "start",
                reason,
            } => reason.clone(),
            SandboxError::Warm { what, reason } => format!("could not {what}: {reason}"),
            other => other.to_string(),
        };
        let _ = wire::write(&mut report, wire::FAILED, reason.as_bytes());
    }
    warmed
}

fn warm_up(setup: Setup, control: UnixStream) -> Result<(), SandboxError> {
    let sandbox = Sandbox::load_warm(&setup.engine)?;
    let me = std::process::id();
    let uplink = Uplink::new(setup.audit_log.clone().unwrap_or_default());
    let audit = setup
        .audit_log
        .as_ref()
        .map(|path| AuditLog::relayed(path, Arc::new(uplink.clone())));
    let protected = Protected::new().with_pid(me, format!("ward's warm interpreters (pid {me})"));
    let host = HostAccess::from_transfer(setup.policy, protected, audit, setup.registry_hive)
        .map_err(|e| SandboxError::Warm {
            what: "load the agent's policy",
            reason: e.to_string(),
        })?;

    let mut builder = tempfile::Builder::new();
    let prefix = guest::scratch_prefix();
    builder.prefix(&prefix);
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    let scratch = builder
        .tempdir_in(&sandbox.runs_dir)
        .map_err(|source| SandboxError::Io {
            what: "create the warm interpreter's scratch directory".into(),
            source,
        })?;

    let defaults = Limits::default();
    let stdout = CappedPipe::new(defaults.stdout_bytes);
    let stderr = CappedPipe::new(defaults.stderr_bytes);
    let limiter = MemoryLimiter::new(defaults.memory_bytes);
    let slot: Arc<Mutex<Option<ChildRun>>> = Arc::default();
    let context = RunContext {
        policy: host.policy.clone(),
        audit: host.audit.clone(),
        risk: setup.risk,
        run: ScriptRun {
            run_id: "warm-up".into(),
            script: "ward_harness.py".into(),
            script_sha256: Sha256Digest::of(b""),
        },
        registry: host.registry.clone(),
    };
    let argv = guest::warm_argv();
    let wasi = sandbox.build_wasi(scratch.path(), &stdout, &stderr, context, &argv)?;
    let waiting = Waiting {
        control,
        uplink,
        stdout,
        stderr,
        memory_cap: limiter.cap_handle(),
        slot: slot.clone(),
        scratch: scratch.path().to_path_buf(),
        runs_dir: sandbox.runs_dir.clone(),
        working_set: Default::default(),
    };
    let wasi = wasi.with_job_gate(child::gate(waiting));
    let mut store = sandbox.store(RunState { wasi, limiter });

    // One thread: the runtime's timers and I/O are driven by the thread that forks, so each
    // child keeps them.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| SandboxError::Io {
            what: "start the warm interpreter's runtime".into(),
            source,
        })?;
    let ended = runtime.block_on(async {
        let instance = sandbox.pre.instantiate_async(&mut store).await?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        start.call_async(&mut store, ()).await
    });

    // Only a child, once its job ended, or an interpreter that never asked for a job gets here.
    let run = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    match run {
        Some(run) => child::finish(run, classify(ended), store.data().limiter.refused),
        None => Err(SandboxError::Warm {
            what: "start",
            reason: format!(
                "the interpreter ended before it was ready ({:?})",
                classify(ended)
            ),
        }),
    }
}
