//! The live progress of an action, for watchers: `GET /actions/{id}/events` answers with
//! server-sent events (the types of [`crate::api::progress`]) until every endpoint is final.
//!
//! A watcher subscribes to the action's status changes in the store
//! ([`crate::db::Db::jobs_subscribe`], fed by the one place job statuses change), then reads
//! the statuses, and reads them again after each change it hears of. Each look sends what
//! differs from the last one: an `endpoint` event per endpoint that became final, a `counts`
//! event when the counts moved, and `done` when nothing is left to wait for.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::actions_view::find;
use super::auth::User;
use super::{ApiError, AppState, input};
use crate::api::actions::EndpointStatus;
use crate::api::people::Permission;
use crate::api::progress::{ProgressCounts, ProgressEvent};
use crate::db::{DbError, JobChange, JobStatusRow};
use crate::status::Status;

/// How often an idle stream carries a comment, so that proxies and clients see it is alive.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// How long a watcher waits for a change before it reads the statuses anyway. Changes made by
/// another process on the same database (a second server) do not reach this process's feed.
const LOOK_AGAIN: Duration = Duration::from_secs(30);

/// `GET /actions/{id}/events`: the action's progress as server-sent events, ending with `done`.
pub async fn actions_events(
    State(state): State<AppState>,
    user: User,
    id: Result<Path<String>, PathRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, DbError>>>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let action = find(&state, &input::path(id)?).await?;

    // Subscribed before the first look, so that no change falls between the two.
    let watch = Watch {
        changes: state.db().jobs_subscribe(action.id),
        state,
        action_id: action.id,
        seen: HashMap::new(),
        counts: None,
        queue: VecDeque::new(),
        looked: false,
        ended: false,
    };
    let stream = futures_util::stream::unfold(watch, |mut watch| async move {
        let item = watch.next().await?;
        Some((item, watch))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// One watcher's view of one action.
struct Watch {
    state: AppState,
    action_id: i64,
    changes: Receiver<JobChange>,
    /// Each endpoint's status at the last look.
    seen: HashMap<String, Status>,
    counts: Option<ProgressCounts>,
    /// Events found by the last look, not sent yet.
    queue: VecDeque<ProgressEvent>,
    looked: bool,
    /// `done` (or an error) is queued; nothing follows it.
    ended: bool,
}

impl Watch {
    /// The next event to send, waiting for a change when there is none; `None` after `done`.
    async fn next(&mut self) -> Option<Result<Event, DbError>> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(Ok(Event::default().event(event.name()).data(event.data())));
            }
            if self.ended {
                return None;
            }
            if self.looked {
                self.wait().await;
            }
            self.looked = true;
            if let Err(error) = self.look().await {
                tracing::warn!(action_id = self.action_id, %error, "a progress stream ends early");
                self.ended = true;
                return Some(Err(error));
            }
        }
    }

    /// Waits for a change, then takes every change already queued so that one look covers them.
    async fn wait(&mut self) {
        match tokio::time::timeout(LOOK_AGAIN, self.changes.recv()).await {
            Ok(Ok(_) | Err(RecvError::Lagged(_))) | Err(_) => {}
            // The store is gone (the server is stopping): look again slowly.
            Ok(Err(RecvError::Closed)) => tokio::time::sleep(LOOK_AGAIN).await,
        }
        while !matches!(
            self.changes.try_recv(),
            Err(TryRecvError::Empty | TryRecvError::Closed)
        ) {}
    }

    /// Reads the statuses and queues what changed since the last look.
    async fn look(&mut self) -> Result<(), DbError> {
        let rows = self.state.db().jobs_statuses(self.action_id).await?;
        for row in &rows {
            let before = self.seen.insert(row.endpoint_id.clone(), row.status);
            if row.status.is_final() && before.is_none_or(|s| !s.is_final()) {
                self.queue
                    .push_back(ProgressEvent::Endpoint(endpoint_status(row)));
            }
        }

        let counts = counts(self.action_id, &rows);
        if self.counts.as_ref() != Some(&counts) {
            self.queue.push_back(ProgressEvent::Counts(counts.clone()));
        }
        if counts.finished == counts.total {
            self.queue.push_back(ProgressEvent::Done(counts.clone()));
            self.ended = true;
        }
        self.counts = Some(counts);
        Ok(())
    }
}

fn endpoint_status(row: &JobStatusRow) -> EndpointStatus {
    EndpointStatus {
        endpoint_id: row.endpoint_id.clone(),
        endpoint_name: row.endpoint_name.clone(),
        status: row.status,
        reason: row.reason.clone(),
    }
}

/// The count per status (every status, zero included) and the general status, as
/// `GET /actions/{id}` computes them.
fn counts(action_id: i64, rows: &[JobStatusRow]) -> ProgressCounts {
    let mut counts: BTreeMap<String, usize> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    for row in rows {
        *counts.entry(row.status.as_str().to_owned()).or_default() += 1;
    }
    let finished = rows.iter().filter(|r| r.status.is_final()).count();
    let running = rows
        .iter()
        .any(|r| matches!(r.status, Status::InProgress | Status::PendingAbort));
    let general_status = if finished == rows.len() {
        "Completed"
    } else if running {
        "In Progress"
    } else {
        "Pending"
    };
    ProgressCounts {
        action_id,
        general_status: general_status.to_owned(),
        total: rows.len(),
        finished,
        counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, status: Status) -> JobStatusRow {
        JobStatusRow {
            endpoint_id: id.to_owned(),
            endpoint_name: format!("host-{id}"),
            status,
            reason: None,
        }
    }

    #[test]
    fn counts_name_every_status_and_the_general_one() {
        let rows = [row("a", Status::InProgress), row("b", Status::Failed)];
        let counts = counts(4, &rows);
        assert_eq!(counts.counts.len(), Status::ALL.len());
        assert_eq!(counts.counts["Failed"], 1);
        assert_eq!(counts.counts["Pending"], 0);
        assert_eq!((counts.total, counts.finished), (2, 1));
        assert_eq!(counts.general_status, "In Progress");
    }

    #[test]
    fn an_action_without_endpoints_is_completed_at_once() {
        let counts = counts(4, &[]);
        assert_eq!(counts.general_status, "Completed");
        assert_eq!(counts.finished, counts.total);
    }
}
