//! The link to the server cut for two minutes during an action on two agents.
//!
//! The cut is the server frozen with SIGSTOP and thawed with SIGCONT, not killed and restarted:
//! a cut link answers nothing and refuses nothing, so requests hang until the agent's own
//! timeouts give up on them, and requests sent just before the cut are answered late, after the
//! agent may have sent them again. A killed server refuses connections at once instead, which the
//! shorter tests in `outages` cover.

use std::process::Command;
use std::time::{Duration, Instant};

use ward::status::Status;

use super::super::agent::{Agent, policy_reading};
use super::super::harness::Server;
use super::super::snippet;
use super::{one_result_each, outbox_holds};

/// How long the link stays cut.
const OUTAGE: Duration = Duration::from_secs(120);

/// Freezes the server (`STOP`) or thaws it (`CONT`): its socket stays open and the kernel still
/// accepts connections, but nothing answers.
fn signal(server: &Server, signal: &str) {
    let pid = server.pid().expect("the server runs");
    let sent = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("`kill` runs");
    assert!(sent.success(), "`kill -{signal} {pid}` failed: {sent}");
}

/// How many times `agent` logged that a request to the server failed.
fn failures(agent: &Agent) -> usize {
    agent
        .log()
        .lines()
        .filter(|l| {
            l.contains("result not delivered yet") || l.contains("polling the server failed")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn results_finished_during_a_two_minute_cut_arrive_once_when_the_link_returns() {
    let server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let policy = policy_reading(scratch.path());
    let mut agents = Vec::new();
    let mut ids = Vec::new();
    for name in ["e2e-fault-link-1", "e2e-fault-link-2"] {
        let mut agent = Agent::start(&server, name, &policy);
        ids.push(agent.connected(&server).await);
        agents.push(agent);
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let client = server.client();
    let action = snippet(
        &client,
        "import time\ntime.sleep(3)\nprint('across the cut')",
        &ids,
        60,
    )
    .await;
    for agent in &agents {
        agent.holds_jobs(1).await;
    }

    // The jobs end while the link is cut; their results wait in the outboxes.
    signal(&server, "STOP");
    let cut = Instant::now();
    for agent in &agents {
        outbox_holds(agent, 1).await;
    }
    tokio::time::sleep(OUTAGE.saturating_sub(cut.elapsed())).await;
    let before: Vec<usize> = agents.iter().map(failures).collect();
    assert!(
        before.iter().all(|&n| n > 0),
        "no agent noticed the cut: {before:?}"
    );
    signal(&server, "CONT");
    let back = Instant::now();

    let statuses = one_result_each(&client, action, &ids).await;
    assert_eq!(statuses, [Status::CompletedSuccessfully; 2]);
    for result in client.actions_results(action).await.unwrap() {
        assert!(
            result.standard_output.contains("across the cut"),
            "{result:?}"
        );
    }
    eprintln!(
        "failed requests per agent during the cut: {before:?}; results in {:?} after it",
        back.elapsed()
    );

    // The poll loops came back too: a new job reaches both agents at once.
    let after = snippet(&client, "print('link back')", &ids, 30).await;
    let statuses = one_result_each(&client, after, &ids).await;
    assert_eq!(statuses, [Status::CompletedSuccessfully; 2]);
}
