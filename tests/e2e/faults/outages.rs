//! Outages around the agent: the server killed during an action on three endpoints or out of
//! reach for a while, and a database or journal that cannot be written.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use ward::status::Status;

use super::super::agent::{Agent, policy_reading};
use super::super::harness::{Server, stop, ward};
use super::super::snippet;
use super::{SOON, one_result_each, outbox_holds};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_during_an_action_on_three_endpoints_loses_no_result() {
    let mut server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let policy = policy_reading(scratch.path());
    let mut agents = Vec::new();
    let mut ids = Vec::new();
    for name in ["e2e-fault-many-1", "e2e-fault-many-2", "e2e-fault-many-3"] {
        let mut agent = Agent::start(&server, name, &policy);
        ids.push(agent.connected(&server).await);
        agents.push(agent);
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let client = server.client();

    let action = snippet(
        &client,
        "import time\ntime.sleep(2)\nprint('done')",
        &ids,
        60,
    )
    .await;
    for agent in &agents {
        agent.holds_jobs(1).await;
    }
    server.kill();
    for agent in &agents {
        outbox_holds(agent, 1).await;
    }
    server.restart().await;

    let statuses = one_result_each(&client, action, &ids).await;
    assert_eq!(statuses, [Status::CompletedSuccessfully; 3]);
    let status = client.actions_status(action).await.expect("the status");
    assert_eq!(status.endpoints.len(), 3, "{status:?}");
}

/// `text` without its terminal colour codes (`ESC [ ... m`).
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match (in_code, c) {
            (false, '\x1b') => in_code = true,
            (false, c) => out.push(c),
            (true, 'm') => in_code = false,
            (true, _) => {}
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_cut_off_from_the_server_backs_off_and_recovers_alone() {
    let mut server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let mut agent = Agent::start(&server, "e2e-fault-cut", &policy_reading(scratch.path()));
    let id = agent.connected(&server).await;
    let client = server.client();

    // Five seconds without a server, not minutes: the backoff doubles from 250 ms, so five
    // seconds already show it growing.
    server.kill();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let log = plain(&agent.log());
    let waits: Vec<u64> = log
        .lines()
        .filter(|l| l.contains("polling the server failed"))
        .filter_map(|l| l.split("retry_in_ms=").nth(1))
        .filter_map(|w| w.split_whitespace().next()?.parse().ok())
        .collect();
    assert!(
        waits.len() >= 3,
        "too few retries: {waits:?}\n{}",
        agent.log()
    );
    assert!(
        waits.windows(2).all(|w| w[1] > w[0]),
        "no backoff: {waits:?}"
    );

    server.restart().await;
    let back = Instant::now();
    let action = snippet(&client, "print('back')", &[&id], 30).await;
    let statuses = one_result_each(&client, action, &[&id]).await;
    assert_eq!(statuses, [Status::CompletedSuccessfully]);
    eprintln!("job done {:?} after the server came back", back.elapsed());
}

#[test]
fn a_server_whose_database_cannot_be_written_stops_with_a_clear_error() {
    // The tests run as root, which ignores file modes: a directory where the database file
    // belongs makes it unwritable instead.
    let dir = tempfile::Builder::new()
        .prefix("ward-e2e-readonly-")
        .tempdir()
        .unwrap();
    std::fs::create_dir(dir.path().join("ward.db")).unwrap();
    let log = dir.path().join("server.log");
    let out = std::fs::File::create(&log).unwrap();
    let child = ward()
        .args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--test-clock",
            "--data-dir",
        ])
        .arg(dir.path())
        .env("WARD_DATA_DIR", dir.path())
        .stdout(Stdio::null())
        .stderr(out)
        .spawn()
        .expect("the server starts");
    let mut server = Some(child);
    let started = Instant::now();
    let status = loop {
        if let Some(Ok(Some(status))) = server.as_mut().map(Child::try_wait) {
            break status;
        }
        if started.elapsed() > SOON {
            stop(&mut server);
            panic!("the server ran on an unwritable database");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let errors = std::fs::read_to_string(&log).unwrap();
    assert!(!status.success(), "{errors}");
    assert!(!errors.contains("panicked"), "{errors}");
    assert!(
        errors.contains("ward.db") && errors.contains("writable"),
        "the error does not name the file and the fix: {errors}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_that_cannot_write_its_journal_fails_the_job_with_the_reason() {
    let server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let mut agent = Agent::start(&server, "e2e-fault-disk", &policy_reading(scratch.path()));
    let id = agent.connected(&server).await;
    let client = server.client();

    // A file where the journal directory belongs: every write into it fails, as on a full or
    // read-only disk (file modes would not stop root).
    let journal = agent.dir.path().join("jobs");
    std::fs::remove_dir(&journal).expect("the journal is empty");
    std::fs::write(&journal, b"").unwrap();
    let action = snippet(&client, "print('never runs')", &[&id], 30).await;
    let statuses = one_result_each(&client, action, &[&id]).await;
    assert_eq!(statuses, [Status::Failed]);
    let result = &client.actions_results(action).await.unwrap()[0];
    let reason = result.reason.as_deref().unwrap_or_default();
    assert!(reason.contains("could not record the job"), "{result:?}");

    // Once the disk takes writes again, the same agent runs jobs with no restart.
    std::fs::remove_file(&journal).unwrap();
    std::fs::create_dir(&journal).unwrap();
    let after = snippet(&client, "print('disk back')", &[&id], 30).await;
    let statuses = one_result_each(&client, after, &[&id]).await;
    assert_eq!(statuses, [Status::CompletedSuccessfully]);
}
