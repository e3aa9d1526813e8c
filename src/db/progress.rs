//! What watchers of an action read: a feed of job status changes, and each endpoint's status
//! without the stored results.
//!
//! [`super::transition::set_status`] is the one place a job's status changes, and it runs inside
//! a query on the blocking pool. It notes each change applied on that thread ([`noted`]);
//! [`super::Db::call`] collects the notes when the query returns and, if the query succeeded
//! (so its transaction committed), publishes them on the action's channel. A query that failed
//! rolled its transaction back, so its notes are dropped. A watcher that subscribes before it
//! reads the statuses therefore misses no change, and never hears of one it cannot read yet.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Mutex;

use rusqlite::params;
use tokio::sync::broadcast;

use super::transition::parse;
use super::{Db, DbError};
use crate::status::Status;

/// Changes an action's channel holds for a watcher that is slow to read; past that the watcher
/// hears that it lagged and reads the statuses afresh.
const CHANNEL_CAPACITY: usize = 256;

/// One job's status change, published once its transaction committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobChange {
    pub action_id: i64,
    pub endpoint_id: String,
    pub status: Status,
}

/// An endpoint's status in one action, as a progress watcher needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatusRow {
    pub endpoint_id: String,
    pub endpoint_name: String,
    pub status: Status,
    pub reason: Option<String>,
}

thread_local! {
    /// Changes applied by the query running on this thread, not yet published.
    static NOTED: RefCell<Vec<JobChange>> = const { RefCell::new(Vec::new()) };
}

/// Notes a change applied by the query running on this thread.
pub(super) fn noted(change: JobChange) {
    NOTED.with(|noted| noted.borrow_mut().push(change));
}

/// Takes the changes noted on this thread since the last call.
pub(super) fn take_noted() -> Vec<JobChange> {
    NOTED.with(|noted| std::mem::take(&mut *noted.borrow_mut()))
}

/// One broadcast channel per watched action, made when the first watcher subscribes and
/// dropped once no watcher is left.
#[derive(Default)]
pub(super) struct Feed {
    by_action: Mutex<HashMap<i64, broadcast::Sender<JobChange>>>,
}

impl Feed {
    fn subscribe(&self, action_id: i64) -> broadcast::Receiver<JobChange> {
        let mut map = self.by_action.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, sender| sender.receiver_count() > 0);
        map.entry(action_id)
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }

    /// Sends each change to its action's watchers, if the action has any.
    pub(super) fn publish(&self, changes: Vec<JobChange>) {
        if changes.is_empty() {
            return;
        }
        let map = self.by_action.lock().unwrap_or_else(|e| e.into_inner());
        for change in changes {
            if let Some(sender) = map.get(&change.action_id) {
                // No receiver left is not an error: the watcher went away.
                let _ = sender.send(change);
            }
        }
    }
}

impl Db {
    /// Hears every status change of action `action_id`'s jobs from now on. Subscribe before
    /// reading the statuses, so that no change falls between the two.
    pub fn jobs_subscribe(&self, action_id: i64) -> broadcast::Receiver<JobChange> {
        self.feed.subscribe(action_id)
    }

    /// Each endpoint's status in action `action_id`, by endpoint name, without the results.
    pub async fn jobs_statuses(&self, action_id: i64) -> Result<Vec<JobStatusRow>, DbError> {
        self.call(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT j.endpoint_id, e.name, j.status, j.reason
                 FROM jobs j JOIN endpoints e ON e.id = j.endpoint_id
                 WHERE j.action_id = ?1 ORDER BY e.name, e.id",
            )?;
            let rows = stmt.query_map(params![action_id], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get::<_, String>(2)?,
                    row.get(3)?,
                ))
            })?;
            rows.map(|row| {
                let (endpoint_id, endpoint_name, status, reason) = row?;
                Ok(JobStatusRow {
                    endpoint_id,
                    endpoint_name,
                    status: parse(&status)?,
                    reason,
                })
            })
            .collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action_id: i64, endpoint: &str) -> JobChange {
        JobChange {
            action_id,
            endpoint_id: endpoint.to_owned(),
            status: Status::InProgress,
        }
    }

    #[test]
    fn notes_are_taken_once() {
        noted(change(1, "a"));
        noted(change(1, "b"));
        assert_eq!(take_noted(), vec![change(1, "a"), change(1, "b")]);
        assert!(take_noted().is_empty());
    }

    #[test]
    fn a_watcher_hears_only_its_own_action() {
        let feed = Feed::default();
        let mut watcher = feed.subscribe(7);
        feed.publish(vec![change(8, "x"), change(7, "y")]);
        assert_eq!(watcher.try_recv().ok(), Some(change(7, "y")));
        assert!(watcher.try_recv().is_err());
    }

    #[test]
    fn channels_without_watchers_are_dropped() {
        let feed = Feed::default();
        drop(feed.subscribe(1));
        let _kept = feed.subscribe(2);
        let map = feed.by_action.lock().unwrap_or_else(|e| e.into_inner());
        assert_eq!(map.keys().copied().collect::<Vec<_>>(), vec![2]);
    }
}
