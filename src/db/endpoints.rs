//! Queries on `endpoints`: the enrolled agents, what they said about themselves, when they last
//! polled, and whether script execution was disabled on them.

use rusqlite::{OptionalExtension, Row, params};

use super::{Db, DbError, json_from_text, json_text};

#[derive(Debug, Clone)]
pub struct EndpointRow {
    /// 32 hex digits.
    pub id: String,
    pub name: String,
    /// As the agent spelled it at enrollment (`Linux`, `Windows`, `macOS`).
    pub platform: String,
    pub ip: String,
    pub tags: Vec<String>,
    /// SHA-256 of the agent token's secret, in hex.
    pub token_hash: String,
    pub enrolled_at: i64,
    pub last_seen: Option<i64>,
    pub scripts_disabled: bool,
    pub disabled_reason: Option<String>,
}

const COLUMNS: &str = "id, name, platform, ip, tags, token_hash, enrolled_at, last_seen, \
                       scripts_disabled, disabled_reason";

/// One row as stored; `tags` still JSON text.
type Raw = (EndpointRow, String);

fn from_row(row: &Row<'_>) -> rusqlite::Result<Raw> {
    let endpoint = EndpointRow {
        id: row.get(0)?,
        name: row.get(1)?,
        platform: row.get(2)?,
        ip: row.get(3)?,
        tags: Vec::new(),
        token_hash: row.get(5)?,
        enrolled_at: row.get(6)?,
        last_seen: row.get(7)?,
        scripts_disabled: row.get(8)?,
        disabled_reason: row.get(9)?,
    };
    Ok((endpoint, row.get(4)?))
}

fn build((mut endpoint, tags): Raw) -> Result<EndpointRow, DbError> {
    endpoint.tags = json_from_text("endpoints.tags", &tags)?;
    Ok(endpoint)
}

impl Db {
    pub async fn endpoints_insert(&self, endpoint: EndpointRow) -> Result<(), DbError> {
        self.call(move |conn| {
            conn.execute(
                &format!(
                    "INSERT INTO endpoints ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                ),
                params![
                    endpoint.id,
                    endpoint.name,
                    endpoint.platform,
                    endpoint.ip,
                    json_text(&endpoint.tags),
                    endpoint.token_hash,
                    endpoint.enrolled_at,
                    endpoint.last_seen,
                    endpoint.scripts_disabled,
                    endpoint.disabled_reason,
                ],
            )
            .map_err(|e| DbError::unique(e, || format!("an endpoint with id `{}`", endpoint.id)))?;
            Ok(())
        })
        .await
    }

    pub async fn endpoints_get(&self, id: &str) -> Result<Option<EndpointRow>, DbError> {
        let id = id.to_owned();
        self.call(move |conn| {
            let sql = format!("SELECT {COLUMNS} FROM endpoints WHERE id = ?1");
            conn.query_row(&sql, [id], from_row)
                .optional()?
                .map(build)
                .transpose()
        })
        .await
    }

    /// Every endpoint, by name.
    pub async fn endpoints_all(&self) -> Result<Vec<EndpointRow>, DbError> {
        self.call(|conn| {
            let sql = format!("SELECT {COLUMNS} FROM endpoints ORDER BY name, id");
            let mut stmt = conn.prepare(&sql)?;
            let raw = stmt.query_map([], from_row)?;
            raw.map(|raw| build(raw?)).collect()
        })
        .await
    }

    /// Records that the agent of `id` was heard from at `now`.
    pub async fn endpoints_touch(&self, id: &str, now: i64) -> Result<(), DbError> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.execute(
                "UPDATE endpoints SET last_seen = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            Ok(())
        })
        .await
    }

    /// Marks script execution disabled on endpoint `id` for good; the first reason is kept.
    /// Jobs already handed out are left to the agent, which refuses them with that reason.
    pub async fn endpoints_disable(&self, id: &str, reason: &str, now: i64) -> Result<(), DbError> {
        let (id, reason) = (id.to_owned(), reason.to_owned());
        self.call(move |conn| {
            conn.execute(
                "UPDATE endpoints SET scripts_disabled = 1,
                     disabled_reason = COALESCE(disabled_reason, ?2), last_seen = ?3
                 WHERE id = ?1",
                params![id, reason, now],
            )?;
            Ok(())
        })
        .await
    }
}
