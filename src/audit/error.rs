//! Why the audit log could not be opened, written or read.
//!
//! A failed append means the operation it describes has no durable record,
//! so the caller must not let that operation proceed. A log found damaged
//! by [`super::verify`] is not an error here but a [`super::Verdict`].

use std::io;
use std::path::PathBuf;

/// An audit log operation that failed, with the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The log's directory does not exist and could not be made.
    #[error(
        "cannot create the directory `{}` for the audit log: {source}; \
         check that ward may write there or choose another log path",
        path.display()
    )]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },

    /// The log file could not be opened or created.
    #[error(
        "cannot open the audit log `{}`: {source}; \
         check that the file is readable and writable by ward",
        path.display()
    )]
    Open {
        /// The log file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },

    /// Another handle holds the log's lock, most likely another ward process.
    #[error(
        "the audit log `{}` is already open for writing elsewhere, most likely by another \
         ward process; stop that process or give this one its own log",
        path.display()
    )]
    Locked {
        /// The log file.
        path: PathBuf,
    },

    /// Reading the log failed.
    #[error("cannot read the audit log `{}`: {source}", path.display())]
    Read {
        /// The log file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },

    /// The last line has no `\n`: a record was cut off, most likely by a crash.
    #[error(
        "the audit log `{}` ends with an incomplete record, most likely cut off by a crash; \
         run `ward audit verify {}`, then move the log aside before ward writes to it again",
        path.display(),
        path.display()
    )]
    TornTail {
        /// The log file.
        path: PathBuf,
    },

    /// The last line is not a record, so the chain cannot be continued.
    #[error(
        "the last line of the audit log `{}` is not a valid record ({reason}); \
         run `ward audit verify {}`, then move the log aside before ward writes to it again",
        path.display(),
        path.display()
    )]
    BadTail {
        /// The log file.
        path: PathBuf,
        /// What is wrong with the line.
        reason: String,
    },

    /// A record could not be turned into JSON.
    #[error("cannot encode an audit record for `{}`: {source}", path.display())]
    Encode {
        /// The log file.
        path: PathBuf,
        /// What the encoder said.
        source: serde_json::Error,
    },

    /// Writing a record failed; the log was cut back to its last whole record.
    #[error(
        "cannot write a record to the audit log `{}`: {source}; the operation it describes \
         must not proceed; check free space and permissions",
        path.display()
    )]
    Write {
        /// The log file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },

    /// Flushing records to disk failed; they may be lost on power failure.
    #[error(
        "cannot flush the audit log `{}` to disk: {source}; the operation it describes \
         must not proceed, and the log accepts no more records until it is reopened",
        path.display()
    )]
    Sync {
        /// The log file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },

    /// An earlier write or flush failed and left the file in an unknown state.
    #[error(
        "the audit log `{}` accepts no more records because an earlier write to it failed; \
         run `ward audit verify {}` and reopen it",
        path.display(),
        path.display()
    )]
    Failed {
        /// The log file.
        path: PathBuf,
    },

    /// A record written in another process (see [`super::RecordSink`]) did not reach it.
    #[error(
        "the audit log `{}` is written by the ward process that started this one, and it did not \
         take the record ({reason}); the operation was refused. Check that process's own errors",
        path.display()
    )]
    Relay {
        /// The log file.
        path: PathBuf,
        /// What went wrong on the way.
        reason: String,
    },

    /// The sequence number cannot grow any further.
    #[error(
        "the audit log `{}` has used every sequence number; move it aside to start a new log",
        path.display()
    )]
    Exhausted {
        /// The log file.
        path: PathBuf,
    },
}
