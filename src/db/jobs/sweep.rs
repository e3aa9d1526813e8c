//! The two sweeps over jobs that time drives: `Pending` jobs no agent pulled in time expire, and
//! jobs whose agent went silent for longer than their timeout fail. Both go through the state
//! machine like any other change.

use rusqlite::params;

use super::super::transition::set_status;
use super::super::{Db, DbError};
use super::parse;
use crate::status::Status;

impl Db {
    /// Moves every `Pending` job created at or before `created_before` to `Expired` with
    /// `reason`. Returns how many.
    pub async fn jobs_expire(
        &self,
        created_before: i64,
        reason: &str,
        now: i64,
    ) -> Result<usize, DbError> {
        let reason = reason.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let due: Vec<String> = {
                let mut stmt =
                    tx.prepare("SELECT job_id FROM jobs WHERE status = ?1 AND created_at <= ?2")?;
                let rows = stmt
                    .query_map(params![Status::Pending.as_str(), created_before], |r| {
                        r.get(0)
                    })?;
                rows.collect::<Result<_, _>>()?
            };
            for job_id in &due {
                set_status(
                    &tx,
                    job_id,
                    Status::Pending,
                    Status::Expired,
                    Some(&reason),
                    now,
                )?;
            }
            tx.commit()?;
            Ok(due.len())
        })
        .await
    }

    /// Moves to `Failed` with `reason` every `In Progress` or `Pending Abort` job whose agent
    /// has said nothing about it for its timeout plus `grace` seconds, counting from its last
    /// report or from `not_before`, whichever is later (the server's start: an agent cannot
    /// report to a server that is down). Returns how many.
    pub async fn jobs_fail_silent(
        &self,
        not_before: i64,
        grace: i64,
        reason: &str,
        now: i64,
    ) -> Result<usize, DbError> {
        let reason = reason.to_owned();
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let due: Vec<(String, String)> = {
                let mut stmt = tx.prepare(
                    "SELECT j.job_id, j.status FROM jobs j JOIN actions a ON a.id = j.action_id
                     WHERE j.status IN (?1, ?2)
                       AND MAX(COALESCE(j.reported_at, j.pulled_at, j.created_at), ?3)
                           + a.timeout_secs + ?4 <= ?5",
                )?;
                let rows = stmt.query_map(
                    params![
                        Status::InProgress.as_str(),
                        Status::PendingAbort.as_str(),
                        not_before,
                        grace,
                        now
                    ],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                rows.collect::<Result<_, _>>()?
            };
            for (job_id, status) in &due {
                set_status(
                    &tx,
                    job_id,
                    parse(status)?,
                    Status::Failed,
                    Some(&reason),
                    now,
                )?;
            }
            tx.commit()?;
            Ok(due.len())
        })
        .await
    }
}
