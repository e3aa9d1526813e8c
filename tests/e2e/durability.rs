//! Nothing lost, nothing stuck: an agent killed in the middle of a job, an abort requested while
//! it is down, and a server killed while results are on their way.

use std::time::Duration;

use ward::agent::AGENT_STOPPED;
use ward::api::actions::SelectEndpoints;
use ward::status::Status;

use super::agent::{Agent, policy_reading};
use super::harness::Server;
use super::{result_of, snippet, wait_status};

const SOON: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_killed_mid_job_reports_it_failed_when_it_comes_back() {
    let server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let mut agent = Agent::start(&server, "e2e-killed", &policy_reading(scratch.path()));
    let id = agent.connected(&server).await;
    let client = server.client();

    let killed = snippet(&client, "import time\ntime.sleep(60)", &[&id], 120).await;
    let abort_later = snippet(&client, "import time\ntime.sleep(60)", &[&id], 120).await;
    for action in [killed, abort_later] {
        wait_status(&client, action, &id, Status::InProgress, SOON).await;
    }
    agent.holds_jobs(2).await;
    agent.kill();

    // The agent cannot be told while it is down: Pending Abort, visible as such.
    let select = SelectEndpoints {
        endpoint_ids: vec![id.clone()],
    };
    client
        .actions_abort(abort_later, &select)
        .await
        .expect("the abort is accepted");
    wait_status(&client, abort_later, &id, Status::PendingAbort, SOON).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    wait_status(&client, abort_later, &id, Status::PendingAbort, SOON).await;

    agent.restart();
    let failed = wait_status(&client, killed, &id, Status::Failed, SOON).await;
    let result = result_of(&client, killed, &id).await;
    let reason = failed.reason.or(result.reason).unwrap_or_default();
    assert!(reason.contains(AGENT_STOPPED), "reason: {reason}");
    // The script was stopped by the crash, before the abort could reach the agent.
    let ended = wait_status(&client, abort_later, &id, Status::Failed, SOON).await;
    assert_eq!(ended.reason.as_deref(), Some(AGENT_STOPPED));

    // The journal is empty again and the agent keeps working.
    assert_eq!(
        std::fs::read_dir(agent.dir.path().join("jobs"))
            .unwrap()
            .count(),
        0
    );
    let after = snippet(&client, "print('still here')", &[&id], 30).await;
    wait_status(&client, after, &id, Status::CompletedSuccessfully, SOON).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_finished_while_the_server_was_down_arrive_after_its_restart() {
    let mut server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let mut agent = Agent::start(&server, "e2e-patient", &policy_reading(scratch.path()));
    let id = agent.connected(&server).await;
    let client = server.client();

    let code = "import time\ntime.sleep(3)\nprint('survived the outage')";
    let action = snippet(&client, code, &[&id], 60).await;
    wait_status(&client, action, &id, Status::InProgress, SOON).await;
    agent.holds_jobs(1).await;
    server.kill();

    // The job ends while the server is down: its result waits in the agent's outbox.
    let outbox = agent.dir.path().join("outbox");
    let waited = std::time::Instant::now();
    while !has_entry(&outbox) {
        assert!(
            waited.elapsed() < SOON,
            "no result reached the outbox:\n{}",
            agent.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    server.restart().await;
    wait_status(&client, action, &id, Status::CompletedSuccessfully, SOON).await;
    let result = result_of(&client, action, &id).await;
    assert!(
        result.standard_output.contains("survived the outage"),
        "{result:?}"
    );
    let waited = std::time::Instant::now();
    while has_entry(&outbox) {
        assert!(
            waited.elapsed() < SOON,
            "the delivered result stayed in the outbox"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The agent reconnected by itself and takes new jobs.
    let after = snippet(&client, "print('reconnected')", &[&id], 30).await;
    wait_status(&client, after, &id, Status::CompletedSuccessfully, SOON).await;
    agent.kill();
}

fn has_entry(outbox: &std::path::Path) -> bool {
    std::fs::read_dir(outbox)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|e| e.path().extension().is_some_and(|x| x == "json"))
        })
        .unwrap_or(false)
}
