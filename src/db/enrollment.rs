//! Queries on `enrollment_secrets`: the shared secrets an agent presents once to enroll.
//!
//! A secret stays valid for any number of agents until it is removed; only its SHA-256 is kept.

use rusqlite::params;

use super::{Db, DbError};

impl Db {
    /// Adds a secret by its SHA-256 (hex).
    pub async fn enrollment_insert(&self, secret_hash: &str, now: i64) -> Result<(), DbError> {
        let secret_hash = secret_hash.to_owned();
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO enrollment_secrets (secret_hash, created_at) VALUES (?1, ?2)",
                params![secret_hash, now],
            )
            .map_err(|e| DbError::unique(e, || "this enrollment secret".to_owned()))?;
            Ok(())
        })
        .await
    }

    /// Whether a secret with this SHA-256 (hex) may enroll an agent.
    pub async fn enrollment_is_valid(&self, secret_hash: &str) -> Result<bool, DbError> {
        let secret_hash = secret_hash.to_owned();
        self.call(move |conn| {
            let count: i64 = conn.query_row(
                "SELECT COUNT(*) FROM enrollment_secrets WHERE secret_hash = ?1",
                [secret_hash],
                |row| row.get(0),
            )?;
            Ok(count > 0)
        })
        .await
    }
}
