//! Hostile ids and file names on every route that takes one: `..`, encoded dots and slashes,
//! NUL, bytes that are not UTF-8 and very long ids, sent by callers who may use the route. Each
//! is 400 or 404 (ward's API), the same in the console's shape (the console API; a download
//! token that is not a link is 401), never a 5xx; a retrieved file's name never places a file
//! outside the store.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Value, json};
use ward::status::Status;

use super::super::support::{CODE, Seen, TestServer, manifest, request, run_result, sha256};
use super::{Key, assert_contract_error, console, short, standard};

/// Ids as they go into a URL path.
fn hostile_segments() -> Vec<String> {
    let mut ids: Vec<String> = [
        "..",
        "%2e%2e",
        "%2E%2E",
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "..%5C..%5Cwindows",
        "..%252F..%252Fetc",
        "%00",
        "1%00",
        "a%00b",
        "%FF%FE",
        "1..2",
        "../../etc/passwd",
        "..;/..;/",
        "%20",
        "-1",
        "99999999999999999999999",
    ]
    .map(str::to_owned)
    .into();
    ids.push("7".repeat(10_000));
    // Just under the longest URI the HTTP layer takes (64 KiB).
    ids.push("a".repeat(60_000));
    ids
}

/// Ids as they go into a JSON body.
fn hostile_values() -> Vec<Value> {
    let mut ids: Vec<Value> = [
        "..",
        "../../etc/passwd",
        "..\\..\\windows",
        "\0",
        "a\0b",
        "",
        " ",
    ]
    .map(Value::from)
    .into();
    ids.push(Value::from("7".repeat(10_000)));
    ids.extend([
        json!(-1),
        json!(i64::MAX),
        json!(1.5),
        json!(null),
        json!(["1"]),
        json!({}),
    ]);
    ids
}

fn refused_as_ward(seen: &Seen, what: &str) {
    let refused = [StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND];
    assert!(
        refused.contains(&seen.status),
        "{what}: got {} {}",
        seen.status,
        short(&seen.body)
    );
    let shaped = seen.body["error"].is_string() && seen.body["hint"].is_string();
    assert!(
        shaped,
        "{what}: got {} without ward's error shape",
        seen.status
    );
}

#[tokio::test]
async fn hostile_ids_are_400_or_404_on_every_route_that_takes_one() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let script = server
        .upload(CODE, manifest("sized", "Standard", "Linux"))
        .await;
    let action = server
        .run(
            json!({"script_uid": script, "parameters": {"path": "/etc/hostname"},
                    "targets": {"endpoint_ids": [agent.id]}}),
        )
        .await;
    let edit =
        json!({"code": CODE, "manifest": manifest("sized", "Standard", "Linux")}).to_string();
    let result = json!({"result": run_result(Status::CompletedSuccessfully, json!({})),
                        "failed_files": []})
    .to_string();
    let status = json!({"status": "In Progress"}).to_string();
    let admin = Key::parse(&server.admin);

    for id in hostile_segments() {
        let user_routes = [
            ("GET", format!("/scripts/{id}"), String::new()),
            ("PUT", format!("/scripts/{id}"), edit.clone()),
            ("DELETE", format!("/scripts/{id}"), String::new()),
            ("GET", format!("/scripts/{id}/code"), String::new()),
            ("GET", format!("/actions/{id}"), String::new()),
            ("GET", format!("/actions/{id}/results"), String::new()),
            ("GET", format!("/actions/{id}/results.tsv"), String::new()),
            ("GET", format!("/actions/{id}/events"), String::new()),
            ("GET", format!("/actions/{id}/aggregate"), String::new()),
            (
                "GET",
                format!("/actions/{action}/aggregate?endpoint_id={id}"),
                String::new(),
            ),
            ("POST", format!("/actions/{id}/cancel"), String::new()),
            ("POST", format!("/actions/{id}/abort"), String::new()),
            ("POST", format!("/actions/{id}/rerun"), String::new()),
            ("GET", format!("/actions/{id}/files"), String::new()),
            (
                "GET",
                format!("/actions/{id}/endpoints/{}/files", agent.id),
                String::new(),
            ),
            (
                "GET",
                format!("/actions/{action}/endpoints/{id}/files"),
                String::new(),
            ),
        ];
        for (method, path, body) in user_routes {
            if path.ends_with("endpoint_id=%20") {
                // A blank `endpoint_id` is no filter: every endpoint's values, as documented.
                continue;
            }
            let seen = server
                .fetch(request(
                    method,
                    &path,
                    Some(&server.admin),
                    Body::from(body),
                ))
                .await;
            refused_as_ward(&seen, &format!("{method} {path:.120} as Administrator"));
        }
        let file = format!("/agent/jobs/{id}/files?path=x&sha256={}", sha256(b"x"));
        let agent_routes = [
            ("POST", format!("/agent/jobs/{id}/status"), status.clone()),
            ("PUT", format!("/agent/jobs/{id}/result"), result.clone()),
            ("PUT", file, "x".to_owned()),
        ];
        for (method, path, body) in agent_routes {
            let seen = server
                .fetch(request(method, &path, Some(&agent.token), Body::from(body)))
                .await;
            refused_as_ward(&seen, &format!("{method} {path:.120} as the agent"));
        }
        let uri = format!("/public_api/v1/download/{id}");
        let seen = console(&server, "GET", &uri, &Vec::new(), Body::empty()).await;
        let refused = [
            StatusCode::BAD_REQUEST,
            StatusCode::UNAUTHORIZED,
            StatusCode::NOT_FOUND,
        ];
        let what = format!("GET {uri:.120}");
        assert!(
            refused.contains(&seen.status),
            "{what}: got {} {}",
            seen.status,
            short(&seen.body)
        );
        assert_contract_error(&seen, &what);
    }

    for id in hostile_values() {
        let calls = [
            ("/scripts/get_script_metadata", json!({"script_uid": id})),
            ("/scripts/get_script_code", json!({"script_uid": id})),
            (
                "/scripts/get_script_execution_status",
                json!({"action_id": id}),
            ),
            (
                "/scripts/get_script_execution_results",
                json!({"action_id": id}),
            ),
            (
                "/scripts/get_script_execution_results_files",
                json!({"action_id": id, "endpoint_id": agent.id}),
            ),
            (
                "/scripts/get_script_execution_results_files",
                json!({"action_id": action, "endpoint_id": id}),
            ),
            ("/actions/get_action_status", json!({"group_action_id": id})),
        ];
        for (call, data) in calls {
            let uri = format!("/public_api/v1{call}");
            let body = Body::from(json!({ "request_data": data }).to_string());
            let seen = console(&server, "POST", &uri, &standard(&admin), body).await;
            let what = format!("POST {uri} with {:.120} as Administrator", data.to_string());
            let refused = [StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND];
            assert!(
                refused.contains(&seen.status),
                "{what}: got {} {}",
                seen.status,
                short(&seen.body)
            );
            assert_contract_error(&seen, &what);
        }
    }
}

