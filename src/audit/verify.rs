//! Proof that a log is the one ward wrote: every line is a record, sequence
//! numbers run from 0 without a gap, the first record chains from 64 zeros
//! and each later one carries the hash of the line before it.
//!
//! This finds an edited record (the next line's `prev` no longer matches),
//! a removed, inserted or moved record (a sequence gap or a `prev`
//! mismatch), a line cut off and anything that is not a record. What the
//! chain alone cannot show is records removed from the end, or a log
//! rewritten from its first line with a fresh chain: both leave a valid
//! chain behind. They are caught by comparing with an [`Anchor`] kept
//! outside the log (see [`verify_with_anchor`]). This backs
//! `ward audit verify` and reads the file only.

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::chain::{Anchor, Sha256Digest};
use super::error::AuditError;
use super::lines::{self, Line, MAX_LINE_BYTES};
use super::record::Record;

/// The result of checking a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every record checked out.
    Intact(Verified),
    /// The first thing found wrong; nothing after it was checked.
    Broken(Break),
}

/// A log whose chain holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// How many records were checked: every line of the file.
    pub records: u64,
    /// The last record, or `None` for an empty log; a fresh anchor.
    pub head: Option<Anchor>,
}

/// Where a log stops being the one ward wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// Line number, from 1, of the first bad line. For records missing from
    /// the end, the line after the last one.
    pub line: u64,
    /// What is wrong there.
    pub problem: Problem,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// What is wrong at a [`Break`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The file ends in the middle of a line.
    #[error("the last line has no line end: it was cut off by a crash or a truncation")]
    Torn,
    /// The line is longer than any line ward writes.
    #[error("the line is longer than {MAX_LINE_BYTES} bytes, which ward never writes")]
    TooLong,
    /// The line is not a record: not JSON, or not the fields of one.
    #[error("the line is not an audit record: {0}")]
    NotRecord(String),
    /// The first record does not start the chain.
    #[error(
        "the first record's `prev` is {found} instead of 64 zeros: \
         records before it were removed, or it was edited"
    )]
    NotFromZero {
        /// The `prev` found.
        found: Sha256Digest,
    },
    /// The sequence number is not the next one.
    #[error(
        "sequence number {found} where {expected} was due: \
         a record was removed, inserted or moved here"
    )]
    Sequence {
        /// The number due.
        expected: u64,
        /// The number found.
        found: u64,
    },
    /// `prev` is not the hash of the line before.
    #[error(
        "`prev` is {found} but the line before hashes to {expected}: \
         the line before was edited, or a record was replaced"
    )]
    Prev {
        /// Hash of the line before.
        expected: Sha256Digest,
        /// The `prev` found.
        found: Sha256Digest,
    },
    /// The log ends before the anchored record.
    #[error("the log ends before record {seq} of the anchor: records were removed from its end")]
    AnchorMissing {
        /// The anchor's sequence number.
        seq: u64,
    },
    /// The anchored record is not the one anchored.
    #[error(
        "record {seq} hashes to {found}, not to the anchor's {expected}: \
         the log was rewritten up to this record"
    )]
    AnchorMismatch {
        /// The anchor's sequence number.
        seq: u64,
        /// The anchor's hash.
        expected: Sha256Digest,
        /// Hash of the record found at that sequence number.
        found: Sha256Digest,
    },
}

/// Checks the chain of the log at `path`. A log whose last records were
/// removed still passes: use [`verify_with_anchor`] to catch that.
///
/// # Errors
///
/// Only when the file cannot be opened or read; a damaged log is a
/// [`Verdict::Broken`].
pub fn verify(path: impl AsRef<Path>) -> Result<Verdict, AuditError> {
    check(path.as_ref(), None)
}

/// Checks the chain as [`verify`] does, and also that the record at
/// `anchor.seq` is still present and unchanged. Records after the anchor
/// are accepted: the log may have grown since the anchor was taken.
///
/// # Errors
///
/// As for [`verify`].
pub fn verify_with_anchor(path: impl AsRef<Path>, anchor: Anchor) -> Result<Verdict, AuditError> {
    check(path.as_ref(), Some(anchor))
}

fn check(path: &Path, anchor: Option<Anchor>) -> Result<Verdict, AuditError> {
    let file = File::open(path).map_err(|source| AuditError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut buf = Vec::new();
    let mut records: u64 = 0;
    let mut head: Option<Anchor> = None;

    loop {
        let line = records.saturating_add(1);
        let broken = |problem| Ok(Verdict::Broken(Break { line, problem }));
        let read = lines::read_line(&mut reader, &mut buf).map_err(|source| AuditError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        match read {
            Line::End => break,
            Line::Complete => {}
            Line::Torn => return broken(Problem::Torn),
            Line::TooLong => return broken(Problem::TooLong),
        }

        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let record: Record = match serde_json::from_slice(body) {
            Ok(record) => record,
            Err(error) => return broken(Problem::NotRecord(error.to_string())),
        };
        if record.seq != records {
            return broken(Problem::Sequence {
                expected: records,
                found: record.seq,
            });
        }
        let expected_prev = head.map_or(Sha256Digest::ZERO, |head| head.hash);
        if record.prev != expected_prev {
            return match head {
                None => broken(Problem::NotFromZero { found: record.prev }),
                Some(_) => broken(Problem::Prev {
                    expected: expected_prev,
                    found: record.prev,
                }),
            };
        }

        let hash = Sha256Digest::of(&buf);
        if let Some(anchor) = anchor.filter(|anchor| anchor.seq == record.seq)
            && anchor.hash != hash
        {
            let (seq, expected, found) = (anchor.seq, anchor.hash, hash);
            return broken(Problem::AnchorMismatch {
                seq,
                expected,
                found,
            });
        }
        head = Some(Anchor {
            seq: record.seq,
            hash,
        });
        records = line;
    }

    if let Some(anchor) = anchor.filter(|anchor| anchor.seq >= records) {
        let line = records.saturating_add(1);
        let problem = Problem::AnchorMissing { seq: anchor.seq };
        return Ok(Verdict::Broken(Break { line, problem }));
    }
    Ok(Verdict::Intact(Verified { records, head }))
}

#[cfg(test)]
mod tests;
