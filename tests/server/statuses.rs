//! The per-endpoint state machine through the API: each legal transition happens for real and
//! illegal ones are refused without changing anything.

use axum::http::StatusCode;
use serde_json::{Value, json};
use ward::status::Status;

use super::support::{TestAgent, TestServer};

/// An action of `file_exists` on each of `agents`; returns its id.
async fn action(server: &TestServer, agents: &[&TestAgent]) -> i64 {
    let uid = server.builtin("file_exists").await;
    let ids: Vec<&str> = agents.iter().map(|a| a.id.as_str()).collect();
    server
        .run(json!({"script_uid": uid, "parameters": {"path": "/"}, "targets": {"endpoint_ids": ids}}))
        .await
}

fn job_id(job: &Value) -> String {
    job["job_id"].as_str().expect("a job id").to_owned()
}

#[tokio::test]
async fn pulling_moves_a_job_to_in_progress_and_hands_over_the_script() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let id = action(&server, &[&agent]).await;
    assert_eq!(server.status_of(id, &agent).await, "Pending");

    let job = agent.pull_one(&server).await;
    assert_eq!(job["script_name"], "file_exists");
    assert_eq!(job["entry_point"], "run");
    assert_eq!(job["parameters"], json!({"path": "/"}));
    assert_eq!(job["timeout_secs"], 60);
    assert_eq!(job["risk"], "standard");
    assert!(job["code"].as_str().unwrap().contains("def run"));
    assert_eq!(server.status_of(id, &agent).await, "In Progress");

    let again = agent.poll(&server).await;
    assert_eq!(again["jobs"], json!([]), "a job is handed over once");
}

#[tokio::test]
async fn each_final_result_status_is_reached_from_in_progress() {
    for status in [
        Status::CompletedSuccessfully,
        Status::Failed,
        Status::Timeout,
    ] {
        let server = TestServer::start().await;
        let agent = server.enroll("web-1", "Linux").await;
        let id = action(&server, &[&agent]).await;
        let job = job_id(&agent.pull_one(&server).await);

        let reply = agent
            .result(
                &server,
                &job,
                &super::support::run_result(status, json!(true)),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        assert_eq!(reply.body, json!({"accepted": true}));
        assert_eq!(server.status_of(id, &agent).await, status.as_str());

        let general = server
            .get(&format!("/actions/{id}"), &server.admin)
            .await
            .body;
        assert_eq!(general["general_status"], "Completed");
        assert_eq!(general["counts"][status.as_str()], 1);
    }
}

#[tokio::test]
async fn an_agent_refuses_a_job_with_failed_and_a_reason() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let id = action(&server, &[&agent]).await;
    let job = job_id(&agent.pull_one(&server).await);

    let reply = agent.report(&server, &job, "In Progress", None).await;
    assert_eq!(
        reply.status,
        StatusCode::NO_CONTENT,
        "confirming changes nothing: {:?}",
        reply.body
    );
    let reply = agent
        .report(
            &server,
            &job,
            "Failed",
            Some("script execution is disabled"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);

    let status = server
        .get(&format!("/actions/{id}"), &server.admin)
        .await
        .body;
    assert_eq!(status["endpoints"][0]["status"], "Failed");
    assert_eq!(
        status["endpoints"][0]["reason"],
        "script execution is disabled"
    );
}

#[tokio::test]
async fn illegal_transitions_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let id = action(&server, &[&agent]).await;
    let pending_job = server.state.db().jobs_for_action(id).await.unwrap()[0]
        .job
        .job_id
        .clone();

    // A result for a job never pulled.
    let done = super::support::run_result(Status::CompletedSuccessfully, json!(true));
    let reply = agent.result(&server, &pending_job, &done).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{:?}", reply.body);
    assert_eq!(server.status_of(id, &agent).await, "Pending");

    // `Aborted` from `In Progress` skips `Pending Abort`.
    let job = job_id(&agent.pull_one(&server).await);
    let reply = agent.report(&server, &job, "Aborted", None).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{:?}", reply.body);
    assert_eq!(server.status_of(id, &agent).await, "In Progress");

    // Statuses an agent never reports.
    for status in ["Pending", "Canceled", "Expired", "Completed Successfully"] {
        let reply = agent.report(&server, &job, status, None).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{status}: {:?}",
            reply.body
        );
    }
    let reply = agent
        .result(
            &server,
            &job,
            &super::support::run_result(Status::Canceled, json!(null)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Out of a final status.
    assert_eq!(
        agent.result(&server, &job, &done).await.status,
        StatusCode::OK
    );
    let reply = agent.report(&server, &job, "Failed", Some("late")).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(server.status_of(id, &agent).await, "Completed Successfully");
}

#[tokio::test]
async fn a_script_that_finishes_before_the_abort_reaches_it_keeps_its_result() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let id = action(&server, &[&agent]).await;
    let job = job_id(&agent.pull_one(&server).await);
    server
        .post(&format!("/actions/{id}/abort"), &server.admin, json!({}))
        .await;
    assert_eq!(server.status_of(id, &agent).await, "Pending Abort");

    let done = super::support::run_result(Status::CompletedSuccessfully, json!(true));
    assert_eq!(
        agent.result(&server, &job, &done).await.body,
        json!({"accepted": true})
    );
    assert_eq!(server.status_of(id, &agent).await, "Completed Successfully");
}

#[tokio::test]
async fn the_general_status_follows_the_endpoints() {
    let server = TestServer::start().await;
    let one = server.enroll("web-1", "Linux").await;
    let two = server.enroll("web-2", "Linux").await;
    let id = action(&server, &[&one, &two]).await;
    let general = |body: Value| body["general_status"].as_str().unwrap().to_owned();

    assert_eq!(
        general(
            server
                .get(&format!("/actions/{id}"), &server.admin)
                .await
                .body
        ),
        "Pending"
    );
    let job = job_id(&one.pull_one(&server).await);
    assert_eq!(
        general(
            server
                .get(&format!("/actions/{id}"), &server.admin)
                .await
                .body
        ),
        "In Progress"
    );
    let done = super::support::run_result(Status::CompletedSuccessfully, json!(true));
    one.result(&server, &job, &done).await;
    server
        .post(&format!("/actions/{id}/cancel"), &server.admin, json!({}))
        .await;
    let body = server
        .get(&format!("/actions/{id}"), &server.admin)
        .await
        .body;
    assert_eq!(general(body.clone()), "Completed");
    assert_eq!(body["counts"]["Canceled"], 1);
    assert_eq!(body["counts"]["Completed Successfully"], 1);
}
