//! The sandbox engine: CPython compiled to WASI, run by wasmtime, one fresh instance per run.
//!
//! - [`interpreter`] finds the guest interpreter and checks its pinned SHA-256;
//! - [`cache`] keeps the compiled interpreter on disk, private to ward's user and tamper-evident;
//! - [`engine`] owns the process-wide wasmtime engine, the compiled module and the epoch clock;
//! - [`run`] executes one [`Job`] under its [`Limits`] and returns a [`RunResult`];
//! - [`guest`] ships the guest-side harness inside the binary;
//! - [`bytecode`] compiles it once, so that runs do not compile it from source;
//! - [`output`] caps what a script can print;
//! - [`warm`] keeps interpreters started, forking one per job (Linux).

mod bytecode;
mod cache;
mod engine;
mod error;
mod guest;
pub mod interpreter;
mod job;
mod limits;
mod output;
mod run;
#[cfg(target_os = "linux")]
pub mod warm;

pub use engine::{EPOCH_TICK, EngineOptions, ModuleSource, Sandbox};
pub use error::SandboxError;
pub use job::{Exception, Job, Mode, Outcome, RunResult};
pub use limits::Limits;
