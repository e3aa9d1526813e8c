//! End to end: a real `ward server` and real `ward agent`s as processes on 127.0.0.1, driven
//! through the same client the command line uses.
//!
//! - `statuses`: every final status reached for real, a job's latency to a connected agent, rerun.
//! - `durability`: an agent killed mid-job, a server killed mid-action; nothing lost or stuck.
//! - `faults`: SIGKILL at each stage of a job, a server killed mid-action, an unwritable
//!   database, the network cut; one final status and one result per endpoint.
//! - `files`: retrieved files downloaded as archives, and their retention.
//! - `disable`: `ward agent disable-scripts` on a running and on a stopped agent.
//! - `cli`: `ward endpoint` and `ward action` as a user runs them, and their errors.
//! - `harness`, `agent`: the server and agent processes, killed when dropped.

mod agent;
mod cli;
mod disable;
mod durability;
mod faults;
mod files;
mod harness;
mod statuses;

use std::time::{Duration, Instant};

use serde_json::Map;
use ward::api::actions::{CreateAction, EndpointResult, EndpointStatus, Targets};
use ward::client::Client;
use ward::status::Status;

/// Creates an action running `code` as a snippet on `endpoints`.
pub async fn snippet(client: &Client, code: &str, endpoints: &[&str], timeout: u64) -> i64 {
    let request = CreateAction {
        script_uid: None,
        snippet: Some(code.to_string()),
        parameters: Map::new(),
        timeout: Some(timeout),
        targets: Targets {
            endpoint_ids: endpoints.iter().map(|e| e.to_string()).collect(),
            filter: None,
        },
    };
    let created = client
        .actions_create(&request)
        .await
        .expect("the action is created");
    assert_eq!(
        created.endpoints_count,
        endpoints.len(),
        "{:?}",
        created.skipped
    );
    created.action_id
}

/// Waits until `endpoint`'s status in `action` satisfies `wanted`, and returns it.
pub async fn wait_for(
    client: &Client,
    action: i64,
    endpoint: &str,
    wanted: impl Fn(Status) -> bool,
    within: Duration,
) -> EndpointStatus {
    let started = Instant::now();
    loop {
        let status = client
            .actions_status(action)
            .await
            .expect("the action's status");
        let found = status
            .endpoints
            .iter()
            .find(|e| e.endpoint_id == endpoint)
            .unwrap_or_else(|| panic!("endpoint {endpoint} is not in action {action}"))
            .clone();
        if wanted(found.status) {
            return found;
        }
        assert!(
            started.elapsed() < within,
            "action {action} on {endpoint} stayed {} ({:?}) for {within:?}",
            found.status,
            found.reason
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `endpoint` in `action` has status `status`.
pub async fn wait_status(
    client: &Client,
    action: i64,
    endpoint: &str,
    status: Status,
    within: Duration,
) -> EndpointStatus {
    let found = wait_for(
        client,
        action,
        endpoint,
        |s| s == status || s.is_final(),
        within,
    )
    .await;
    assert_eq!(
        found.status, status,
        "action {action} on {endpoint}: {:?}",
        found.reason
    );
    found
}

/// `endpoint`'s result in `action`.
pub async fn result_of(client: &Client, action: i64, endpoint: &str) -> EndpointResult {
    client
        .actions_results(action)
        .await
        .expect("the action's results")
        .into_iter()
        .find(|r| r.endpoint_id == endpoint)
        .unwrap_or_else(|| panic!("no result for {endpoint} in action {action}"))
}
