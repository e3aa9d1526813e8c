//! Queries on `jobs`: one row per (action, endpoint), carrying the endpoint's status for that
//! action, its timestamps and its result. Every status change goes through
//! [`super::transition::set_status`]; a result is stored at most once.

mod report;
mod sweep;

pub use report::ResultOutcome;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::actions::{self, ActionRow};
use super::transition::{parse, set_status};
use super::{Db, DbError};
use crate::status::Status;

#[derive(Debug, Clone)]
pub struct JobRow {
    pub job_id: String,
    pub action_id: i64,
    pub endpoint_id: String,
    pub status: Status,
    /// Why it failed, was canceled or expired.
    pub reason: Option<String>,
    pub created_at: i64,
    /// When the agent pulled it (the script's execution time, as the consoles show it).
    pub pulled_at: Option<i64>,
    /// The last time the agent said anything about it.
    pub reported_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// The agent's result report, as JSON.
    pub result: Option<String>,
}

/// A job with what a status or result list shows next to it.
#[derive(Debug, Clone)]
pub struct JobView {
    pub job: JobRow,
    pub endpoint_name: String,
    pub endpoint_ip: String,
    /// Files uploaded for it, expired ones included.
    pub files_retrieved: usize,
}

/// What one poll hands an agent.
#[derive(Debug, Clone, Default)]
pub struct Pulled {
    /// Jobs just moved from `Pending` to `In Progress`, with their action.
    pub jobs: Vec<(JobRow, ActionRow)>,
    /// Jobs in `Pending Abort` the agent must stop.
    pub aborts: Vec<String>,
}

const COLUMNS: &str = "j.job_id, j.action_id, j.endpoint_id, j.status, j.reason, j.created_at, \
                       j.pulled_at, j.reported_at, j.finished_at, j.result";

fn from_row(row: &Row<'_>) -> rusqlite::Result<(JobRow, String)> {
    let job = JobRow {
        job_id: row.get(0)?,
        action_id: row.get(1)?,
        endpoint_id: row.get(2)?,
        status: Status::Pending,
        reason: row.get(4)?,
        created_at: row.get(5)?,
        pulled_at: row.get(6)?,
        reported_at: row.get(7)?,
        finished_at: row.get(8)?,
        result: row.get(9)?,
    };
    Ok((job, row.get(3)?))
}

fn build((mut job, status): (JobRow, String)) -> Result<JobRow, DbError> {
    job.status = parse(&status)?;
    Ok(job)
}

/// The job `job_id` if it belongs to endpoint `endpoint_id`.
fn owned(conn: &Connection, job_id: &str, endpoint_id: &str) -> Result<Option<JobRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM jobs j WHERE j.job_id = ?1 AND j.endpoint_id = ?2");
    conn.query_row(&sql, params![job_id, endpoint_id], from_row)
        .optional()?
        .map(build)
        .transpose()
}

impl Db {
    /// Every job of action `action_id`, by endpoint name.
    pub async fn jobs_for_action(&self, action_id: i64) -> Result<Vec<JobView>, DbError> {
        self.call(move |conn| {
            let sql = format!(
                "SELECT {COLUMNS}, e.name, e.ip,
                     (SELECT COUNT(*) FROM files f WHERE f.job_id = j.job_id)
                 FROM jobs j JOIN endpoints e ON e.id = j.endpoint_id
                 WHERE j.action_id = ?1 ORDER BY e.name, e.id"
            );
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map([action_id], |row| {
                Ok((from_row(row)?, row.get(10)?, row.get(11)?, row.get(12)?))
            })?;
            rows.map(|row| {
                let (raw, endpoint_name, endpoint_ip, files_retrieved) = row?;
                Ok(JobView {
                    job: build(raw)?,
                    endpoint_name,
                    endpoint_ip,
                    files_retrieved,
                })
            })
            .collect()
        })
        .await
    }

