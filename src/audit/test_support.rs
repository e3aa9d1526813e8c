//! Builders shared by the audit tests: sample entries and small logs.

use std::path::Path;
use std::time::Duration;

use super::{AuditError, AuditLog, Decision, Durability, Entry, ScriptRun, Sha256Digest};

/// The run every sample entry belongs to.
pub fn sample_run() -> ScriptRun {
    ScriptRun {
        run_id: "4d1c7e0a-run".to_owned(),
        script: "collect_logs".to_owned(),
        script_sha256: Sha256Digest::of(b"print('collect')\n"),
    }
}

/// A read of a numbered file, allowed by a numbered rule.
pub fn sample_entry(n: usize) -> Entry {
    Entry::new(
        &sample_run(),
        "file.read",
        format!("/var/log/app/{n}.log"),
        Decision::Allow,
        format!("policies/default.toml:{n}"),
    )
    .outcome("ok")
    .duration(Duration::from_micros(n as u64))
}

/// Writes a log of `count` sample records at `path` and closes it.
pub fn write_log(path: &Path, count: usize) -> Result<(), AuditError> {
    let log = AuditLog::open(path)?;
    for n in 0..count {
        log.append(sample_entry(n), Durability::Buffered)?;
    }
    log.flush()
}
