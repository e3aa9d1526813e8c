//! Per-run limits and the memory limiter that enforces the memory cap.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// What one run may consume. Every field has a default that is safe for an unknown script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Wall-clock time from the start of the interpreter to the end of the script, including time
    /// blocked in host calls. Default: 600 s, the consoles' default script timeout.
    pub timeout: Duration,
    /// Linear memory of the guest. Default: 256 MiB.
    pub memory_bytes: usize,
    /// Standard output kept; the rest is discarded and the result says so. Default: 1 MiB.
    pub stdout_bytes: usize,
    /// Standard error kept, as for standard output. Default: 1 MiB.
    pub stderr_bytes: usize,
    /// Size of the returned value (JSON) accepted from the guest. Default: 8 MiB.
    pub result_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(600),
            memory_bytes: 256 << 20,
            stdout_bytes: 1 << 20,
            stderr_bytes: 1 << 20,
            result_bytes: 8 << 20,
        }
    }
}

/// Refuses memory growth past the cap and remembers that it did, so that a `MemoryError` or a
/// crash that follows can be reported as the memory limit it really is.
pub struct MemoryLimiter {
    cap: Arc<AtomicUsize>,
    pub(super) refused: bool,
}

impl MemoryLimiter {
    pub fn new(cap: usize) -> Self {
        Self {
            cap: Arc::new(AtomicUsize::new(cap)),
            refused: false,
        }
    }

    /// Sets the cap from outside the store: a warm interpreter learns its job's limits only
    /// when the job arrives, deep inside a host call.
    pub fn cap_handle(&self) -> Arc<AtomicUsize> {
        self.cap.clone()
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.cap.load(Ordering::Relaxed);
        self.refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // CPython's function table is fixed at build time; growth beyond it is never legitimate.
        Ok(desired <= 1 << 16)
    }

    fn instances(&self) -> usize {
        1
    }

    fn memories(&self) -> usize {
        1
    }
}
