//! Queries on `actions`: what was run, with what, on which targets, by whom. An action keeps a
//! snapshot of the code and manifest it ran, so that editing or deleting the script later never
//! changes what its results mean.

use rusqlite::{OptionalExtension, Row, params};
use serde_json::{Map, Value};

use super::{Db, DbError, enum_from_text, enum_text, json_from_text, json_text};
use crate::api::actions::Targets;
use crate::policy::Risk;
use crate::status::Status;

#[derive(Debug, Clone)]
pub struct NewAction {
    /// `None` for a snippet.
    pub script_uid: Option<String>,
    pub snippet: bool,
    pub script_name: String,
    pub code: String,
    /// The script's manifest (canonical JSON) when it ran; `None` for a snippet.
    pub manifest: Option<String>,
    /// Empty for "just run".
    pub entry_point: String,
    /// Already checked against the manifest.
    pub parameters: Map<String, Value>,
    pub timeout_secs: u64,
    pub risk: Risk,
    /// As the user gave them; a filter is evaluated again on rerun.
    pub targets: Targets,
    pub created_by: String,
}

#[derive(Debug, Clone)]
pub struct ActionRow {
    pub id: i64,
    pub action: NewAction,
    pub created_at: i64,
}

const COLUMNS: &str = "id, script_uid, snippet, script_name, code, manifest, entry_point, \
                       parameters, timeout_secs, risk, targets, created_by, created_at";

/// A row with its JSON and enum columns still as text.
type Raw = (ActionRow, String, String, String);

pub(super) fn from_row(row: &Row<'_>) -> rusqlite::Result<Raw> {
    from_row_at(row, 0)
}

/// Reads the columns of an action starting at column `at` (for joins).
pub(super) fn from_row_at(row: &Row<'_>, at: usize) -> rusqlite::Result<Raw> {
    let action = NewAction {
        script_uid: row.get(at + 1)?,
        snippet: row.get(at + 2)?,
        script_name: row.get(at + 3)?,
        code: row.get(at + 4)?,
        manifest: row.get(at + 5)?,
        entry_point: row.get(at + 6)?,
        parameters: Map::new(),
        timeout_secs: row.get(at + 8)?,
        risk: Risk::Standard,
        targets: Targets::default(),
        created_by: row.get(at + 11)?,
    };
    let action = ActionRow {
        id: row.get(at)?,
        action,
        created_at: row.get(at + 12)?,
    };
    Ok((
        action,
        row.get(at + 7)?,
        row.get(at + 9)?,
        row.get(at + 10)?,
    ))
}

pub(super) fn build((mut row, parameters, risk, targets): Raw) -> Result<ActionRow, DbError> {
    row.action.parameters = json_from_text("actions.parameters", &parameters)?;
    row.action.risk = enum_from_text("actions.risk", risk)?;
    row.action.targets = json_from_text("actions.targets", &targets)?;
    Ok(row)
}

/// The columns of `actions` prefixed with `a.`, for joins.
pub(super) fn joined_columns() -> String {
    COLUMNS
        .split(", ")
        .map(|column| format!("a.{column}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Db {
    /// Records an action and one `Pending` job per endpoint of `endpoint_ids`, in one
    /// transaction. Returns the action's id.
    pub async fn actions_insert(
        &self,
        action: NewAction,
        endpoint_ids: Vec<String>,
        now: i64,
    ) -> Result<i64, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO actions (script_uid, snippet, script_name, code, manifest, entry_point,
                     parameters, timeout_secs, risk, targets, created_by, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    action.script_uid,
                    action.snippet,
                    action.script_name,
                    action.code,
                    action.manifest,
                    action.entry_point,
                    json_text(&action.parameters),
                    action.timeout_secs,
                    enum_text(&action.risk),
                    json_text(&action.targets),
                    action.created_by,
                    now,
                ],
            )?;
            let action_id = tx.last_insert_rowid();
            {
                let mut stmt = tx.prepare(
                    "INSERT INTO jobs (job_id, action_id, endpoint_id, status, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for endpoint_id in &endpoint_ids {
                    let job_id = uuid::Uuid::new_v4().simple().to_string();
                    stmt.execute(params![
                        job_id,
                        action_id,
                        endpoint_id,
                        Status::Pending.as_str(),
                        now
                    ])?;
                }
            }
            tx.commit()?;
            Ok(action_id)
        })
        .await
    }

    pub async fn actions_get(&self, id: i64) -> Result<Option<ActionRow>, DbError> {
        self.call(move |conn| {
            let sql = format!("SELECT {COLUMNS} FROM actions WHERE id = ?1");
            conn.query_row(&sql, [id], from_row)
                .optional()?
                .map(build)
                .transpose()
        })
        .await
    }
}
