//! One run: a fresh instance of the interpreter, its limits armed, the job in, the result out.
//!
//! Every run gets a new store, a new WASI context with an empty environment and no network, and a
//! private scratch directory that is deleted when the run ends. Nothing survives to the next run.

use std::future::Future;
use std::io::Read;
use std::path::Path;
use std::time::Instant;

use serde::Deserialize;
use serde_json::Value;
use tracing::Instrument;
use wasmtime::Store;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use super::guest::{self, GUEST_LIB, GUEST_RUN};
use super::job::{Exception, Job, Mode, Outcome, RunResult};
use super::limits::{Limits, MemoryLimiter};
use super::output::CappedPipe;
use super::{Sandbox, SandboxError};
use crate::audit::{RUN_END, RUN_START, ScriptRun, Sha256Digest};
use crate::capability::{CHANNEL_NAME, MediatedWasi, Preopen, Root, RunContext};
use crate::policy::Operation;
use crate::status::Status;

/// Per-run state owned by the wasmtime store.
pub struct RunState {
    pub(super) wasi: MediatedWasi,
    pub(super) limiter: MemoryLimiter,
}

/// What the harness writes to `result.json`.
#[derive(Deserialize)]
pub(super) struct GuestResult {
    return_value: Value,
    exception: Option<Exception>,
    exit_code: i32,
}

impl Sandbox {
    /// Runs `job` to its end, its timeout, or until `abort` resolves, whichever comes first.
    pub async fn run(
        &self,
        job: &Job,
        limits: &Limits,
        abort: impl Future<Output = ()>,
    ) -> Result<RunResult, SandboxError> {
        let span = tracing::info_span!("run", run_id = %job.run_id, script = %job.filename);
        #[cfg(target_os = "linux")]
        if let Some(pool) = self.warm_pool() {
            return pool.run(job, limits, abort).instrument(span).await;
        }
        self.run_inner(job, limits, abort).instrument(span).await
    }

    async fn run_inner(
        &self,
        job: &Job,
        limits: &Limits,
        abort: impl Future<Output = ()>,
    ) -> Result<RunResult, SandboxError> {
        let started = Instant::now();
        let prefix = guest::scratch_prefix();
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix);
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let scratch = builder
            .tempdir_in(&self.runs_dir)
            .map_err(|source| SandboxError::Io {
                what: "create the run's scratch directory".into(),
                source,
            })?;
        let job_json =
            serde_json::to_vec(job).map_err(|e| SandboxError::InvalidJob(e.to_string()))?;
        std::fs::write(scratch.path().join("job.json"), job_json).map_err(|source| {
            SandboxError::Io {
                what: "write the job".into(),
                source,
            }
        })?;

        let stdout = CappedPipe::new(limits.stdout_bytes);
        let stderr = CappedPipe::new(limits.stderr_bytes);
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
        let wasi = self.build_wasi(
            scratch.path(),
            &stdout,
            &stderr,
            context.clone(),
            &guest::argv(),
        )?;
        let refused = |_| SandboxError::AuditUnavailable;
        context
            .record_run(RUN_START, format!("risk {}", job.risk.as_str()), None)
            .map_err(refused)?;
        let state = RunState {
            wasi,
            limiter: MemoryLimiter::new(limits.memory_bytes),
        };
        let mut store = self.store(state);
        store.set_epoch_deadline(1);
        store.epoch_deadline_async_yield_and_update(1);

        let execution = async {
            let instance = self.pre.instantiate_async(&mut store).await?;
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
            start.call_async(&mut store, ()).await
        };
        let outcome = tokio::select! {
            ended = execution => classify(ended),
            () = tokio::time::sleep(limits.timeout) => Outcome::TimedOut,
            () = abort => Outcome::Aborted,
        };
        let out_of_memory = store.data().limiter.refused;
        drop(store);

