//! A caller without a route's permission is refused before anything it names is looked up
//! or its body is judged: a missing action, a missing or deleted script, or a body that does
//! not parse all get 403, so that the answer tells it nothing about the store. Roles that
//! may run scripts still get their 403 when the action or script named needs more.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::json;
use ward::api::people::Role;

use super::super::support::{CODE, TestServer, manifest, request};
use super::{Key, assert_contract_error, console, short, standard};

#[tokio::test]
async fn a_caller_without_the_permission_learns_nothing_of_what_it_names() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let targets = json!({"endpoint_ids": [agent.id]});
    let run = |uid: &str| {
        json!({"script_uid": uid, "parameters": {"path": "/x"}, "targets": targets}).to_string()
    };
    let doomed = server
        .upload(CODE, manifest("doomed", "High Risk", "Linux"))
        .await;
    let orphan = server
        .run(serde_json::from_str(&run(&doomed)).unwrap_or_default())
        .await;
    let path = format!("/scripts/{doomed}");
    let gone = server
        .call("DELETE", &path, Some(&server.admin), None)
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{:?}", gone.body);
    let missing = "0".repeat(32);

    use Role::{Analyst, Suspended, Viewer};
    let cannot_run: &[Role] = &[Suspended, Viewer];
    let cannot_run_high_risk: &[Role] = &[Suspended, Viewer, Analyst];
    let routes = [
        (
            "POST",
            "/actions/999999/cancel".to_owned(),
            String::new(),
            cannot_run,
        ),
        (
            "POST",
            "/actions/999999/abort".to_owned(),
            String::new(),
            cannot_run,
        ),
        (
            "POST",
            "/actions/999999/rerun".to_owned(),
            String::new(),
            cannot_run,
        ),
        ("POST", "/actions".to_owned(), run(&missing), cannot_run),
        ("POST", "/actions".to_owned(), "{".to_owned(), cannot_run),
        (
            "POST",
            "/actions".to_owned(),
            json!({"targets": targets}).to_string(),
            cannot_run,
        ),
        (
            "POST",
            "/actions".to_owned(),
            run(&doomed),
            cannot_run_high_risk,
        ),
        (
            "POST",
            format!("/actions/{orphan}/rerun"),
            String::new(),
            cannot_run_high_risk,
        ),
        (
            "GET",
            "/actions/999999".to_owned(),
            String::new(),
            &[Suspended],
        ),
        (
            "GET",
            format!("/scripts/{missing}"),
            String::new(),
            &[Suspended],
        ),
        (
            "PUT",
            format!("/scripts/{missing}"),
            "{".to_owned(),
            cannot_run_high_risk,
        ),
        (
            "DELETE",
            format!("/scripts/{missing}"),
            String::new(),
            cannot_run_high_risk,
        ),
    ];
    for (method, path, body, roles) in routes {
        for role in roles {
            let key = server.key(*role).await;
            let request = request(method, &path, Some(&key), Body::from(body.clone()));
            let seen = server.fetch(request).await;
            assert_eq!(
                seen.status,
                StatusCode::FORBIDDEN,
                "{method} {path} with {body:.60} as {role:?}: got {} {}",
                seen.status,
                short(&seen.body)
            );
        }
    }

    let calls = [
        ("/scripts/run_script", json!({"script_uid": missing})),
        ("/scripts/run_script", json!({})),
        (
            "/scripts/run_snippet_code_script",
            json!({"snippet_code": 1}),
        ),
    ];
    for role in [Role::Suspended, Role::Viewer] {
        let key = Key::parse(&server.key(role).await);
        for (call, data) in &calls {
            let uri = format!("/public_api/v1{call}");
            let body = Body::from(json!({ "request_data": data }).to_string());
            let seen = console(&server, "POST", &uri, &standard(&key), body).await;
            let what = format!("POST {uri} with {data} as {role:?}");
            assert_eq!(
                seen.status,
                StatusCode::FORBIDDEN,
                "{what}: {}",
                short(&seen.body)
            );
            assert_contract_error(&seen, &what);
        }
    }
}
