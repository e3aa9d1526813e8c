//! What time does, by the server's clock: expiry of unpulled jobs, failure of jobs whose agent
//! went silent, retention of retrieved files, and "connected".

use axum::http::StatusCode;
use serde_json::json;
use ward::server::tick;

use super::support::{DAY, TestAgent, TestServer, sha256};

async fn action(server: &TestServer, agent: &TestAgent) -> i64 {
    let uid = server.builtin("file_exists").await;
    server
        .run(json!({"script_uid": uid, "parameters": {"path": "/"}, "targets": {"endpoint_ids": [agent.id]}}))
        .await
}

#[tokio::test]
async fn a_job_not_pulled_within_four_days_expires() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let id = action(&server, &agent).await;

    server.advance(4 * DAY - 1);
    assert_eq!(tick(&server.state).await.unwrap().jobs_expired, 0);
    assert_eq!(
        server.status_of(id, &agent).await,
        "Pending",
        "an endpoint back before expiry runs it"
    );

    server.advance(1);
    assert_eq!(tick(&server.state).await.unwrap().jobs_expired, 1);
    assert_eq!(server.status_of(id, &agent).await, "Expired");
    assert_eq!(agent.poll(&server).await["jobs"], json!([]));
    let body = server
        .get(&format!("/actions/{id}"), &server.admin)
        .await
        .body;
    assert!(
        body["endpoints"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("4 days")
    );
}

#[tokio::test]
async fn a_job_whose_agent_goes_silent_fails_with_the_reason() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let id = action(&server, &agent).await;
    let job = agent.pull_one(&server).await["job_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let grace = server.state.config().silence_grace_secs;

    // The timeout of file_exists is 60 s; a confirmation restarts the count.
    server.advance(60 + grace - 1);
    assert_eq!(
        agent
            .report(&server, &job, "In Progress", None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    server.advance(60 + grace - 1);
    assert_eq!(tick(&server.state).await.unwrap().jobs_failed_silent, 0);
    assert_eq!(server.status_of(id, &agent).await, "In Progress");

    server.advance(1);
    assert_eq!(tick(&server.state).await.unwrap().jobs_failed_silent, 1);
    let body = server
        .get(&format!("/actions/{id}"), &server.admin)
        .await
        .body;
    assert_eq!(body["endpoints"][0]["status"], "Failed");
    assert_eq!(
        body["endpoints"][0]["reason"],
        "the agent did not report a result in time"
    );
}

#[tokio::test]
async fn retrieved_files_leave_after_ninety_days_and_are_marked_so() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let id = action(&server, &agent).await;
    let job = agent.pull_one(&server).await["job_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let content = b"log line\n";
    let reply = agent
        .upload(&server, &job, "/var/log/app.log", &sha256(content), content)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let stored = std::fs::read_dir(server.state.files_dir()).unwrap().count();
    assert_eq!(stored, 1);

    let results = server
        .get(&format!("/actions/{id}/results"), &server.admin)
        .await
        .body;
    let retention = results[0]["retention_date"].as_i64().unwrap();
    assert_eq!(retention, super::support::T0 + 90 * DAY);

    server.advance(90 * DAY - 1);
    assert_eq!(tick(&server.state).await.unwrap().files_removed, 0);
    server.advance(1);
    assert_eq!(tick(&server.state).await.unwrap().files_removed, 1);
    assert_eq!(
        std::fs::read_dir(server.state.files_dir()).unwrap().count(),
        0
    );

    let archive = server
        .get(&format!("/actions/{id}/files"), &server.admin)
        .await;
    assert_eq!(archive.status, StatusCode::OK);
    let zip = zip::ZipArchive::new(std::io::Cursor::new(archive.bytes.to_vec())).unwrap();
    assert_eq!(zip.len(), 0, "an expired file is no longer served");
    let results = server
        .get(&format!("/actions/{id}/results"), &server.admin)
        .await
        .body;
    assert_eq!(results[0]["retrieved_files"], 1, "the record stays");
}

#[tokio::test]
async fn an_endpoint_is_connected_for_a_minute_after_its_poll() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    assert_eq!(
        status(&server).await,
        "disconnected",
        "enrolled but never polled"
    );
    agent.poll(&server).await;
    server.advance(60);
    assert_eq!(status(&server).await, "connected");
    server.advance(1);
    assert_eq!(status(&server).await, "disconnected");
    let listed = server
        .get("/endpoints?status=connected", &server.admin)
        .await
        .body;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn the_test_clock_route_moves_time_and_sweeps() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let id = action(&server, &agent).await;
    let reply = server
        .post(
            "/test/clock",
            &server.admin,
            json!({"advance_secs": 4 * DAY}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["swept"]["jobs_expired"], 1);
    assert_eq!(server.status_of(id, &agent).await, "Expired");
}

#[tokio::test]
async fn without_the_flag_there_is_no_test_clock_route() {
    let server = TestServer::with(|config| config.test_clock = false).await;
    let reply = server
        .post("/test/clock", &server.admin, json!({"advance_secs": 1}))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

async fn status(server: &TestServer) -> String {
    let listed = server.get("/endpoints", &server.admin).await.body;
    listed[0]["status"].as_str().expect("a status").to_owned()
}

#[tokio::test]
async fn a_restarted_test_server_keeps_its_clock_offset() {
    let server = TestServer::start().await;
    server
        .post("/test/clock", &server.admin, json!({"advance_secs": DAY}))
        .await;
    let config = server.state.config().clone();
    let reopened = ward::server::AppState::open(
        config,
        ward::server::Clock::frozen(super::support::T0),
        None,
    )
    .await
    .unwrap();
    assert_eq!(reopened.now(), super::support::T0 + DAY);
}