    /// The job `job_id` if it belongs to endpoint `endpoint_id`.
    pub async fn jobs_owned(
        &self,
        job_id: &str,
        endpoint_id: &str,
    ) -> Result<Option<JobRow>, DbError> {
        let (job_id, endpoint_id) = (job_id.to_owned(), endpoint_id.to_owned());
        self.call(move |conn| owned(conn, &job_id, &endpoint_id))
            .await
    }

    /// Hands endpoint `endpoint_id` up to `max` of its `Pending` jobs (moving them to
    /// `In Progress`) and the aborts it was not told about, or told about more than
    /// `retell_after` seconds ago; records that the agent was seen.
    pub async fn jobs_pull(
        &self,
        endpoint_id: &str,
        max: usize,
        retell_after: i64,
        resume: bool,
        now: i64,
    ) -> Result<Pulled, DbError> {
        let endpoint_id = endpoint_id.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "UPDATE endpoints SET last_seen = ?2 WHERE id = ?1",
                params![endpoint_id, now],
            )?;
            let sql = format!(
                "SELECT {COLUMNS}, {} FROM jobs j JOIN actions a ON a.id = j.action_id
                 WHERE j.endpoint_id = ?1 AND (j.status = ?2 OR (?4 AND j.status = ?5))
                 ORDER BY j.created_at, a.id LIMIT ?3",
                actions::joined_columns()
            );
            let mut pulled = Pulled::default();
            {
                let mut stmt = tx.prepare(&sql)?;
                let limit = i64::try_from(max).unwrap_or(i64::MAX);
                let rows = stmt.query_map(
                    params![
                        endpoint_id,
                        Status::Pending.as_str(),
                        limit,
                        resume,
                        Status::InProgress.as_str()
                    ],
                    |row| Ok((from_row(row)?, actions::from_row_at(row, 10)?)),
                )?;
                for row in rows {
                    let (job, action) = row?;
                    pulled.jobs.push((build(job)?, actions::build(action)?));
                }
            }
            for (job, _) in &mut pulled.jobs {
                if job.status != Status::Pending {
                    continue;
                }
                set_status(&tx, &job.job_id, job.status, Status::InProgress, None, now)?;
                job.status = Status::InProgress;
                job.pulled_at = Some(now);
            }
            {
                let mut stmt = tx.prepare(
                    "UPDATE jobs SET abort_told_at = ?3
                     WHERE endpoint_id = ?1 AND status = ?2
                       AND (abort_told_at IS NULL OR abort_told_at <= ?3 - ?4)
                     RETURNING job_id",
                )?;
                let rows = stmt.query_map(
                    params![
                        endpoint_id,
                        Status::PendingAbort.as_str(),
                        now,
                        retell_after
                    ],
                    |row| row.get(0),
                )?;
                pulled.aborts = rows.collect::<Result<_, _>>()?;
            }
            tx.commit()?;
            Ok(pulled)
        })
        .await
    }

    /// Moves the jobs of action `action_id` that are in status `from` to `to`, for the listed
    /// endpoints (all when `endpoint_ids` is empty). Returns the endpoints changed.
    pub async fn jobs_change_many(
        &self,
        action_id: i64,
        endpoint_ids: Vec<String>,
        from: Status,
        to: Status,
        reason: Option<String>,
        now: i64,
    ) -> Result<Vec<String>, DbError> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let candidates: Vec<(String, String)> = {
                let mut stmt = tx.prepare(
                    "SELECT job_id, endpoint_id FROM jobs WHERE action_id = ?1 AND status = ?2",
                )?;
                let rows = stmt.query_map(params![action_id, from.as_str()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
                rows.collect::<Result<_, _>>()?
            };
            let mut changed = Vec::new();
            for (job_id, endpoint_id) in candidates {
                if endpoint_ids.is_empty() || endpoint_ids.contains(&endpoint_id) {
                    set_status(&tx, &job_id, from, to, reason.as_deref(), now)?;
                    changed.push(endpoint_id);
                }
            }
            tx.commit()?;
            Ok(changed)
        })
        .await
    }
}
