//! Queries on `files`: what agents retrieved for a job (`files_to_get`). The bytes live in the
//! server's file store under a generated name; a row says which job and path they came from,
//! their SHA-256, and until when they are kept. Expired files keep their row, flagged.

use rusqlite::{OptionalExtension, Row, params};

use super::{Db, DbError};

/// A file just written to the store.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub job_id: String,
    /// The path on the endpoint, as the agent gave it (never used as a path on the server).
    pub path: String,
    pub sha256: String,
    pub size: u64,
    /// The generated name in the file store.
    pub stored_name: String,
    pub retention_until: i64,
}

#[derive(Debug, Clone)]
pub struct FileRow {
    pub file: NewFile,
    pub endpoint_id: String,
    pub endpoint_name: String,
    pub uploaded_at: i64,
    pub expired: bool,
}

/// What became of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileInsert {
    Stored,
    /// The same path with the same SHA-256 was already stored (a resend); the new copy is not
    /// needed.
    AlreadyStored,
    /// The same path was stored with other content; the new copy is not kept.
    Conflict {
        stored_sha256: String,
    },
}

const COLUMNS: &str = "f.job_id, f.path, f.sha256, f.size, f.stored_name, f.retention_until, \
                       j.endpoint_id, e.name, f.uploaded_at, f.expired";

const FROM: &str = "FROM files f JOIN jobs j ON j.job_id = f.job_id \
                    JOIN endpoints e ON e.id = j.endpoint_id";

fn from_row(row: &Row<'_>) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        file: NewFile {
            job_id: row.get(0)?,
            path: row.get(1)?,
            sha256: row.get(2)?,
            size: row.get(3)?,
            stored_name: row.get(4)?,
            retention_until: row.get(5)?,
        },
        endpoint_id: row.get(6)?,
        endpoint_name: row.get(7)?,
        uploaded_at: row.get(8)?,
        expired: row.get(9)?,
    })
}

impl Db {
    /// Records a stored file, unless its job already has that path.
    pub async fn files_insert(&self, file: NewFile, now: i64) -> Result<FileInsert, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let stored: Option<String> = tx
                .query_row(
                    "SELECT sha256 FROM files WHERE job_id = ?1 AND path = ?2",
                    params![file.job_id, file.path],
                    |row| row.get(0),
                )
                .optional()?;
            let outcome = match stored {
                Some(sha) if sha == file.sha256 => FileInsert::AlreadyStored,
                Some(stored_sha256) => FileInsert::Conflict { stored_sha256 },
                None => {
                    tx.execute(
                        "INSERT INTO files (job_id, path, sha256, size, stored_name, uploaded_at,
                             retention_until)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![
                            file.job_id,
                            file.path,
                            file.sha256,
                            file.size,
                            file.stored_name,
                            now,
                            file.retention_until
                        ],
                    )?;
                    FileInsert::Stored
                }
            };
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    /// The files of action `action_id` still kept, of one endpoint or of all, by endpoint name
    /// and path.
    pub async fn files_for_action(
        &self,
        action_id: i64,
        endpoint_id: Option<String>,
    ) -> Result<Vec<FileRow>, DbError> {
        self.call(move |conn| {
            let sql = format!(
                "SELECT {COLUMNS} {FROM}
                 WHERE j.action_id = ?1 AND f.expired = 0 AND (?2 IS NULL OR j.endpoint_id = ?2)
                 ORDER BY e.name, e.id, f.path"
            );
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(params![action_id, endpoint_id], from_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    /// Files whose retention ended at or before `now` and that are not yet flagged expired.
    pub async fn files_due(&self, now: i64) -> Result<Vec<FileRow>, DbError> {
        self.call(move |conn| {
            let sql =
                format!("SELECT {COLUMNS} {FROM} WHERE f.expired = 0 AND f.retention_until <= ?1");
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map([now], from_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    /// Flags the file stored as `stored_name` expired (its bytes are gone).
    pub async fn files_mark_expired(&self, stored_name: &str) -> Result<(), DbError> {
        let stored_name = stored_name.to_owned();
        self.call(move |conn| {
            conn.execute(
                "UPDATE files SET expired = 1 WHERE stored_name = ?1",
                [stored_name],
            )?;
            Ok(())
        })
        .await
    }
}
