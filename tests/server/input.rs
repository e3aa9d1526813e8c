//! Refused input: bodies that are not JSON (400), JSON of the wrong shape or with unknown
//! fields (422), parameters and manifests with every problem listed, unknown routes.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::json;

use super::support::{CODE, TestServer, manifest, request};

#[tokio::test]
async fn a_body_that_is_not_json_is_400_with_where_it_broke() {
    let server = TestServer::start().await;
    for body in ["{", "{\"script_uid\": }", "not json"] {
        let reply = server
            .send(request(
                "POST",
                "/actions",
                Some(&server.admin),
                Body::from(body),
            ))
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        let error = reply.body["error"].as_str().unwrap();
        assert!(
            error.contains("not valid JSON") && error.contains("line 1"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn unknown_fields_and_wrong_types_are_422_naming_the_field() {
    let server = TestServer::start().await;
    let cases = [
        ("/actions", json!({"script": "x", "targets": {}}), "script"),
        (
            "/actions",
            json!({"snippet": "print(1)", "targets": {"endpoint_ids": [], "filters": {}}}),
            "filters",
        ),
        (
            "/actions",
            json!({"snippet": 5, "targets": {}}),
            "invalid type",
        ),
        ("/users", json!({"name": "bob", "role": "root"}), "root"),
        (
            "/scripts",
            json!({"code": "x", "manifest": {}, "owner": "me"}),
            "owner",
        ),
    ];
    for (path, body, mention) in cases {
        let reply = server.post(path, &server.admin, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {body}"
        );
        let error = reply.body["error"].as_str().unwrap();
        assert!(error.contains(mention), "{path}: {error}");
    }
}

#[tokio::test]
async fn parameters_that_do_not_fit_are_all_listed() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let uid = server
        .upload(CODE, manifest("sized", "Standard", "Linux"))
        .await;
    let body = json!({"script_uid": uid, "parameters": {"paht": "/", "extra": 1}, "targets": {"endpoint_ids": [agent.id]}});
    let reply = server.post("/actions", &server.admin, body).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = reply.body["error"].as_str().unwrap();
    assert!(
        error.contains("paht") && error.contains("extra") && error.contains("path"),
        "{error}"
    );

    let body = json!({"script_uid": uid, "parameters": {"path": 3}, "targets": {"endpoint_ids": [agent.id]}});
    assert_eq!(
        server.post("/actions", &server.admin, body).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn targets_that_name_nothing_are_refused() {
    let server = TestServer::start().await;
    server.enroll("web-1", "Linux").await;
    let cases = [
        json!({"snippet": "print(1)", "targets": {}}),
        json!({"snippet": "print(1)", "targets": {"endpoint_ids": ["0123"]}}),
        json!({"snippet": "print(1)", "targets": {"filter": {"name": "db-*"}}}),
        json!({"snippet": "print(1)", "targets": {"filter": {"status": "asleep", "ip": "10.0.0.0/99"}}}),
        json!({"snippet": "print(1)", "timeout": 0, "targets": {"filter": {}}}),
        json!({"snippet": "   ", "targets": {"filter": {}}}),
        json!({"targets": {"filter": {}}}),
    ];
    for body in cases {
        let reply = server.post("/actions", &server.admin, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            reply.body
        );
    }
    let both = json!({"snippet": "print(1)", "targets": {"filter": {"status": "asleep", "ip": "10.0.0.0/99"}}});
    let error = server.post("/actions", &server.admin, both).await.body["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.contains("asleep") && error.contains("10.0.0.0/99"),
        "{error}"
    );
}

#[tokio::test]
async fn a_manifest_with_problems_is_refused_listing_each() {
    let server = TestServer::start().await;
    let mut bad = manifest("sized", "Risky", "Linux,BeOS");
    bad["timeout"] = json!(-1);
    let reply = server
        .post(
            "/scripts",
            &server.admin,
            json!({"code": CODE, "manifest": bad}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = reply.body["error"].as_str().unwrap();
    assert!(error.lines().count() >= 4, "one line per problem: {error}");
    assert!(error.contains("Risky") && error.contains("BeOS"), "{error}");

    let reply = server
        .post(
            "/scripts",
            &server.admin,
            json!({"code": CODE, "manifest": 3}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn unknown_routes_and_ids_are_404_in_json() {
    let server = TestServer::start().await;
    for path in [
        "/nothing",
        "/actions/abc",
        "/actions/99",
        "/scripts/feedface",
    ] {
        let reply = server.get(path, &server.admin).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(reply.body["error"].is_string(), "{path}");
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let server = TestServer::with(|config| config.max_body_bytes = 1024).await;
    let body = json!({"snippet": "#".repeat(2048), "targets": {"filter": {}}});
    let reply = server.post("/actions", &server.admin, body).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body["error"].is_string());
}
