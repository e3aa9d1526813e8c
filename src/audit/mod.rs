//! The audit log: what each script run did on the host, in a file that shows
//! any later edit.
//!
//! The capability layer writes one record for every operation it mediates,
//! allowed or denied, before the operation takes effect, and one when each run
//! starts and ends. The log is JSON Lines, appended to only. Each record holds
//! the SHA-256 of the line before it, so editing, removing, inserting or
//! moving a record breaks the chain where [`verify`] will find it. Removing
//! records from the end leaves a valid chain; keep an [`Anchor`] from
//! [`AuditLog::head`] elsewhere and check with [`verify_with_anchor`].
//!
//! ```text
//! capability layer ── Entry ──▶ AuditLog::append ──▶ one JSON line (+ sync_data)
//!                                  time, seq, prev
//! ward audit verify ──────────▶ verify / verify_with_anchor ──▶ Verdict
//! ```
//!
//! - `record`: the record's fields and the caller's [`Entry`].
//! - `chain`: SHA-256 values and anchors.
//! - `log`: the shared writer, [`AuditLog`].
//! - `verify`: reading a log back and checking its chain.
//! - `lines`: capped line reading, used by the writer and by `verify`.
//!
//! Nothing but records is written to the log: no headers, no diagnostics.

mod chain;
mod error;
mod lines;
mod log;
mod record;
mod verify;

#[cfg(test)]
mod test_support;

pub use chain::{Anchor, AnchorParseError, DigestParseError, Sha256Digest};
pub use error::AuditError;
pub use lines::MAX_LINE_BYTES;
pub use log::{AuditLog, Durability, RecordSink};
pub use record::{Decision, Entry, MAX_FIELD_BYTES, RUN_END, RUN_START, Record, ScriptRun};
pub use verify::{Break, Problem, Verdict, Verified, verify, verify_with_anchor};