        let guest = read_guest_result(scratch.path(), limits.result_bytes);
        let mut result = assemble(job, limits, outcome, out_of_memory, guest, started);
        (result.stdout, result.stdout_truncated) = stdout.take();
        (result.stderr, result.stderr_truncated) = stderr.take();
        tracing::info!(status = %result.status, duration_ms = result.duration_ms, "run ended");
        context
            .record_run(RUN_END, result.status.to_string(), Some(started.elapsed()))
            .map_err(refused)?;
        Ok(result)
    }

    /// The run's WASI context: arguments, capped output, the guest library (read-only), the
    /// scratch directory, and each host directory the policy maps in for this risk, at its own
    /// absolute path. When no rule maps `/` itself, an empty stand-in takes its place so that
    /// every other absolute path still reaches the host's checks and is recorded.
    ///
    /// A warm interpreter's child may block its one thread in a host call, since the agent
    /// kills the whole process at the deadline; a fresh instance may not, since its timeout
    /// fires only when the host call yields.
    pub(super) fn build_wasi(
        &self,
        scratch: &Path,
        stdout: &CappedPipe,
        stderr: &CappedPipe,
        context: RunContext,
        argv: &[&str],
    ) -> Result<MediatedWasi, SandboxError> {
        let map_err = |source| SandboxError::Wasm {
            what: "map the guest directories",
            source,
        };
        let mut builder = WasiCtxBuilder::new();
        builder
            .args(argv)
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_blocking_current_thread(self.warm_process)
            // Straight from the operating system on every call: a generator seeded once would be
            // copied, state and all, into every child of a warm interpreter, and each job would
            // draw the same "random" bytes.
            .secure_random(rand::rand_core::UnwrapErr(rand::rngs::SysRng));
        builder
            .preopened_dir(&self.guest_lib, GUEST_LIB, FsPerms::ReadOnly)
            .map_err(map_err)?;
        builder
            .preopened_dir(scratch, GUEST_RUN, FsPerms::ReadWrite)
            .map_err(map_err)?;
        let mut preopens = vec![Preopen::Internal, Preopen::Scratch];

        let roots = context.policy.roots(context.risk);
        if !roots.iter().any(|(path, _)| path == Path::new("/")) {
            builder
                .preopened_dir(&self.empty_root, "/", FsPerms::ReadOnly)
                .map_err(map_err)?;
            preopens.push(Preopen::Outside);
        }
        for (path, ops) in roots {
            let Ok(dir) = cap_std::fs::Dir::open_ambient_dir(&path, cap_std::ambient_authority())
            else {
                tracing::debug!(root = %path.display(), "a root named by the policy does not exist here; not mapped");
                continue;
            };
            let perms = if ops.iter().any(Operation::changes_host) {
                FsPerms::ReadWrite
            } else {
                FsPerms::ReadOnly
            };
            let guest_path = path.to_string_lossy().into_owned();
            builder
                .preopened_dir(&path, guest_path, perms)
                .map_err(map_err)?;
            preopens.push(Preopen::Root(Root { path, dir }));
        }
        std::fs::write(scratch.join(CHANNEL_NAME), b"").map_err(|source| SandboxError::Io {
            what: "create the host channel".into(),
            source,
        })?;
        Ok(MediatedWasi::new(builder.build_p1(), context, preopens))
    }

    /// A store for one instance, its memory capped by its limiter.
    pub(super) fn store(&self, state: RunState) -> Store<RunState> {
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limiter);
        store
    }
}

/// The result of a run as the host saw it end and as the guest reported it; standard output and
/// error are left empty for the caller to fill.
pub(super) fn assemble(
    job: &Job,
    limits: &Limits,
    outcome: Outcome,
    out_of_memory: bool,
    guest: Result<Option<GuestResult>, String>,
    started: Instant,
) -> RunResult {
    let mut result = RunResult {
        run_id: job.run_id.clone(),
        status: Status::Failed,
        outcome: if out_of_memory && !matches!(outcome, Outcome::TimedOut | Outcome::Aborted) {
            Outcome::OutOfMemory
        } else {
            outcome
        },
        error: None,
        return_value: Value::Null,
        exception: None,
        exit_code: None,
        stdout: String::new(),
        stdout_truncated: false,
        stderr: String::new(),
        stderr_truncated: false,
        files_to_get: Vec::new(),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    settle(&mut result, guest, job, limits);
    result
}

pub(super) fn classify(ended: wasmtime::Result<()>) -> Outcome {
    match ended {
        Ok(()) => Outcome::Exited { code: 0 },
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(exit) => Outcome::Exited { code: exit.0 },
            None => Outcome::Crashed {
                message: format!("{e:#}"),
            },
        },
    }
}

