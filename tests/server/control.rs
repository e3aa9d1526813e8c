//! Cancel and abort, and who an action leaves out.

use axum::http::StatusCode;
use serde_json::json;
use ward::status::Status;

use super::support::{CODE, TestServer, manifest, run_result};

#[tokio::test]
async fn cancel_stops_only_the_chosen_pending_endpoints() {
    let server = TestServer::start().await;
    let one = server.enroll("web-1", "Linux").await;
    let two = server.enroll("web-2", "Linux").await;
    let three = server.enroll("web-3", "Linux").await;
    let uid = server.builtin("file_exists").await;
    let id = server
        .run(json!({"script_uid": uid, "parameters": {"path": "/"}, "targets": {"filter": {"name": "web-*"}}}))
        .await;
    three.pull_one(&server).await;

    let reply = server
        .post(
            &format!("/actions/{id}/cancel"),
            &server.admin,
            json!({"endpoint_ids": [one.id, three.id]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(server.status_of(id, &one).await, "Canceled");
    assert_eq!(server.status_of(id, &two).await, "Pending");
    assert_eq!(
        server.status_of(id, &three).await,
        "In Progress",
        "a pulled job is aborted, not canceled"
    );
    assert_eq!(one.poll(&server).await["jobs"], json!([]));

    server
        .post(&format!("/actions/{id}/cancel"), &server.admin, json!({}))
        .await;
    assert_eq!(server.status_of(id, &two).await, "Canceled");
    let body = server
        .get(&format!("/actions/{id}"), &server.admin)
        .await
        .body;
    assert!(
        body["endpoints"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("canceled by")
    );
}

#[tokio::test]
async fn cancel_refuses_endpoints_the_action_was_not_sent_to() {
    let server = TestServer::start().await;
    let one = server.enroll("web-1", "Linux").await;
    let uid = server.builtin("file_exists").await;
    let id = server
        .run(json!({"script_uid": uid, "parameters": {"path": "/"}, "targets": {"endpoint_ids": [one.id]}}))
        .await;
    let reply = server
        .post(
            &format!("/actions/{id}/cancel"),
            &server.admin,
            json!({"endpoint_ids": ["feed"]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body["error"].as_str().unwrap().contains("feed"));
    assert_eq!(server.status_of(id, &one).await, "Pending");
}

#[tokio::test]
async fn abort_tells_the_agent_once_and_ends_aborted() {
    let server = TestServer::start().await;
    let one = server.enroll("web-1", "Linux").await;
    let two = server.enroll("web-2", "Linux").await;
    let uid = server.builtin("file_exists").await;
    let id = server
        .run(json!({"script_uid": uid, "parameters": {"path": "/"}, "targets": {"endpoint_ids": [one.id, two.id]}}))
        .await;
    let job = one.pull_one(&server).await["job_id"]
        .as_str()
        .unwrap()
        .to_owned();
    two.pull_one(&server).await;

    let reply = server
        .post(
            &format!("/actions/{id}/abort"),
            &server.admin,
            json!({"endpoint_ids": [one.id]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(server.status_of(id, &one).await, "Pending Abort");
    assert_eq!(server.status_of(id, &two).await, "In Progress");

    let poll = one.poll(&server).await;
    assert_eq!(poll["aborts"], json!([job]));
    assert_eq!(one.poll(&server).await["aborts"], json!([]), "told once");
    server.advance(61);
    assert_eq!(
        one.poll(&server).await["aborts"],
        json!([job]),
        "told again when ignored"
    );

    let aborted = run_result(Status::Aborted, json!(null));
    assert_eq!(
        one.result(&server, &job, &aborted).await.body,
        json!({"accepted": true})
    );
    assert_eq!(server.status_of(id, &one).await, "Aborted");
    assert_eq!(two.poll(&server).await["aborts"], json!([]));
}

#[tokio::test]
async fn unsupported_and_disabled_endpoints_are_reported_not_dropped() {
    let server = TestServer::start().await;
    let linux = server.enroll("web-1", "Linux").await;
    let windows = server.enroll("pc-1", "Windows").await;
    let disabled = server.enroll("web-2", "Linux").await;
    let reply = server
        .call(
            "POST",
            "/agent/disable",
            Some(&disabled.token),
            Some(json!({"reason": "frozen for forensics"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let uid = server
        .upload(CODE, manifest("sized", "Standard", "Linux"))
        .await;

    let reply = server
        .post(
            "/actions",
            &server.admin,
            json!({"script_uid": uid, "parameters": {"path": "/"}, "targets": {"filter": {}}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body["endpoints_count"], 1);
    let skipped = reply.body["skipped"].as_array().unwrap();
    let reason = |id: &str| {
        skipped.iter().find(|s| s["endpoint_id"] == id).unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(reason(&windows.id).contains("does not support Windows"));
    assert!(reason(&disabled.id).contains("frozen for forensics"));
    assert_eq!(
        linux.poll(&server).await["jobs"].as_array().unwrap().len(),
        1
    );

    let listed = server
        .get("/endpoints?name=web-2", &server.admin)
        .await
        .body;
    assert_eq!(listed[0]["scripts_disabled"], true);
    assert_eq!(listed[0]["scripts_disabled_reason"], "frozen for forensics");
}
