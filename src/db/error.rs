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
    Sqlite(#[from] rusqlite::Error),

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
            other => DbError::Sqlite(other),
        }
    }
}