pub(super) fn read_guest_result(dir: &Path, cap: usize) -> Result<Option<GuestResult>, String> {
    let file = match open_result(&dir.join("result.json")) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("the result could not be opened: {e}")),
    };
    let is_file = file.metadata().is_ok_and(|m| m.is_file());
    if !is_file {
        return Err("the result is not a regular file; the script replaced it".into());
    }
    let mut bytes = Vec::new();
    file.take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("the result could not be read: {e}"))?;
    if bytes.len() > cap {
        return Err(format!(
            "the result is over the limit of {cap} bytes; return less data, or write large \
             output to a file and list it in `files_to_get`"
        ));
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| format!("the result is malformed: {e}"))
}

/// Opens the guest's result without following a link and without blocking: the scratch
/// directory is the guest's to change, so the file there may be anything the guest could make.
#[cfg(unix)]
fn open_result(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
}

#[cfg(not(unix))]
fn open_result(path: &Path) -> std::io::Result<std::fs::File> {
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(std::io::Error::other("the result is a link"));
    }
    std::fs::File::open(path)
}

/// Decides the status from what the host saw and what the guest reported.
fn settle(
    result: &mut RunResult,
    guest: Result<Option<GuestResult>, String>,
    job: &Job,
    limits: &Limits,
) {
    let timeout_s = limits.timeout.as_secs_f64();
    let memory_mib = limits.memory_bytes >> 20;
    match (&result.outcome, guest) {
        (Outcome::TimedOut, _) => {
            result.status = Status::Timeout;
            result.error = Some(format!(
                "the script did not finish within its timeout of {timeout_s} s and was stopped"
            ));
        }
        (Outcome::Aborted, _) => {
            result.status = Status::Aborted;
            result.error = Some("the run was aborted".into());
        }
        (_, Err(reason)) => result.error = Some(reason),
        (outcome, Ok(Some(guest))) => {
            result.exit_code = Some(guest.exit_code);
            result.exception = guest.exception;
            if let Some(exception) = &result.exception {
                let raised = format!("{}: {}", exception.kind, exception.message);
                result.error = Some(
                    if *outcome == Outcome::OutOfMemory || is_memory_error(exception) {
                        format!(
                            "the script needed more memory than its limit of {memory_mib} MiB ({raised})"
                        )
                    } else {
                        raised
                    },
                );
            } else {
                result.status = Status::CompletedSuccessfully;
                result.files_to_get = files_to_get(&guest.return_value, &job.mode);
                result.return_value = guest.return_value;
            }
        }
        (Outcome::OutOfMemory, Ok(None)) => {
            result.error = Some(format!(
                "the script exceeded its memory limit of {memory_mib} MiB and was stopped"
            ));
        }
        (Outcome::Exited { code }, Ok(None)) => {
            result.exit_code = Some(*code);
            result.error = Some(format!(
                "the interpreter exited with code {code} before the script returned a result"
            ));
        }
        (Outcome::Crashed { message }, Ok(None)) => {
            result.error = Some(format!("the interpreter stopped abnormally: {message}"));
        }
    }
}

/// A `MemoryError`, or the `OverflowError` a 32-bit guest raises for a size that cannot exist in
/// its address space (`b'x' * 10**10`): both mean the script asked for too much memory.
fn is_memory_error(exception: &Exception) -> bool {
    exception.kind == "MemoryError"
        || (exception.kind == "OverflowError" && exception.message.contains("index-sized integer"))
}

/// The `files_to_get` list of an entry point's returned dict, if it has one of strings.
fn files_to_get(value: &Value, mode: &Mode) -> Vec<String> {
    if !matches!(mode, Mode::EntryPoint { .. }) {
        return Vec::new();
    }
    value
        .get("files_to_get")
        .and_then(Value::as_array)
        .map(|paths| {
            paths
                .iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