#[tokio::test]
async fn retrieved_file_names_never_place_a_file_outside_the_store() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let script = server
        .upload(CODE, manifest("sized", "Standard", "Linux"))
        .await;
    let job = server.pulled_job(&script, &agent).await;
    let unique = format!("ward-escape-{}", uuid::Uuid::new_v4().simple());
    let content = unique.as_bytes();
    let store = server.state.files_dir();

    let names = [
        format!("../../{unique}"),
        format!("../../../../../../tmp/{unique}"),
        format!("..\\..\\{unique}"),
        format!("/{unique}/../../{unique}"),
        format!("C:\\..\\{unique}"),
    ];
    for name in &names {
        let seen = agent
            .upload(&server, &job, name, &sha256(content), content)
            .await;
        let what = format!("PUT /agent/jobs/{job}/files with path {name}");
        assert!(
            seen.status.is_success(),
            "{what}: got {} {}",
            seen.status,
            seen.body
        );
    }
    for name in [format!("a\0{unique}"), "x".repeat(5000), String::new()] {
        let seen = agent
            .upload(&server, &job, &name, &sha256(content), content)
            .await;
        let what = format!(
            "PUT /agent/jobs/{job}/files with path {:.40}",
            name.escape_debug()
        );
        assert_eq!(
            seen.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            seen.body
        );
    }

    for name in &names {
        for base in [
            store.clone(),
            std::env::temp_dir(),
            std::env::current_dir().unwrap_or_default(),
        ] {
            let path = base.join(name.replace('\\', "/"));
            assert!(
                !path.exists(),
                "the file named {name} landed at {}",
                path.display()
            );
        }
    }
    let kept: Vec<_> = std::fs::read_dir(&store)
        .expect("the store is a directory")
        .filter_map(Result::ok)
        .filter(|entry| std::fs::read(entry.path()).is_ok_and(|bytes| bytes == content))
        .collect();
    assert!(!kept.is_empty(), "the uploads are kept in the store");
    for entry in kept {
        let stored = entry.file_name().to_string_lossy().into_owned();
        let generated = stored.bytes().all(|b| b.is_ascii_hexdigit());
        assert!(
            generated,
            "a retrieved file is kept under `{stored}`, not a generated name"
        );
    }
}
