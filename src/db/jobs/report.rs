//! What agents report about their jobs: status changes, and final results, stored at most
//! once.

use rusqlite::{Connection, params};

use super::super::transition::{set_status, transition};
use super::super::{Db, DbError};
use super::owned;
use crate::status::Status;

/// What became of a result an agent sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultOutcome {
    /// Stored, and the job moved to the result's status.
    Accepted,
    /// A result was already stored, or the job had already ended otherwise; nothing changed.
    AlreadyFinal,
    /// The job is not in a status this result can follow (never pulled, or an illegal status).
    Refused { from: Status, to: Status },
}

impl Db {
    /// Applies a status an agent reported for its job. Returns the status before, or `None` when
    /// the endpoint has no such job. Reporting the status the job already has only records that
    /// the agent spoke.
    ///
    /// # Errors
    ///
    /// [`DbError::IllegalTransition`] when the graph does not allow the change.
    pub async fn jobs_report_status(
        &self,
        job_id: &str,
        endpoint_id: &str,
        to: Status,
        reason: Option<String>,
        now: i64,
    ) -> Result<Option<Status>, DbError> {
        let (job_id, endpoint_id) = (job_id.to_owned(), endpoint_id.to_owned());
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let Some(job) = owned(&tx, &job_id, &endpoint_id)? else {
                return Ok(None);
            };
            if job.status != to {
                set_status(&tx, &job_id, job.status, to, reason.as_deref(), now)?;
            }
            tx.execute(
                "UPDATE jobs SET reported_at = ?2 WHERE job_id = ?1",
                params![job_id, now],
            )?;
            tx.commit()?;
            Ok(Some(job.status))
        })
        .await
    }

    /// Stores the result report `result` (JSON) of a job of endpoint `endpoint_id`, moving the
    /// job to `status`. `None` when the endpoint has no such job.
    pub async fn jobs_store_result(
        &self,
        job_id: &str,
        endpoint_id: &str,
        status: Status,
        reason: Option<String>,
        result: String,
        now: i64,
    ) -> Result<Option<ResultOutcome>, DbError> {
        let (job_id, endpoint_id) = (job_id.to_owned(), endpoint_id.to_owned());
        self.call(move |conn| {
            let tx = conn.transaction()?;
            let Some(job) = owned(&tx, &job_id, &endpoint_id)? else {
                return Ok(None);
            };
            let outcome = if job.pulled_at.is_none() {
                ResultOutcome::Refused {
                    from: job.status,
                    to: status,
                }
            } else if job.result.is_some() {
                ResultOutcome::AlreadyFinal
            } else if job.status.is_final() {
                // Ended without a result (failed for silence, or reported failed): keep the
                // result only if it tells the same story.
                if job.status == status {
                    store(&tx, &job_id, &result, now)?;
                }
                ResultOutcome::AlreadyFinal
            } else if transition(job.status, status) {
                set_status(&tx, &job_id, job.status, status, reason.as_deref(), now)?;
                store(&tx, &job_id, &result, now)?;
                ResultOutcome::Accepted
            } else {
                ResultOutcome::Refused {
                    from: job.status,
                    to: status,
                }
            };
            tx.commit()?;
            Ok(Some(outcome))
        })
        .await
    }
}

fn store(conn: &Connection, job_id: &str, result: &str, now: i64) -> Result<(), DbError> {
    conn.execute(
        "UPDATE jobs SET result = ?2, reported_at = ?3 WHERE job_id = ?1 AND result IS NULL",
        params![job_id, result, now],
    )?;
    Ok(())
}
