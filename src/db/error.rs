//! What can go wrong in the store, said so that an operator knows what to do next.

use std::path::PathBuf;

use crate::status::Status;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "could not open the database `{}`: {source}; check that the data directory is \
         writable and that the file is a ward database",
        path.display()
    )]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },

    #[error(
        "the database is at schema version {found}, newer than this ward understands ({known}); \
         run a newer ward or restore a backup"
    )]
    SchemaTooNew { found: i64, known: i64 },

    #[error("a database query failed: {0}")]
    Sqlite(#[source] rusqlite::Error),

    /// The disk under the database has no room left; the change was rolled back.
    #[error(
        "the database could not grow because its disk is full ({0}); nothing was changed: free \
         space in the server's data directory"
    )]
    Full(#[source] rusqlite::Error),

    /// The disk under the database failed a read or a write, or became read-only, as a disk does
    /// after an error. The change was rolled back.
    #[error(
        "the database's disk failed or went read-only ({0}); nothing was changed: check and \
         repair that disk, then restart the server"
    )]
    Unwritable(#[source] rusqlite::Error),

    #[error("the database holds something unreadable: {what}; restore a backup or remove the row")]
    Corrupt { what: String },

    /// A unique name or key is taken.
    #[error("{what} already exists")]
    Duplicate { what: String },

    /// Refused by [`super::transition`]; nothing was changed.
    #[error("a job cannot go from `{from}` to `{to}`")]
    IllegalTransition { from: Status, to: Status },

    #[error("the database task stopped before it answered: {0}")]
    Task(String),
}

impl From<rusqlite::Error> for DbError {
    /// Tells a full, failing or read-only disk, which an operator can fix and a caller can wait
    /// out, from any other failure.
    fn from(error: rusqlite::Error) -> DbError {
        match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => DbError::Full(error),
            Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::SystemIoFailure) => {
                DbError::Unwritable(error)
            }
            _ => DbError::Sqlite(error),
        }
    }
}

impl DbError {
    /// Maps a uniqueness violation to [`DbError::Duplicate`], any other error as is.
    pub(super) fn unique(error: rusqlite::Error, what: impl FnOnce() -> String) -> DbError {
        match error {
            rusqlite::Error::SqliteFailure(e, _)
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                DbError::Duplicate { what: what() }
            }
            other => DbError::from(other),
        }
    }
}
