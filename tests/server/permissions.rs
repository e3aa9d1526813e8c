//! The permission matrix of users: every user route refused without a key (401), with a wrong
//! key (401), with a role lacking its permission (403), and served to a role that has it.

use axum::http::StatusCode;
use serde_json::{Value, json};
use ward::api::people::Role;

use super::support::{CODE, TestServer, manifest};

struct Case {
    method: &'static str,
    path: String,
    body: Option<Value>,
    /// A role without the permission.
    refused: Role,
    /// A role with it, and what it gets.
    permitted: Role,
    success: StatusCode,
}

fn case(
    method: &'static str,
    path: String,
    body: Option<Value>,
    refused: Role,
    permitted: Role,
    success: StatusCode,
) -> Case {
    Case {
        method,
        path,
        body,
        refused,
        permitted,
        success,
    }
}

#[tokio::test]
async fn every_user_route_checks_the_key_and_the_permission() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let script = server
        .upload(CODE, manifest("sized", "Standard", "Linux"))
        .await;
    let doomed = server
        .upload(CODE, manifest("doomed", "Standard", "Linux"))
        .await;
    let risky = server
        .upload(CODE, manifest("risky", "High Risk", "Linux"))
        .await;
    let targets = json!({"endpoint_ids": [agent.id]});
    let standard =
        json!({"script_uid": script, "parameters": {"path": "/etc/hostname"}, "targets": targets});
    let high_risk = json!({"script_uid": risky, "parameters": {"path": "/x"}, "targets": targets});
    let snippet = json!({"snippet": "print(1)", "targets": targets});
    let action = server.run(standard.clone()).await;
    let edited = json!({"code": CODE, "manifest": manifest("sized", "Standard", "Linux,Windows")});
    let new_script = json!({"code": CODE, "manifest": manifest("fresh", "Standard", "Linux")});

    use Role::*;
    use StatusCode as S;
    let a = format!("/actions/{action}");
    let cases = [
        case(
            "POST",
            "/users".into(),
            Some(json!({"name": "bob", "role": "viewer"})),
            Responder,
            Administrator,
            S::CREATED,
        ),
        case("GET", "/scripts".into(), None, Suspended, Viewer, S::OK),
        case(
            "GET",
            format!("/scripts/{script}"),
            None,
            Suspended,
            Viewer,
            S::OK,
        ),
        case(
            "GET",
            format!("/scripts/{script}/code"),
            None,
            Suspended,
            Viewer,
            S::OK,
        ),
        case(
            "POST",
            "/scripts".into(),
            Some(new_script),
            Responder,
            Administrator,
            S::CREATED,
        ),
        case(
            "PUT",
            format!("/scripts/{script}"),
            Some(edited),
            Responder,
            Administrator,
            S::OK,
        ),
        case(
            "DELETE",
            format!("/scripts/{doomed}"),
            None,
            Responder,
            Administrator,
            S::NO_CONTENT,
        ),
        case("GET", "/endpoints".into(), None, Suspended, Viewer, S::OK),
        case(
            "POST",
            "/actions".into(),
            Some(standard),
            Viewer,
            Analyst,
            S::CREATED,
        ),
        case(
            "POST",
            "/actions".into(),
            Some(high_risk),
            Analyst,
            Responder,
            S::CREATED,
        ),
        case(
            "POST",
            "/actions".into(),
            Some(snippet),
            Responder,
            Administrator,
            S::CREATED,
        ),
        case("GET", a.clone(), None, Suspended, Viewer, S::OK),
        case(
            "GET",
            format!("{a}/results"),
            None,
            Suspended,
            Viewer,
            S::OK,
        ),
        case("GET", format!("{a}/files"), None, Suspended, Viewer, S::OK),
        case(
            "GET",
            format!("{a}/endpoints/{}/files", agent.id),
            None,
            Suspended,
            Viewer,
            S::OK,
        ),
        case(
            "POST",
            format!("{a}/cancel"),
            Some(json!({})),
            Viewer,
            Analyst,
            S::OK,
        ),
        case(
            "POST",
            format!("{a}/abort"),
            Some(json!({})),
            Viewer,
            Analyst,
            S::OK,
        ),
        case(
            "POST",
            format!("{a}/rerun"),
            None,
            Viewer,
            Analyst,
            S::CREATED,
        ),
        case(
            "POST",
            "/test/clock".into(),
            Some(json!({"advance_secs": 1})),
            Responder,
            Administrator,
            S::OK,
        ),
    ];

    for case in cases {
        let what = format!("{} {}", case.method, case.path);
        let body = || case.body.clone();

        let reply = server.call(case.method, &case.path, None, body()).await;
        assert_eq!(
            reply.status,
            S::UNAUTHORIZED,
            "{what} without a key: {:?}",
            reply.body
        );
        assert!(
            reply.body["error"].is_string() && reply.body["hint"].is_string(),
            "{what}"
        );

        let wrong = format!("{}0", server.admin);
        for bad in [
            wrong.as_str(),
            "ward_00_11",
            "nonsense",
            agent.token.as_str(),
        ] {
            let reply = server
                .call(case.method, &case.path, Some(bad), body())
                .await;
            assert_eq!(
                reply.status,
                S::UNAUTHORIZED,
                "{what} with key {bad}: {:?}",
                reply.body
            );
        }

        let refused = server.key(case.refused).await;
        let reply = server
            .call(case.method, &case.path, Some(&refused), body())
            .await;
        assert_eq!(
            reply.status,
            S::FORBIDDEN,
            "{what} as {:?}: {:?}",
            case.refused,
            reply.body
        );

        let permitted = server.key(case.permitted).await;
        let reply = server
            .call(case.method, &case.path, Some(&permitted), body())
            .await;
        assert_eq!(
            reply.status, case.success,
            "{what} as {:?}: {:?}",
            case.permitted, reply.body
        );
    }
}

#[tokio::test]
async fn a_key_sent_without_the_bearer_scheme_is_refused() {
    let server = TestServer::start().await;
    let request = axum::http::Request::builder()
        .uri("/api/v1/scripts")
        .header("authorization", server.admin.clone())
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(server.send(request).await.status, StatusCode::UNAUTHORIZED);
}
