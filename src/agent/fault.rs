//! Fault-injection points for the end-to-end tests: places in the life of a job where a test
//! needs the agent to stand still long enough to be killed there. Each is named by the value of
//! `WARD_AGENT_FAULT`; unset, as everywhere outside those tests, none of them does anything.
//!
//! - `pause-after-handover` (in `jobs`): the server has handed jobs over in a poll reply, so it
//!   shows them In Progress, and the agent has not journaled them yet.
//! - `pause-after-upload` (in `deliver`): a retrieved file reached the server and the outbox entry
//!   does not record it yet.

use std::time::Duration;

/// How long a fault point holds the agent: far longer than a test needs to kill it.
const PAUSE: Duration = Duration::from_secs(60);

/// Waits a minute when `WARD_AGENT_FAULT` names `fault`; returns at once otherwise.
pub async fn point(fault: &str) {
    if std::env::var("WARD_AGENT_FAULT").is_ok_and(|set| set == fault) {
        tracing::warn!(fault, "fault injection: pausing for a minute");
        tokio::time::sleep(PAUSE).await;
    }
}
