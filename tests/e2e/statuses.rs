//! Every final status reached through a real server and real agents, the time a job takes to
//! reach a connected agent, and rerun.

use std::time::{Duration, Instant};

use ward::api::actions::SelectEndpoints;
use ward::status::Status;

use super::agent::{Agent, policy_reading};
use super::harness::Server;
use super::{result_of, snippet, wait_for, wait_status};

const SOON: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connected_agents_complete_fail_time_out_and_abort_for_real() {
    let server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let policy = policy_reading(scratch.path());
    let mut alpha = Agent::start(&server, "e2e-alpha", &policy);
    let mut beta = Agent::start(&server, "e2e-beta", &policy);
    let a = alpha.connected(&server).await;
    let b = beta.connected(&server).await;
    let client = server.client();

    // A job reaches a connected (long-polling) agent at once.
    let started = Instant::now();
    let done = snippet(&client, "print('hello from ward')", &[&a, &b], 30).await;
    wait_for(&client, done, &a, |s| s != Status::Pending, SOON).await;
    let latency = started.elapsed();
    eprintln!("a new job reached a connected agent in {latency:?}");
    assert!(latency < Duration::from_secs(3), "took {latency:?}");
    for endpoint in [&a, &b] {
        wait_status(&client, done, endpoint, Status::CompletedSuccessfully, SOON).await;
        let result = result_of(&client, done, endpoint).await;
        assert!(
            result.standard_output.contains("hello from ward"),
            "{result:?}"
        );
        assert!(result.execution_time.is_some());
    }

    let failing = snippet(&client, "raise ValueError('boom')", &[&a], 30).await;
    let sleeping = snippet(&client, "import time\ntime.sleep(30)", &[&b], 1).await;
    let aborted = snippet(&client, "import time\ntime.sleep(60)", &[&a], 120).await;

    wait_status(&client, failing, &a, Status::Failed, SOON).await;
    let result = result_of(&client, failing, &a).await;
    assert!(
        result
            .exception
            .as_deref()
            .unwrap_or_default()
            .contains("boom"),
        "{result:?}"
    );

    wait_status(&client, sleeping, &b, Status::Timeout, SOON).await;

    wait_status(&client, aborted, &a, Status::InProgress, SOON).await;
    client
        .actions_abort(aborted, &SelectEndpoints::default())
        .await
        .expect("the abort is accepted");
    wait_status(&client, aborted, &a, Status::Aborted, SOON).await;

    // Rerun: same snippet, same targets, a new action.
    let rerun = client
        .actions_rerun(done)
        .await
        .expect("the rerun is created");
    assert_ne!(rerun.action_id, done);
    for endpoint in [&a, &b] {
        wait_status(
            &client,
            rerun.action_id,
            endpoint,
            Status::CompletedSuccessfully,
            SOON,
        )
        .await;
    }
    let status = client.actions_status(rerun.action_id).await.unwrap();
    assert_eq!(status.general_status, "Completed");
    assert_eq!(status.counts.get("Completed Successfully"), Some(&2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_for_a_stopped_agent_wait_and_can_be_canceled_or_expire() {
    let server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let mut gamma = Agent::start(&server, "e2e-gamma", &policy_reading(scratch.path()));
    let c = gamma.connected(&server).await;
    gamma.kill();
    let client = server.client();

    let canceled = snippet(&client, "print('never')", &[&c], 30).await;
    let expiring = snippet(&client, "print('too late')", &[&c], 30).await;
    // A disconnected endpoint is not running anything: its jobs stay Pending.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for action in [canceled, expiring] {
        wait_status(&client, action, &c, Status::Pending, SOON).await;
    }

    let select = SelectEndpoints {
        endpoint_ids: vec![c.clone()],
    };
    client
        .actions_cancel(canceled, &select)
        .await
        .expect("the cancel is accepted");
    wait_status(&client, canceled, &c, Status::Canceled, SOON).await;

    // Four days without a pull: Expired.
    server.advance_clock(4 * 24 * 3600 + 60).await;
    wait_status(&client, expiring, &c, Status::Expired, SOON).await;

    // Back online, the agent runs neither.
    gamma.restart();
    let ran = snippet(&client, "print('back')", &[&c], 30).await;
    wait_status(&client, ran, &c, Status::CompletedSuccessfully, SOON).await;
    for (action, status) in [(canceled, Status::Canceled), (expiring, Status::Expired)] {
        wait_status(&client, action, &c, status, SOON).await;
    }
}
