//! The server's store: users, enrollment secrets, endpoints, the script library, actions, jobs
//! and retrieved files, behind one type, [`Db`].
//!
//! SQLite is the default (one file, so `ward server` needs no set-up); the API is asynchronous
//! and free of SQL so that a PostgreSQL store can take its place for several server replicas.
//! Queries are blocking, so each one runs on tokio's blocking pool against the single connection.
//! One file per table holds its queries; `migrate` creates and upgrades the schema; `transition`
//! is the only place that decides whether a job may move from one status to another, and
//! `progress` tells an action's watchers about each change once it is committed. Nothing here
//! reads the clock: callers pass "now" (Unix seconds) in.

mod actions;
mod endpoints;
mod enrollment;
mod error;
mod files;
mod jobs;
mod migrate;
mod progress;
mod scripts;
mod transition;
mod users;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use actions::{ActionRow, NewAction};
pub use endpoints::EndpointRow;
pub use error::DbError;
pub use files::{FileInsert, FileRow, NewFile};
pub use jobs::{JobRow, JobView, Pulled, ResultOutcome};
pub use progress::{JobChange, JobStatusRow};
pub use scripts::{NewScript, ScriptRow};
pub use transition::transition;
pub use users::UserRow;

/// The store. Cloning is cheap and shares the connection.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    /// Where committed status changes go to the actions' watchers.
    feed: Arc<progress::Feed>,
}

impl Db {
    /// Opens (creating it if needed) the SQLite database at `path`, with write-ahead logging and
    /// foreign keys on, and brings its schema up to date.
    ///
    /// # Errors
    ///
    /// [`DbError::Open`] when the file cannot be opened or is not a database,
    /// [`DbError::SchemaTooNew`] when a newer ward wrote it.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let open_error = |source| DbError::Open {
            path: path.to_owned(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_error)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_error)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_error)?;
        // FULL: every commit reaches the disk before it is answered, since an agent drops its
        // copy of a result once the server acknowledges it. (NORMAL loses the last commits when
        // the machine stops or the disk fails before the next checkpoint.)
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_error)?;
        migrate::migrate(&mut conn)?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
            feed: Arc::default(),
        })
    }

    /// Runs `query` on the connection, on tokio's blocking pool, then tells the actions'
    /// watchers about the status changes it committed.
    async fn call<T, F>(&self, query: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let feed = Arc::clone(&self.feed);
        tokio::task::spawn_blocking(move || {
            // A panic while the lock was held cannot leave SQLite inconsistent (a transaction
            // not committed is rolled back), so a poisoned lock is still usable.
            let mut conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            progress::take_noted();
            let answer = query(&mut conn);
            let changes = progress::take_noted();
            drop(conn);
            if answer.is_ok() {
                feed.publish(changes);
            }
            answer
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }
}

/// The name a unit enum has in JSON (`"administrator"`, `"High Risk"`), for a TEXT column.
fn enum_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        other => format!("{other:?}"),
    }
}

/// Reads back what [`enum_text`] wrote.
fn enum_from_text<T: DeserializeOwned>(column: &str, text: String) -> Result<T, DbError> {
    serde_json::from_value(serde_json::Value::String(text.clone())).map_err(|_| DbError::Corrupt {
        what: format!("`{text}` in column `{column}`"),
    })
}

/// Reads a JSON column.
fn json_from_text<T: DeserializeOwned>(column: &str, text: &str) -> Result<T, DbError> {
    serde_json::from_str(text).map_err(|e| DbError::Corrupt {
        what: format!("the JSON in column `{column}` ({e})"),
    })
}

/// Writes a JSON column; the types stored never fail to serialize.
fn json_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}
