//! The process-wide engine: one wasmtime `Engine`, the compiled interpreter, and the epoch clock.
//!
//! Compiling the 26 MB interpreter takes seconds, so it happens at most once per machine (the
//! result is cached on disk, see [`super::cache`]) and at most once per process (the compiled
//! module is shared by every run). Runs never share an instance.

use std::path::{Path, PathBuf};
use std::time::Duration;

use wasmtime::{Config, InstancePre, Linker, Module, OptLevel};

use super::cache::{Cache, module_key};
use super::run::RunState;
use super::{SandboxError, bytecode, guest, interpreter};
use crate::capability::HostAccess;

/// How often the epoch advances; a timeout is noticed within one tick of its deadline.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Where the engine finds its inputs. Defaults: interpreter located by
/// [`interpreter::locate`], cache in [`crate::paths::cache_dir`].
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct EngineOptions {
    pub interpreter: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
}

/// Whether the compiled interpreter came from the disk cache or was compiled by this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleSource {
    Cache,
    Compiled,
}

pub struct Sandbox {
    pub(super) engine: wasmtime::Engine,
    pub(super) pre: InstancePre<RunState>,
    pub(super) guest_lib: PathBuf,
    pub(super) empty_root: PathBuf,
    pub(super) runs_dir: PathBuf,
    pub(super) host: HostAccess,
    source: ModuleSource,
    /// Where the interpreter and the cache were found, for the processes of warm interpreters.
    pub(super) options: EngineOptions,
    /// This is the process of warm interpreters, whose children may block in host calls.
    pub(super) warm_process: bool,
    #[cfg(target_os = "linux")]
    warm: Option<super::warm::Pool>,
}

/// How an engine is built: the plain one checks epochs so that a timeout stops a computing
/// script; the one of warm interpreters does not, since the agent kills the whole process.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Plain,
    Unchecked,
    Warm,
}

impl Sandbox {
    /// Loads the interpreter (from the cache when it can), links WASI, and starts the epoch clock.
    /// The sandbox starts with no host access; see [`Self::with_host_access`].
    pub fn load(options: &EngineOptions) -> Result<Self, SandboxError> {
        Self::load_configured(options, Flavor::Plain)
    }

    /// The engine of the process that keeps warm interpreters: no epoch checks, and code
    /// compiled on this one thread, since the process forks and a fork keeps only one.
    pub(super) fn load_warm(options: &EngineOptions) -> Result<Self, SandboxError> {
        Self::load_configured(options, Flavor::Warm)
    }

    /// [`Self::load`] with guest code compiled without epoch checks and no epoch clock, so that a
    /// timeout cannot stop a script while it computes (only while it waits in a host call). This
    /// exists to measure what timeouts cost; never run untrusted scripts in such a sandbox.
    pub fn load_without_epoch_interruption(options: &EngineOptions) -> Result<Self, SandboxError> {
        Self::load_configured(options, Flavor::Unchecked)
    }

    fn load_configured(options: &EngineOptions, flavor: Flavor) -> Result<Self, SandboxError> {
        let engine = new_engine(flavor)?;
        let interpreter = interpreter::locate(options.interpreter.as_deref())?;
        let cache_dir = options
            .cache_dir
            .clone()
            .unwrap_or_else(crate::paths::cache_dir);
        let cache = Cache::open(&cache_dir)?;

        let (module, source) = load_module(&engine, &cache, &interpreter)?;
        let guest_lib = guest::materialize(cache.dir(), |dir, modules| {
            bytecode::compile(&engine, &module, dir, modules)
        })?;
        let empty_root = guest::empty_root(cache.dir())?;
        let runs_dir = guest::runs_dir(cache.dir())?;

        let mut linker: Linker<RunState> = Linker::new(&engine);
        wasmtime_wasi::p1::wasi_snapshot_preview1::add_to_linker(&mut linker, |s| &mut s.wasi)
            .map_err(|source| SandboxError::Wasm {
                what: "link WASI",
                source,
            })?;
        let pre = linker
            .instantiate_pre(&module)
            .map_err(|source| SandboxError::Wasm {
                what: "link the interpreter",
                source,
            })?;

        if flavor == Flavor::Plain {
            start_epoch_clock(&engine);
        }
        Ok(Self {
            engine,
            pre,
            guest_lib,
            empty_root,
            runs_dir,
            host: HostAccess::none(),
            source,
            options: EngineOptions {
                interpreter: Some(interpreter),
                cache_dir: Some(cache_dir),
            },
            warm_process: flavor == Flavor::Warm,
            #[cfg(target_os = "linux")]
            warm: None,
        })
    }

