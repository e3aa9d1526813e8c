//! Queries on `scripts`: the library. Deleting is soft (the row stays, flagged) so that old
//! actions still show which script they ran; only live scripts must have distinct names.

use rusqlite::{OptionalExtension, Row, params};

use super::{Db, DbError, enum_from_text, enum_text, json_from_text, json_text};
use crate::script::{Outcome, Platform};

/// What an upload, an edit or a built-in provides.
#[derive(Debug, Clone)]
pub struct NewScript {
    pub name: String,
    pub description: String,
    pub outcome: Outcome,
    pub platforms: Vec<Platform>,
    pub created_by: String,
    /// SHA-256 of `code`, in hex.
    pub sha256: String,
    pub code: String,
    /// The manifest as canonical single-line JSON.
    pub manifest: String,
    pub builtin: bool,
}

#[derive(Debug, Clone)]
pub struct ScriptRow {
    pub uid: String,
    pub script: NewScript,
    pub modified_at: i64,
    pub deleted: bool,
}

const COLUMNS: &str = "uid, name, description, outcome, platforms, created_by, modified_at, \
                       sha256, code, manifest, builtin, deleted";

type Raw = (ScriptRow, String, String);

fn from_row(row: &Row<'_>) -> rusqlite::Result<Raw> {
    let script = NewScript {
        name: row.get(1)?,
        description: row.get(2)?,
        outcome: Outcome::Standard,
        platforms: Vec::new(),
        created_by: row.get(5)?,
        sha256: row.get(7)?,
        code: row.get(8)?,
        manifest: row.get(9)?,
        builtin: row.get(10)?,
    };
    let script = ScriptRow {
        uid: row.get(0)?,
        script,
        modified_at: row.get(6)?,
        deleted: row.get(11)?,
    };
    Ok((script, row.get(3)?, row.get(4)?))
}

fn build((mut row, outcome, platforms): Raw) -> Result<ScriptRow, DbError> {
    row.script.outcome = enum_from_text("scripts.outcome", outcome)?;
    row.script.platforms = json_from_text("scripts.platforms", &platforms)?;
    Ok(row)
}

fn insert(conn: &rusqlite::Connection, uid: &str, s: &NewScript, now: i64) -> Result<(), DbError> {
    conn.execute(
        &format!("INSERT INTO scripts ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0)"),
        params![
            uid,
            s.name,
            s.description,
            enum_text(&s.outcome),
            json_text(&s.platforms),
            s.created_by,
            now,
            s.sha256,
            s.code,
            s.manifest,
            s.builtin,
        ],
    )
    .map_err(|e| DbError::unique(e, || format!("a script named `{}`", s.name)))?;
    Ok(())
}

fn update(
    conn: &rusqlite::Connection,
    uid: &str,
    s: &NewScript,
    now: i64,
) -> Result<bool, DbError> {
    let changed = conn
        .execute(
            "UPDATE scripts SET name = ?2, description = ?3, outcome = ?4, platforms = ?5,
                 modified_at = ?6, sha256 = ?7, code = ?8, manifest = ?9
             WHERE uid = ?1 AND deleted = 0",
            params![
                uid,
                s.name,
                s.description,
                enum_text(&s.outcome),
                json_text(&s.platforms),
                now,
                s.sha256,
                s.code,
                s.manifest,
            ],
        )
        .map_err(|e| DbError::unique(e, || format!("a script named `{}`", s.name)))?;
    Ok(changed > 0)
}

fn by_name(conn: &rusqlite::Connection, name: &str) -> Result<Option<ScriptRow>, DbError> {
    let sql =
        format!("SELECT {COLUMNS} FROM scripts WHERE name = ?1 COLLATE NOCASE AND deleted = 0");
    conn.query_row(&sql, [name], from_row)
        .optional()?
        .map(build)
        .transpose()
}

impl Db {
    /// Adds a script under `uid`.
    ///
    /// # Errors
    ///
    /// [`DbError::Duplicate`] when a live script has the same name.
    pub async fn scripts_insert(
        &self,
        uid: &str,
        script: NewScript,
        now: i64,
    ) -> Result<(), DbError> {
        let uid = uid.to_owned();
        self.call(move |conn| insert(conn, &uid, &script, now))
            .await
    }

    /// Replaces a live script's content (its author and built-in flag stay). Returns false when
    /// there is no live script `uid`.
    pub async fn scripts_update(
        &self,
        uid: &str,
        script: NewScript,
        now: i64,
    ) -> Result<bool, DbError> {
        let uid = uid.to_owned();
        self.call(move |conn| update(conn, &uid, &script, now))
            .await
    }

    /// Flags a live script deleted. Returns false when there is no live script `uid`.
    pub async fn scripts_delete(&self, uid: &str, now: i64) -> Result<bool, DbError> {
        let uid = uid.to_owned();
        self.call(move |conn| {
            let changed = conn.execute(
                "UPDATE scripts SET deleted = 1, modified_at = ?2 WHERE uid = ?1 AND deleted = 0",
                params![uid, now],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    /// The script `uid`, deleted or not.
    pub async fn scripts_get(&self, uid: &str) -> Result<Option<ScriptRow>, DbError> {
        let uid = uid.to_owned();
        self.call(move |conn| {
            let sql = format!("SELECT {COLUMNS} FROM scripts WHERE uid = ?1");
            conn.query_row(&sql, [uid], from_row)
                .optional()?
                .map(build)
                .transpose()
        })
        .await
    }

    /// Every live script, by name.
    pub async fn scripts_list(&self) -> Result<Vec<ScriptRow>, DbError> {
        self.call(|conn| {
            let sql = format!("SELECT {COLUMNS} FROM scripts WHERE deleted = 0 ORDER BY name");
            let mut stmt = conn.prepare(&sql)?;
            let raw = stmt.query_map([], from_row)?;
            raw.map(|raw| build(raw?)).collect()
        })
        .await
    }

    /// Makes the library hold `builtins` as they are in this ward: each missing one is added
    /// under a uid from `new_uid`, each changed one updated. Returns the names that could not be
    /// added because a user's script already has the name.
    pub async fn scripts_seed_builtins(
        &self,
        builtins: Vec<NewScript>,
        new_uid: fn(&str) -> String,
        now: i64,
    ) -> Result<Vec<String>, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let mut taken = Vec::new();
            for builtin in &builtins {
                match by_name(&tx, &builtin.name)? {
                    None => insert(&tx, &new_uid(&builtin.name), builtin, now)?,
                    Some(row) if !row.script.builtin => taken.push(builtin.name.clone()),
                    Some(row)
                        if row.script.sha256 != builtin.sha256
                            || row.script.manifest != builtin.manifest =>
                    {
                        update(&tx, &row.uid, builtin, now)?;
                    }
                    Some(_) => {}
                }
            }
            tx.commit()?;
            Ok(taken)
        })
        .await
    }
}
