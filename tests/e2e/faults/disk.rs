//! The server's disk fills up while an action runs on three connected agents. The server's data
//! directory is a tmpfs of its own in a private user and mount namespace (see `harness`), so the
//! disk is really full (`ENOSPC` for every writer), not a per-process file size limit; a filler
//! file the test owns takes the last free byte, and deleting it is the only step to recover.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ward::status::Status;

use super::super::agent::{Agent, policy_reading};
use super::super::harness::{Disk, Server};
use super::super::snippet;
use super::{SOON, one_result_each, outbox_holds};

/// The server's disk: room for the database and a few results, little enough to fill at once.
const DISK: u64 = 16 << 20;

/// Each result's standard output, large enough that the database must grow to store it.
const OUTPUT: usize = 256 << 10;

/// A file that takes every free byte of its disk, removed when dropped.
struct Filler(PathBuf);

impl Filler {
    fn fill(path: PathBuf) -> Self {
        let mut file = std::fs::File::create(&path).expect("the filler is created");
        let chunk = vec![0xa5_u8; 64 << 10];
        loop {
            match file.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => panic!("filling {} failed: {e}", path.display()),
            }
        }
        Self(path)
    }
}

impl Drop for Filler {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Waits until `agent`'s log shows `text` in a line with `also`.
async fn logged(agent: &Agent, text: &str, also: &str) {
    let started = Instant::now();
    while !agent
        .log()
        .lines()
        .any(|l| l.contains(text) && l.contains(also))
    {
        assert!(
            started.elapsed() < SOON,
            "no `{text}` with `{also}` in the log:\n{}",
            agent.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn results_refused_by_a_full_server_disk_all_arrive_once_after_space_is_freed() {
    let server = Server::start_on(Disk::Tmpfs(DISK)).await;
    let scratch = tempfile::tempdir().unwrap();
    let policy = policy_reading(scratch.path());
    let mut agents = Vec::new();
    let mut ids = Vec::new();
    for name in ["e2e-fault-full-1", "e2e-fault-full-2", "e2e-fault-full-3"] {
        let mut agent = Agent::start(&server, name, &policy);
        ids.push(agent.connected(&server).await);
        agents.push(agent);
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let client = server.client();
    let code = format!("import time\ntime.sleep(2)\nprint('full' * {})", OUTPUT / 4);
    let action = snippet(&client, &code, &ids, 60).await;
    for agent in &agents {
        agent.holds_jobs(1).await;
    }

    // The jobs run on; their results meet a full disk.
    let filler = Filler::fill(server.data_dir().join("e2e-filler"));
    for agent in &agents {
        outbox_holds(agent, 1).await;
        logged(agent, "result not delivered yet", "full").await;
    }
    let refused = snippet_refused(&client, &ids).await;
    assert!(refused.contains("full"), "{refused}");
    // Reads still work, and show the jobs running with no output: nothing half-stored.
    let results = client.actions_results(action).await.expect("the results");
    assert!(
        results
            .iter()
            .all(|r| r.status == Status::InProgress && r.standard_output.is_empty()),
        "{results:?}"
    );

    let refusals: Vec<usize> = agents
        .iter()
        .map(|a| a.log().matches("(HTTP 507)").count())
        .collect();
    eprintln!("deliveries refused per agent while the disk was full: {refusals:?}");
    drop(filler);
    let statuses = one_result_each(&client, action, &ids).await;
    assert_eq!(statuses, [Status::CompletedSuccessfully; 3]);
    for result in client.actions_results(action).await.unwrap() {
        assert!(
            result.standard_output.len() >= OUTPUT,
            "{} bytes",
            result.standard_output.len()
        );
    }
    let after = snippet(&client, "print('room again')", &ids, 30).await;
    let statuses = one_result_each(&client, after, &ids).await;
    assert_eq!(statuses, [Status::CompletedSuccessfully; 3]);
}

/// Tries to create an action while the disk is full and returns the error an administrator reads.
async fn snippet_refused(client: &ward::client::Client, ids: &[&str]) -> String {
    let request = ward::api::actions::CreateAction {
        script_uid: None,
        snippet: Some("print('never stored')".into()),
        parameters: serde_json::Map::new(),
        timeout: Some(30),
        targets: ward::api::actions::Targets {
            endpoint_ids: ids.iter().map(|e| e.to_string()).collect(),
            filter: None,
        },
    };
    match client.actions_create(&request).await {
        Ok(created) => panic!("a full disk took action {}", created.action_id),
        Err(error) => error.to_string(),
    }
}
