//! The agent's long poll: `GET /agent/jobs?wait=N` answers at once when the agent has jobs to
//! start or aborts to carry out, and otherwise waits (at most N seconds, capped by the server)
//! until creating an action or aborting one wakes this endpoint, so that a job reaches a
//! connected agent well within a second.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::auth::Agent;
use super::{ApiError, AppState, input};
use crate::api::agent::{JobSpec, Poll};
use crate::db::Pulled;

/// One wake-up per endpoint, made on first use. A wake-up sent while nobody waits is kept for
/// the next wait, so none is lost between a poll's look at the store and its wait.
#[derive(Default)]
pub struct Wakers {
    by_endpoint: Mutex<HashMap<String, Arc<Notify>>>,
}

impl Wakers {
    fn get(&self, endpoint_id: &str) -> Arc<Notify> {
        let mut map = self.by_endpoint.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(map.entry(endpoint_id.to_owned()).or_default())
    }

    /// Wakes the poll of `endpoint_id`, or the next one if none is waiting.
    pub fn wake(&self, endpoint_id: &str) {
        self.get(endpoint_id).notify_one();
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollQuery {
    /// Seconds to wait for work; 0 (the default) answers at once.
    #[serde(default)]
    wait: u64,
    /// Most jobs to hand over in one answer; default all.
    #[serde(default)]
    max: Option<usize>,
    /// Also hand over again the jobs already `In Progress` for this agent. An agent asks for
    /// this on its first poll after starting or reconnecting: a job handed over just before the
    /// agent (or the connection, or the server) died would otherwise wait for the silence sweep.
    /// The agent ignores the jobs it already holds.
    #[serde(default)]
    resume: bool,
}

/// `GET /agent/jobs?wait=N&max=M`. The jobs handed over move from `Pending` to `In Progress`;
/// each aborts is told once (again after a while if the agent does not act on it).
pub async fn agents_poll(
    State(state): State<AppState>,
    Agent(endpoint): Agent,
    query: Result<Query<PollQuery>, QueryRejection>,
) -> Result<Json<Poll>, ApiError> {
    let query = input::query(query)?;
    let wait = query.wait.min(state.config().max_poll_wait_secs);
    let deadline = Instant::now() + Duration::from_secs(wait);
    let max = query.max.unwrap_or(usize::MAX).max(1);
    let wake = state.wakers().get(&endpoint.id);

    loop {
        let retell = state.config().abort_retell_secs;
        let pulled = state
            .db()
            .jobs_pull(&endpoint.id, max, retell, query.resume, state.now())
            .await?;
        if !pulled.jobs.is_empty() || !pulled.aborts.is_empty() || Instant::now() >= deadline {
            if !pulled.jobs.is_empty() {
                tracing::info!(endpoint = %endpoint.id, jobs = pulled.jobs.len(), "jobs handed to agent");
            }
            return Ok(Json(answer(pulled)));
        }
        // Woken or not, look again; after the deadline that look is the last.
        let _ = tokio::time::timeout_at(deadline, wake.notified()).await;
    }
}

fn answer(pulled: Pulled) -> Poll {
    let jobs = pulled
        .jobs
        .into_iter()
        .map(|(job, action)| JobSpec {
            job_id: job.job_id,
            action_id: action.id,
            script_name: action.action.script_name,
            code: action.action.code,
            entry_point: action.action.entry_point,
            parameters: action.action.parameters,
            timeout_secs: action.action.timeout_secs,
            risk: action.action.risk,
        })
        .collect();
    Poll {
        jobs,
        aborts: pulled.aborts,
    }
}
