//! Faults injected into real processes: an agent killed with SIGKILL at each stage of a job, a
//! server killed during an action on several endpoints, a disk that fills up or fails, and the
//! network to the server cut. Every job must end with one final status and one result.
//!
//! - `kills`: the agent killed with a job waiting for a slot, running, in the outbox, mid-upload,
//!   and between the poll that handed a job over and its journal.
//! - `outages`: the server killed mid-action or unreachable, an unwritable database or journal.
//! - `disk`: the server's disk full while results come in (a tmpfs of its own, really full).
//! - `readonly`: the server's store gone read-only after a disk error (a loop-mounted ext4 image).
//! - `link`: the link to the server cut for two minutes (the server frozen with SIGSTOP).

mod disk;
mod kills;
mod link;
mod outages;
mod readonly;

use std::time::{Duration, Instant};

use ward::client::Client;
use ward::status::Status;

use super::agent::Agent;
use super::wait_for;

pub const SOON: Duration = Duration::from_secs(20);

/// Waits until every endpoint of `action` is final, then checks each has exactly one result.
pub async fn one_result_each(client: &Client, action: i64, endpoints: &[&str]) -> Vec<Status> {
    let mut statuses = Vec::new();
    for endpoint in endpoints {
        let found = wait_for(client, action, endpoint, Status::is_final, SOON).await;
        statuses.push(found.status);
    }
    let results = client.actions_results(action).await.expect("the results");
    for endpoint in endpoints {
        let count = results
            .iter()
            .filter(|r| r.endpoint_id == *endpoint)
            .count();
        assert_eq!(
            count, 1,
            "results of {endpoint} in action {action}: {results:?}"
        );
    }
    assert_eq!(results.len(), endpoints.len(), "{results:?}");
    statuses
}

/// The results in `agent`'s outbox, as their JSON text.
pub fn outbox(agent: &Agent) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(agent.dir.path().join("outbox")) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

/// Waits until `agent`'s outbox holds `count` results.
pub async fn outbox_holds(agent: &Agent, count: usize) {
    let started = Instant::now();
    while outbox(agent).len() < count {
        assert!(
            started.elapsed() < SOON,
            "outbox of {} stayed short:\n{}",
            agent.name,
            agent.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