    /// Lets runs reach the host as `host.policy` allows, recording each operation in
    /// `host.audit`.
    pub fn with_host_access(mut self, host: HostAccess) -> Self {
        self.host = host;
        #[cfg(target_os = "linux")]
        if let Some(pool) = self.warm.take() {
            self.warm = Some(pool.with_host_access(self.host.clone()));
        }
        self
    }

    /// Runs jobs in warm interpreters: a process started from `program` (this `ward` binary)
    /// keeps one interpreter started and forks it for each job, so that a job waits neither for
    /// the interpreter to start nor for it to finish. Each job still gets an interpreter of its
    /// own, in a process of its own. Only on Linux; elsewhere every run starts a fresh instance.
    pub fn with_warm_interpreters(self, program: std::path::PathBuf) -> Self {
        #[cfg(target_os = "linux")]
        {
            let mut sandbox = self;
            sandbox.warm = Some(super::warm::Pool::new(
                program,
                sandbox.options.clone(),
                sandbox.host.clone(),
                sandbox.runs_dir.clone(),
            ));
            sandbox
        }
        #[cfg(not(target_os = "linux"))]
        {
            tracing::debug!(program = %program.display(), "warm interpreters need Linux; every run starts a fresh instance");
            self
        }
    }

    /// The pids of this sandbox's processes of warm interpreters (none before the first job, or
    /// when it has none): for diagnostics, and for tests that stop them from outside.
    pub async fn warm_interpreter_pids(&self) -> Vec<u32> {
        #[cfg(target_os = "linux")]
        if let Some(pool) = &self.warm {
            return pool.pids().await;
        }
        Vec::new()
    }

    #[cfg(target_os = "linux")]
    pub(super) fn warm_pool(&self) -> Option<&super::warm::Pool> {
        self.warm.as_ref()
    }

    /// Whether this process loaded compiled code from the cache (the fast path) or compiled it.
    pub fn module_source(&self) -> ModuleSource {
        self.source
    }
}

fn new_engine(flavor: Flavor) -> Result<wasmtime::Engine, SandboxError> {
    let mut config = Config::new();
    config.epoch_interruption(flavor == Flavor::Plain);
    let warm = flavor == Flavor::Warm;
    config.parallel_compilation(!warm);
    // Every warm job ends in `proc_exit`, which wasmtime carries out as a trap; a backtrace of
    // the guest's frames each time would be work for nothing.
    if warm {
        config.wasm_backtrace_max_frames(None);
    }
    config.cranelift_opt_level(OptLevel::Speed);
    wasmtime::Engine::new(&config).map_err(|source| SandboxError::Wasm {
        what: "configure the engine",
        source,
    })
}

fn load_module(
    engine: &wasmtime::Engine,
    cache: &Cache,
    interpreter: &Path,
) -> Result<(Module, ModuleSource), SandboxError> {
    let entry_name = format!(
        "python-{}.cwasm",
        &module_key(engine, interpreter::PINNED_SHA256)[..32]
    );

    // The hash is checked whenever the file is not the one verified last time, even when a
    // compiled module is cached, so that a swapped interpreter is always noticed.
    let mut bytes = None;
    if !cache.is_verified(interpreter) {
        bytes = Some(interpreter::read_verified(interpreter)?);
        cache.mark_verified(interpreter)?;
    }

    if let Some(entry) = cache.verified_entry(&entry_name) {
        // SAFETY: `deserialize_file` runs native code from the file. The file is only trusted
        // because (1) its directory belongs to this user and nobody else can write to it
        // (`Cache::open`), and (2) its stamp proves it is byte-for-byte what this user wrote
        // after compiling the verified interpreter (`verified_entry`). wasmtime also rejects
        // files from another version or configuration.
        #[allow(unsafe_code)]
        let loaded = unsafe { Module::deserialize_file(engine, &entry) };
        match loaded {
            Ok(module) => return Ok((module, ModuleSource::Cache)),
            Err(e) => {
                tracing::warn!(entry = %entry.display(), error = %e, "cached module rejected; recompiling")
            }
        }
    }

    let bytes = match bytes {
        Some(bytes) => bytes,
        None => interpreter::read_verified(interpreter)?,
    };
    tracing::info!(interpreter = %interpreter.display(), "compiling the guest interpreter (once per machine)");
    let module = Module::new(engine, &bytes).map_err(|source| SandboxError::Wasm {
        what: "compile the interpreter",
        source,
    })?;
    let serialized = module.serialize().map_err(|source| SandboxError::Wasm {
        what: "serialize the compiled interpreter",
        source,
    })?;
    cache.store(&entry_name, &serialized)?;
    Ok((module, ModuleSource::Compiled))
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until the engine is dropped.
fn start_epoch_clock(engine: &wasmtime::Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("ward-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .map(drop)
        .unwrap_or_else(|e| tracing::error!(error = %e, "could not start the epoch clock; timeouts rely on the async timer alone"));
}
