//! The agent killed with SIGKILL at each stage of a job: received and waiting for a slot,
//! running, with its result on disk but not sent, between a file's upload and the result, and
//! between the poll that handed a job over and its journal. The last two are reached through the
//! agent's `WARD_AGENT_FAULT` fault-injection points.

use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::json;
use ward::agent::AGENT_STOPPED;
use ward::api::actions::{CreateAction, Targets};
use ward::api::scripts::UploadScript;
use ward::status::Status;

use super::super::agent::{Agent, policy_reading};
use super::super::harness::{Server, stop, ward};
use super::super::{snippet, wait_status};
use super::{SOON, one_result_each, outbox, outbox_holds};
use crate::common::running;

const SLEEP: &str = "import time\ntime.sleep(60)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_waiting_for_a_slot_or_running_when_the_agent_is_killed_each_fail_once() {
    let server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let mut agent = Agent::start(&server, "e2e-fault-slots", &policy_reading(scratch.path()));
    let id = agent.connected(&server).await;
    let client = server.client();

    // Four slots: four jobs run, the fifth is journaled and waits, not started.
    let mut actions = Vec::new();
    for _ in 0..5 {
        actions.push(snippet(&client, SLEEP, &[&id], 120).await);
    }
    agent.holds_jobs(5).await;
    let tree = agent.process_tree();
    agent.kill();
    // The jobs' processes go with the agent: none runs on unwatched past its deadline.
    let started = Instant::now();
    while tree.iter().any(|pid| running(*pid)) {
        assert!(started.elapsed() < SOON, "left running: {tree:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    agent.restart();

    for action in actions {
        let statuses = one_result_each(&client, action, &[&id]).await;
        assert_eq!(statuses, [Status::Failed]);
        let result = &client.actions_results(action).await.unwrap()[0];
        assert_eq!(result.reason.as_deref(), Some(AGENT_STOPPED), "{result:?}");
    }
    // Each interrupted run's end is in the audit log, written by the agent that came back.
    let ended = agent
        .audit_log()
        .lines()
        .filter(|line| line.contains("\"run.end\"") && line.contains(AGENT_STOPPED))
        .count();
    assert_eq!(ended, 5, "{}", agent.audit_log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_on_disk_but_not_sent_arrives_once_after_the_agent_is_killed() {
    let mut server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let mut agent = Agent::start(&server, "e2e-fault-outbox", &policy_reading(scratch.path()));
    let id = agent.connected(&server).await;
    let client = server.client();

    let action = snippet(&client, "print('kept on disk')", &[&id], 60).await;
    agent.holds_jobs(1).await;
    // With the server down the result cannot be acknowledged: the agent is stopped between
    // "in the outbox" and "sent".
    server.kill();
    outbox_holds(&agent, 1).await;
    agent.kill();

    server.restart().await;
    agent.restart();
    let statuses = one_result_each(&client, action, &[&id]).await;
    assert_eq!(statuses, [Status::CompletedSuccessfully]);
    let result = &client.actions_results(action).await.unwrap()[0];
    assert!(
        result.standard_output.contains("kept on disk"),
        "{result:?}"
    );
}

const COLLECT: &str = "def run(path):\n    return {'files_to_get': [path]}\n";

/// An agent process on `agent`'s data directory with `WARD_AGENT_FAULT` set, killed when dropped.
struct Faulted(Option<Child>);

impl Faulted {
    fn start(server: &Server, agent: &Agent, fault: &str) -> Self {
        let log = std::fs::OpenOptions::new()
            .append(true)
            .open(agent.dir.path().join("agent.log"))
            .expect("the agent log opens");
        let child = ward()
            .args([
                "agent",
                "--server",
                &server.url(),
                "--enroll",
                &server.secret,
            ])
            .args(["--name", &agent.name, "--tag", "e2e"])
            .arg("--data-dir")
            .arg(agent.dir.path())
            .env("WARD_DATA_DIR", agent.dir.path())
            .env("WARD_AGENT_FAULT", fault)
            .stdout(log.try_clone().expect("a second handle on the log"))
            .stderr(log)
            .spawn()
            .expect("the agent starts");
        Self(Some(child))
    }
}

impl Drop for Faulted {
    fn drop(&mut self) {
        stop(&mut self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_uploaded_just_before_the_agent_is_killed_is_counted_once() {
    let server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let wanted = scratch.path().join("evidence.txt");
    std::fs::write(&wanted, b"uploaded twice, kept once\n").unwrap();
    let mut agent = Agent::start(&server, "e2e-fault-upload", &policy_reading(scratch.path()));
    let id = agent.connected(&server).await;
    let client = server.client();
    agent.kill();
    let mut faulted = Faulted::start(&server, &agent, "pause-after-upload");

    let manifest = json!({
        "name": "e2e_fault_collect",
        "description": "Retrieves one file.",
        "outcome": "Standard",
        "platform": "Linux",
        "timeout": 60,
        "entry_point": "run",
        "entry_point_definition": {
            "input_params": [{"name": "path", "type": "string"}],
            "output_params": {"type": "JSON", "value": []}
        }
    });
    let upload = UploadScript {
        code: COLLECT.into(),
        manifest,
    };
    let script = client
        .scripts_upload(&upload)
        .await
        .expect("the script uploads");
    let mut parameters = serde_json::Map::new();
    parameters.insert("path".into(), json!(wanted.display().to_string()));
    let request = CreateAction {
        script_uid: Some(script.script_uid),
        snippet: None,
        parameters,
        timeout: None,
        targets: Targets {
            endpoint_ids: vec![id.clone()],
            filter: None,
        },
    };
    let action = client
        .actions_create(&request)
        .await
        .expect("the action")
        .action_id;

    // The file is on the server; the agent's outbox does not say so yet.
    let started = Instant::now();
    while !agent.log().contains("fault injection: pausing") {
        assert!(
            started.elapsed() < SOON,
            "the upload never paused:\n{}",
            agent.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wait_status(&client, action, &id, Status::InProgress, SOON).await;
    let on_disk = outbox(&agent);
    assert!(
        on_disk.len() == 1 && on_disk[0].contains("\"uploaded\":false"),
        "{on_disk:?}"
    );
    stop(&mut faulted.0);
    agent.restart();

    let statuses = one_result_each(&client, action, &[&id]).await;
    assert_eq!(statuses, [Status::CompletedSuccessfully]);
    let result = &client.actions_results(action).await.unwrap()[0];
    assert_eq!(
        (result.retrieved_files, result.failed_files),
        (1, 0),
        "{result:?}"
    );

    // Sent twice, stored once: the archive holds the file a single time.
    let downloads = tempfile::tempdir().unwrap();
    let zip = downloads.path().join("action.zip");
    client
        .actions_files(action, None, &zip)
        .await
        .expect("the archive downloads");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let copies = (0..archive.len())
        .filter(|&i| {
            archive
                .by_index(i)
                .is_ok_and(|e| e.name().is_ok_and(|n| n.ends_with("evidence.txt")))
        })
        .count();
    assert_eq!(copies, 1, "copies of the file in the archive");
}

/// Waits until `agent`'s log shows `text` `times` times.
async fn logged(agent: &Agent, text: &str, times: usize) {
    let started = Instant::now();
    while agent.log().matches(text).count() < times {
        assert!(
            started.elapsed() < SOON,
            "`{text}` not logged {times} times:\n{}",
            agent.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_handed_over_but_not_journaled_when_the_agent_is_killed_runs_once() {
    let server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let mut agent = Agent::start(
        &server,
        "e2e-fault-handover",
        &policy_reading(scratch.path()),
    );
    let id = agent.connected(&server).await;
    let client = server.client();
    agent.kill();
    let mut faulted = Faulted::start(&server, &agent, "pause-after-handover");
    logged(&agent, "waiting for jobs", 2).await;

    // The server has handed the job over and shows it In Progress; the agent has no trace of it.
    let action = snippet(&client, "print('handed over once')", &[&id], 60).await;
    logged(&agent, "fault injection: pausing", 1).await;
    wait_status(&client, action, &id, Status::InProgress, SOON).await;
    let journal = std::fs::read_dir(agent.dir.path().join("jobs"))
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!((journal, outbox(&agent).len()), (0, 0), "{}", agent.log());
    stop(&mut faulted.0);
    agent.restart();

    // The restarted agent's first poll asks for the jobs the server thinks it holds.
    let statuses = one_result_each(&client, action, &[&id]).await;
    assert_eq!(statuses, [Status::CompletedSuccessfully]);
    let result = &client.actions_results(action).await.unwrap()[0];
    assert!(
        result.standard_output.contains("handed over once"),
        "{result:?}"
    );
    assert_eq!(
        agent.log().matches("job received").count(),
        1,
        "{}",
        agent.log()
    );
}
