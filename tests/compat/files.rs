//! Result files behind the console's download link (the client cuts the link at `download`,
//! then fetches it with the same headers), the link's refusals, and every call served with and
//! without its trailing slash.

use std::io::Read;

use axum::body::Body;
use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use ward::status::Status;

use super::support::{Agent, Console, Scheme, Server, sha256};

const CONTENT: &[u8] = b"line one\nline two\n";

/// An action of the `sized` script on `agent`, finished with one retrieved file.
async fn finished_with_a_file(server: &Server, agent: &Agent) -> Value {
    let console = server.console(&server.admin, Scheme::Advanced);
    let filters = json!([{"field": "endpoint_id_list", "operator": "in", "value": [agent.id]}]);
    let run = json!({"script_uid": server.upload("sized").await, "timeout": 600,
                     "filters": filters, "parameters_values": {"path": "/"}});
    let reply = console.call("/scripts/run_script/", run).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);

    let job = agent.pull_one(server).await;
    let uri = format!(
        "/agent/jobs/{}/files?path=/var/log/app.log&sha256={}",
        job["job_id"].as_str().unwrap_or(""),
        sha256(CONTENT)
    );
    let reply = server
        .api("PUT", &uri, Some(&agent.token), Body::from(CONTENT))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    agent
        .finish(
            server,
            &job,
            Status::CompletedSuccessfully,
            json!({"size": 18}),
        )
        .await;
    job["action_id"].clone()
}

/// The link's path from `download` on, as the console's client takes it.
async fn link(console: &Console<'_>, action_id: &Value, endpoint_id: &str) -> String {
    let request = json!({"action_id": action_id.to_string(), "endpoint_id": endpoint_id});
    let reply = console
        .call("/scripts/get_script_execution_results_files", request)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let data = reply.body["reply"]["DATA"]
        .as_str()
        .expect("a link in DATA");
    let at = data.find("download").expect("the link has `download`");
    assert!(data[..at].ends_with("/public_api/v1/"), "{data}");
    format!("/public_api/v1/{}", &data[at..])
}

#[tokio::test]
async fn the_result_files_link_downloads_a_zip_with_the_same_headers() {
    let server = Server::start().await;
    let agent = server.enroll("web-1").await;
    let action_id = finished_with_a_file(&server, &agent).await;

    let console = server.console(&server.admin, Scheme::Advanced);
    let results = console
        .call(
            "/scripts/get_script_execution_results",
            json!({"action_id": action_id}),
        )
        .await;
    let item = &results.body["reply"]["results"][0];
    assert_eq!(item["retrieved_files"], 1);
    assert!(item["retention_date"].as_i64().is_some(), "{item}");

    let path = link(&console, &action_id, &agent.id).await;
    let reply = console.send("GET", &path, Body::empty()).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert!(reply.bytes.starts_with(b"PK\x03\x04"));
    let disposition = reply.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap_or("");
    let name = disposition
        .strip_prefix("attachment; filename=")
        .expect("the client's split works");
    assert_eq!(name, format!("{action_id}-{}.zip", agent.id));

    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(reply.bytes.to_vec()))
        .expect("the body is a ZIP");
    let mut entry = zip
        .by_name("web-1/var/log/app.log")
        .expect("the file is in it");
    let mut content = Vec::new();
    entry.read_to_end(&mut content).expect("the entry reads");
    assert_eq!(content, CONTENT);
}

#[tokio::test]
async fn the_link_works_alone_but_not_tampered_with_expired_or_with_a_wrong_hash() {
    let server = Server::start().await;
    let agent = server.enroll("web-1").await;
    let action_id = finished_with_a_file(&server, &agent).await;
    let console = server.console(&server.admin, Scheme::Advanced);
    let path = link(&console, &action_id, &agent.id).await;

    let bare = server.console_with(&[]);
    let reply = bare.send("GET", &path, Body::empty()).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "a signed link needs no headers"
    );

    let other = server.enroll("web-2").await;
    let tampered = path.replace(&agent.id, &other.id);
    let reply = bare.send("GET", &tampered, Body::empty()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.body);
    assert_eq!(
        reply.body["reply"]["err_msg"],
        "Public API request unauthorized"
    );

    let mut wrong = server.console(&server.admin, Scheme::Advanced);
    wrong.headers[1].1 = sha256(b"wrong");
    let reply = wrong.send("GET", &path, Body::empty()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.body);

    server
        .state
        .clock()
        .advance(601)
        .expect("the test clock moves");
    let reply = bare.send("GET", &path, Body::empty()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.body);
    let extra = reply.body["reply"]["err_extra"].as_str().unwrap_or("");
    assert!(extra.contains("expired"), "{extra}");
}

#[tokio::test]
async fn files_of_an_endpoint_outside_the_action_are_a_404() {
    let server = Server::start().await;
    let agent = server.enroll("web-1").await;
    let action_id = finished_with_a_file(&server, &agent).await;
    let console = server.console(&server.admin, Scheme::Standard);
    let request = json!({"action_id": action_id, "endpoint_id": "f".repeat(32)});
    let reply = console
        .call("/scripts/get_script_execution_results_files", request)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{:?}", reply.body);
    assert_eq!(reply.body["reply"]["err_code"], 404);
}

#[tokio::test]
async fn every_call_is_served_with_and_without_its_trailing_slash() {
    let server = Server::start().await;
    let agent = server.enroll("web-1").await;
    let action_id = finished_with_a_file(&server, &agent).await;
    let uid = server.upload("listed").await;
    let filters = json!([{"field": "endpoint_id_list", "operator": "in", "value": [agent.id]}]);
    let calls = [
        ("/scripts/get_scripts", json!({"filters": []})),
        ("/scripts/get_script_metadata", json!({"script_uid": uid})),
        ("/scripts/get_script_code", json!({"script_uid": uid})),
        (
            "/scripts/run_script",
            json!({"script_uid": uid, "filters": filters, "parameters_values": {"path": "/"}}),
        ),
        (
            "/scripts/run_snippet_code_script",
            json!({"filters": filters, "snippet_code": "print(1)"}),
        ),
        (
            "/scripts/get_script_execution_status",
            json!({"action_id": action_id}),
        ),
        (
            "/scripts/get_script_execution_results",
            json!({"action_id": action_id}),
        ),
        (
            "/scripts/get_script_execution_results_files",
            json!({"action_id": action_id, "endpoint_id": agent.id}),
        ),
        (
            "/actions/get_action_status",
            json!({"group_action_id": action_id}),
        ),
    ];
    let console = server.console(&server.admin, Scheme::Advanced);
    for (path, request) in calls {
        for form in [path.to_owned(), format!("{path}/")] {
            let reply = console.call(&form, request.clone()).await;
            assert_eq!(reply.status, StatusCode::OK, "{form}: {:?}", reply.body);
        }
    }
    let download = link(&console, &action_id, &agent.id).await;
    for form in [download.clone(), format!("{download}/")] {
        let reply = console.send("GET", &form, Body::empty()).await;
        assert_eq!(reply.status, StatusCode::OK, "{form}: {:?}", reply.body);
    }
}
