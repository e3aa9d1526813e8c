//! The agents' side of the permission matrix: every agent route refused without a token or
//! with a wrong one (401), another agent's job out of reach (404), and enrollment only with a
//! valid secret.

use axum::http::StatusCode;
use serde_json::{Value, json};
use ward::status::Status;

use super::support::{TestServer, request, run_result, sha256};

#[tokio::test]
async fn every_agent_route_checks_the_token_and_the_job_owner() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let other = server.enroll("web-2", "Linux").await;
    let uid = server.builtin("file_exists").await;
    server
        .run(json!({"script_uid": uid, "parameters": {"path": "/"}, "targets": {"endpoint_ids": [agent.id]}}))
        .await;
    let job = agent.pull_one(&server).await;
    let job_id = job["job_id"].as_str().unwrap();
    let sha = sha256(b"x");

    let result = json!({"result": run_result(Status::CompletedSuccessfully, json!(true)), "failed_files": []});
    let routes: [(&str, String, Option<Value>, StatusCode); 5] = [
        ("GET", "/agent/jobs?wait=0".into(), None, StatusCode::OK),
        (
            "POST",
            format!("/agent/jobs/{job_id}/status"),
            Some(json!({"status": "In Progress"})),
            StatusCode::NO_CONTENT,
        ),
        (
            "PUT",
            format!("/agent/jobs/{job_id}/files?path=a&sha256={sha}"),
            None,
            StatusCode::CREATED,
        ),
        (
            "PUT",
            format!("/agent/jobs/{job_id}/result"),
            Some(result),
            StatusCode::OK,
        ),
        (
            "POST",
            "/agent/disable".into(),
            Some(json!({"reason": "closed for audit"})),
            StatusCode::NO_CONTENT,
        ),
    ];
    for (method, path, body, success) in routes {
        let what = format!("{method} {path}");
        let file = || match &body {
            Some(json) => axum::body::Body::from(json.to_string()),
            None => axum::body::Body::from("x"),
        };
        let send = |key: Option<String>| request(method, &path, key.as_deref(), file());

        assert_eq!(
            server.send(send(None)).await.status,
            StatusCode::UNAUTHORIZED,
            "{what}"
        );
        let forged = format!("wagent_{}_{}", agent.id, "ab".repeat(32));
        for bad in [forged, server.admin.clone(), "wagent_zz_11".into()] {
            assert_eq!(
                server.send(send(Some(bad.clone()))).await.status,
                StatusCode::UNAUTHORIZED,
                "{what} {bad}"
            );
        }
        if path.contains(job_id) {
            let reply = server.send(send(Some(other.token.clone()))).await;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{what} by another agent: {:?}",
                reply.body
            );
        }
        let reply = server.send(send(Some(agent.token.clone()))).await;
        assert_eq!(reply.status, success, "{what}: {:?}", reply.body);
    }
}

#[tokio::test]
async fn enrolling_needs_a_valid_secret() {
    let server = TestServer::start().await;
    let body =
        json!({"secret": "wenroll_00", "name": "web-1", "platform": "Linux", "ip": "10.0.0.1"});
    let reply = server.call("POST", "/agent/enroll", None, Some(body)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(
        reply.body["hint"]
            .as_str()
            .unwrap()
            .contains("enrollment-secret")
    );
}
