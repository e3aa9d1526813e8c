//! `ward agent disable-scripts`: the server learns why, scripts already running finish, new jobs
//! are refused, and the marker survives a restart.

use std::time::{Duration, Instant};

use ward::agent::SCRIPTS_DISABLED;
use ward::status::Status;

use super::agent::{Agent, policy_reading};
use super::harness::Server;
use super::{result_of, snippet, wait_status};

const SOON: Duration = Duration::from_secs(20);

/// Waits until the server lists `endpoint` with scripts disabled, and returns the reason shown.
async fn disabled_on_server(server: &Server, endpoint: &str) -> String {
    let client = server.client();
    let started = Instant::now();
    loop {
        let list = client
            .endpoints_list(&Default::default())
            .await
            .expect("the endpoints");
        let found = list
            .iter()
            .find(|e| e.endpoint_id == endpoint)
            .expect("the endpoint is listed");
        if found.scripts_disabled {
            return found.scripts_disabled_reason.clone().unwrap_or_default();
        }
        assert!(
            started.elapsed() < SOON,
            "the server never heard that scripts are disabled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_agents_finish_running_scripts_and_refuse_new_ones() {
    let server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let policy = policy_reading(scratch.path());
    let mut running = Agent::start(&server, "e2e-disabled-live", &policy);
    let mut stopped = Agent::start(&server, "e2e-disabled-cold", &policy);
    let live = running.connected(&server).await;
    let cold = stopped.connected(&server).await;
    let client = server.client();

    // Disabled while a script runs: the script finishes, the server shows why.
    let code = "import time\ntime.sleep(2)\nprint('finished anyway')";
    let in_flight = snippet(&client, code, &[&live], 60).await;
    wait_status(&client, in_flight, &live, Status::InProgress, SOON).await;
    running.holds_jobs(1).await;
    let printed = running.disable_scripts("incident 4711");
    assert!(printed.contains("for good"), "{printed}");
    assert_eq!(disabled_on_server(&server, &live).await, "incident 4711");
    wait_status(
        &client,
        in_flight,
        &live,
        Status::CompletedSuccessfully,
        SOON,
    )
    .await;

    // Disabled while the agent is down: the job sent meanwhile is refused when it comes back.
    stopped.kill();
    stopped.disable_scripts("decommissioned");
    let refused = snippet(&client, "print('must not run')", &[&cold], 30).await;
    stopped.restart();
    let status = wait_status(&client, refused, &cold, Status::Failed, SOON).await;
    let result = result_of(&client, refused, &cold).await;
    let reason = status.reason.or(result.reason).unwrap_or_default();
    assert!(reason.contains(SCRIPTS_DISABLED), "reason: {reason}");
    assert!(!result.standard_output.contains("must not run"));
    assert_eq!(disabled_on_server(&server, &cold).await, "decommissioned");

    // The marker stays: after a restart the endpoint is still disabled, and no command undoes it.
    running.kill();
    running.restart();
    let later = client
        .actions_create(&ward::api::actions::CreateAction {
            script_uid: None,
            snippet: Some("print('no')".into()),
            parameters: Default::default(),
            timeout: Some(30),
            targets: ward::api::actions::Targets {
                endpoint_ids: vec![live.clone()],
                filter: None,
            },
        })
        .await;
    let created = later.expect("an action is created, leaving the endpoint out");
    assert_eq!(created.endpoints_count, 0);
    let skipped = created
        .skipped
        .iter()
        .find(|s| s.endpoint_id == live)
        .expect("skipped");
    assert!(skipped.reason.contains(SCRIPTS_DISABLED), "{skipped:?}");
    assert!(running.dir.path().join("scripts-disabled.json").exists());
}
