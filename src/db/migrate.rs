//! The schema and its ordered migrations.
//!
//! `schema_version` holds the number of migrations applied. A migration, once released, is never
//! edited: a change to the schema is a new entry at the end of [`MIGRATIONS`]. Each migration
//! runs in its own transaction together with the version bump, so a crash leaves the schema at
//! one version or the next, never in between.

use rusqlite::{Connection, OptionalExtension};

use super::DbError;

/// Every migration, oldest first; the schema version is the number applied.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "
    CREATE TABLE users (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        role        TEXT NOT NULL,
        key_id      TEXT NOT NULL UNIQUE,
        key_hash    TEXT NOT NULL,
        created_at  INTEGER NOT NULL
    );
    CREATE TABLE enrollment_secrets (
        id          INTEGER PRIMARY KEY,
        secret_hash TEXT NOT NULL UNIQUE,
        created_at  INTEGER NOT NULL
    );
    CREATE TABLE endpoints (
        id               TEXT PRIMARY KEY,
        name             TEXT NOT NULL,
        platform         TEXT NOT NULL,
        ip               TEXT NOT NULL,
        tags             TEXT NOT NULL,
        token_hash       TEXT NOT NULL,
        enrolled_at      INTEGER NOT NULL,
        last_seen        INTEGER,
        scripts_disabled INTEGER NOT NULL DEFAULT 0,
        disabled_reason  TEXT
    );
    CREATE TABLE scripts (
        uid         TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        description TEXT NOT NULL,
        outcome     TEXT NOT NULL,
        platforms   TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        modified_at INTEGER NOT NULL,
        sha256      TEXT NOT NULL,
        code        TEXT NOT NULL,
        manifest    TEXT NOT NULL,
        builtin     INTEGER NOT NULL DEFAULT 0,
        deleted     INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX scripts_live_name ON scripts(name COLLATE NOCASE) WHERE deleted = 0;
    CREATE TABLE actions (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        script_uid   TEXT REFERENCES scripts(uid),
        snippet      INTEGER NOT NULL,
        script_name  TEXT NOT NULL,
        code         TEXT NOT NULL,
        manifest     TEXT,
        entry_point  TEXT NOT NULL,
        parameters   TEXT NOT NULL,
        timeout_secs INTEGER NOT NULL,
        risk         TEXT NOT NULL,
        targets      TEXT NOT NULL,
        created_by   TEXT NOT NULL,
        created_at   INTEGER NOT NULL
    );
    CREATE TABLE jobs (
        job_id        TEXT PRIMARY KEY,
        action_id     INTEGER NOT NULL REFERENCES actions(id),
        endpoint_id   TEXT NOT NULL REFERENCES endpoints(id),
        status        TEXT NOT NULL,
        reason        TEXT,
        created_at    INTEGER NOT NULL,
        pulled_at     INTEGER,
        reported_at   INTEGER,
        abort_told_at INTEGER,
        finished_at   INTEGER,
        result        TEXT,
        UNIQUE (action_id, endpoint_id)
    );
    CREATE INDEX jobs_by_endpoint ON jobs(endpoint_id, status);
    CREATE INDEX jobs_by_status ON jobs(status, created_at);
    CREATE TABLE files (
        id              INTEGER PRIMARY KEY,
        job_id          TEXT NOT NULL REFERENCES jobs(job_id),
        path            TEXT NOT NULL,
        sha256          TEXT NOT NULL,
        size            INTEGER NOT NULL,
        stored_name     TEXT NOT NULL UNIQUE,
        uploaded_at     INTEGER NOT NULL,
        retention_until INTEGER NOT NULL,
        expired         INTEGER NOT NULL DEFAULT 0,
        UNIQUE (job_id, path)
    );
    CREATE INDEX files_by_retention ON files(expired, retention_until);
    ",
];

/// Applies every migration the database has not seen yet.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let found: Option<i64> = conn
        .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
        .optional()?;
    let known = MIGRATIONS.len() as i64;
    let mut version = match found {
        Some(version) if version > known => {
            return Err(DbError::SchemaTooNew {
                found: version,
                known,
            });
        }
        Some(version) => version,
        None => {
            conn.execute("INSERT INTO schema_version (version) VALUES (0)", [])?;
            0
        }
    };

    for migration in &MIGRATIONS[version as usize..] {
        let tx = conn.transaction()?;
        tx.execute_batch(migration)?;
        version += 1;
        tx.execute("UPDATE schema_version SET version = ?1", [version])?;
        tx.commit()?;
        tracing::info!(version, "database schema migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let version: i64 = conn
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
    }

    #[test]
    fn refuses_a_schema_from_a_newer_ward() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute("UPDATE schema_version SET version = 99", [])
            .unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(DbError::SchemaTooNew { found: 99, .. })
        ));
    }
}
