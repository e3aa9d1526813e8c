//! Queries on `users`: people with a role and one API key each.
//!
//! Only the key's id (to find the row) and the SHA-256 of its secret (to check it) are stored;
//! the key itself is shown once, when it is made.

use rusqlite::{OptionalExtension, Row, params};

use super::{Db, DbError, enum_from_text, enum_text};
use crate::api::people::Role;

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub key_id: String,
    /// SHA-256 of the key's secret, in hex.
    pub key_hash: String,
}

const COLUMNS: &str = "id, name, role, key_id, key_hash";

fn from_row(row: &Row<'_>) -> rusqlite::Result<(i64, String, String, String, String)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn build(
    (id, name, role, key_id, key_hash): (i64, String, String, String, String),
) -> Result<UserRow, DbError> {
    Ok(UserRow {
        id,
        name,
        role: enum_from_text("users.role", role)?,
        key_id,
        key_hash,
    })
}

impl Db {
    /// Adds a user.
    ///
    /// # Errors
    ///
    /// [`DbError::Duplicate`] when the name (or, improbably, the key id) is taken.
    pub async fn users_insert(
        &self,
        name: &str,
        role: Role,
        key_id: &str,
        key_hash: &str,
        now: i64,
    ) -> Result<UserRow, DbError> {
        let (name, key_id, key_hash) = (name.to_owned(), key_id.to_owned(), key_hash.to_owned());
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO users (name, role, key_id, key_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![name, enum_text(&role), key_id, key_hash, now],
            )
            .map_err(|e| DbError::unique(e, || format!("a user named `{name}`")))?;
            Ok(UserRow {
                id: conn.last_insert_rowid(),
                name,
                role,
                key_id,
                key_hash,
            })
        })
        .await
    }

    /// The user whose API key has the id `key_id`.
    pub async fn users_by_key_id(&self, key_id: &str) -> Result<Option<UserRow>, DbError> {
        let key_id = key_id.to_owned();
        self.call(move |conn| {
            let sql = format!("SELECT {COLUMNS} FROM users WHERE key_id = ?1");
            let raw = conn.query_row(&sql, [key_id], from_row).optional()?;
            raw.map(build).transpose()
        })
        .await
    }

    /// Whether any user has the administrator role (if none, the server says how to add one).
    pub async fn users_any_administrator(&self) -> Result<bool, DbError> {
        self.call(|conn| {
            let role = enum_text(&Role::Administrator);
            let count: i64 =
                conn.query_row("SELECT COUNT(*) FROM users WHERE role = ?1", [role], |r| {
                    r.get(0)
                })?;
            Ok(count > 0)
        })
        .await
    }
}
