//! The per-endpoint state machine of an action: the one place that says which status may follow
//! which. Every change of a job's status in the store goes through [`set_status`], which refuses
//! (and does not apply) anything [`transition`] does not allow, and notes each change it applies
//! for the action's watchers (`progress`).

use rusqlite::{Connection, OptionalExtension, params};

use super::DbError;
use crate::status::Status;

/// Whether a job may go from `from` to `to`.
///
/// The design brief's graph: `Pending` → `In Progress` | `Canceled` | `Expired`;
/// `In Progress` → `Completed Successfully` | `Failed` | `Timeout` | `Pending Abort`;
/// `Pending Abort` → `Aborted`. And one edge the brief implies: `Pending Abort` →
/// `Completed Successfully` | `Failed` | `Timeout`, when the script ended before the abort
/// reached the agent. Final statuses go nowhere; staying put is not a transition.
pub fn transition(from: Status, to: Status) -> bool {
    use Status::*;
    matches!(
        (from, to),
        (Pending, InProgress | Canceled | Expired)
            | (
                InProgress,
                CompletedSuccessfully | Failed | Timeout | PendingAbort
            )
            | (
                PendingAbort,
                Aborted | CompletedSuccessfully | Failed | Timeout
            )
    )
}

pub(super) fn parse(text: &str) -> Result<Status, DbError> {
    text.parse().map_err(|_| DbError::Corrupt {
        what: format!("the job status `{text}`"),
    })
}

/// Moves job `job_id` from `from` (its status as the caller read it, in the same transaction) to
/// `to`, recording `reason` and the times the new status implies.
///
/// # Errors
///
/// [`DbError::IllegalTransition`] when the graph does not allow it; nothing is written then.
pub(super) fn set_status(
    conn: &Connection,
    job_id: &str,
    from: Status,
    to: Status,
    reason: Option<&str>,
    now: i64,
) -> Result<(), DbError> {
    if !transition(from, to) {
        return Err(DbError::IllegalTransition { from, to });
    }
    let pulled = (to == Status::InProgress).then_some(now);
    let finished = to.is_final().then_some(now);
    let changed: Option<(i64, String)> = conn
        .query_row(
            "UPDATE jobs SET status = ?2, reason = COALESCE(?3, reason),
                 pulled_at = COALESCE(pulled_at, ?4), reported_at = COALESCE(?4, reported_at),
                 finished_at = COALESCE(?5, finished_at)
             WHERE job_id = ?1 AND status = ?6
             RETURNING action_id, endpoint_id",
            params![job_id, to.as_str(), reason, pulled, finished, from.as_str()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    // Published to the action's watchers once the caller's transaction has committed.
    if let Some((action_id, endpoint_id)) = changed {
        super::progress::noted(super::progress::JobChange {
            action_id,
            endpoint_id,
            status: to,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn allows_exactly_the_edges_of_the_brief() {
        let allowed = [
            (Pending, InProgress),
            (Pending, Canceled),
            (Pending, Expired),
            (InProgress, CompletedSuccessfully),
            (InProgress, Failed),
            (InProgress, Timeout),
            (InProgress, PendingAbort),
            (PendingAbort, Aborted),
            (PendingAbort, CompletedSuccessfully),
            (PendingAbort, Failed),
            (PendingAbort, Timeout),
        ];
        for from in Status::ALL {
            for to in Status::ALL {
                assert_eq!(
                    transition(from, to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn final_statuses_never_move() {
        for from in Status::ALL.into_iter().filter(|s| s.is_final()) {
            assert!(Status::ALL.iter().all(|to| !transition(from, *to)));
        }
    }
}
