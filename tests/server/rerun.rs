//! Rerun: the same parameters, targets and timeout, the script's current version, the filter
//! evaluated again; refused with the reason when that cannot be.

use axum::http::StatusCode;
use serde_json::json;

use super::support::{CODE, TestServer, manifest};

#[tokio::test]
async fn rerun_uses_the_same_parameters_and_the_current_script() {
    let server = TestServer::start().await;
    let one = server.enroll("web-1", "Linux").await;
    let uid = server
        .upload(CODE, manifest("sized", "Standard", "Linux"))
        .await;
    let id = server
        .run(
            json!({"script_uid": uid, "parameters": {"path": "/etc/hosts"}, "timeout": 42,
                    "targets": {"filter": {"platform": "linux"}}}),
        )
        .await;
    one.pull_one(&server).await;

    let changed = format!("{CODE}# second version\n");
    let edit = json!({"code": changed, "manifest": manifest("sized", "Standard", "Linux")});
    assert_eq!(
        server
            .call(
                "PUT",
                &format!("/scripts/{uid}"),
                Some(&server.admin),
                Some(edit)
            )
            .await
            .status,
        StatusCode::OK
    );
    let two = server.enroll("web-2", "Linux").await;

    let reply = server
        .post(&format!("/actions/{id}/rerun"), &server.admin, json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    assert_eq!(
        reply.body["endpoints_count"], 2,
        "the filter is evaluated again"
    );
    let rerun = reply.body["action_id"].as_i64().unwrap();
    assert_ne!(rerun, id);

    let job = two.pull_one(&server).await;
    assert_eq!(job["action_id"], rerun);
    assert_eq!(job["parameters"], json!({"path": "/etc/hosts"}));
    assert_eq!(job["timeout_secs"], 42);
    assert!(
        job["code"]
            .as_str()
            .unwrap()
            .ends_with("# second version\n")
    );
}

#[tokio::test]
async fn rerun_is_refused_when_the_script_was_deleted() {
    let server = TestServer::start().await;
    let one = server.enroll("web-1", "Linux").await;
    let uid = server
        .upload(CODE, manifest("sized", "Standard", "Linux"))
        .await;
    let id = server
        .run(json!({"script_uid": uid, "parameters": {"path": "/"}, "targets": {"endpoint_ids": [one.id]}}))
        .await;
    let deleted = server
        .call(
            "DELETE",
            &format!("/scripts/{uid}"),
            Some(&server.admin),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);

    let reply = server
        .post(&format!("/actions/{id}/rerun"), &server.admin, json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(
        reply.body["error"]
            .as_str()
            .unwrap()
            .contains("was deleted"),
        "{:?}",
        reply.body
    );
    let old = server
        .get(&format!("/actions/{id}"), &server.admin)
        .await
        .body;
    assert_eq!(
        old["script_name"], "sized",
        "the old action still shows its script"
    );
}

#[tokio::test]
async fn rerun_is_refused_when_a_target_lost_its_platform() {
    let server = TestServer::start().await;
    let linux = server.enroll("web-1", "Linux").await;
    let windows = server.enroll("pc-1", "Windows").await;
    let uid = server
        .upload(CODE, manifest("sized", "Standard", "Linux,Windows"))
        .await;
    let id = server
        .run(json!({"script_uid": uid, "parameters": {"path": "/"}, "targets": {"endpoint_ids": [linux.id, windows.id]}}))
        .await;
    let edit = json!({"code": CODE, "manifest": manifest("sized", "Standard", "Linux")});
    server
        .call(
            "PUT",
            &format!("/scripts/{uid}"),
            Some(&server.admin),
            Some(edit),
        )
        .await;

    let reply = server
        .post(&format!("/actions/{id}/rerun"), &server.admin, json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let error = reply.body["error"].as_str().unwrap();
    assert!(
        error.contains("platforms") && error.contains("pc-1 (Windows)"),
        "{error}"
    );
}

#[tokio::test]
async fn rerun_is_refused_when_the_parameters_no_longer_fit() {
    let server = TestServer::start().await;
    let one = server.enroll("web-1", "Linux").await;
    let uid = server
        .upload(CODE, manifest("sized", "Standard", "Linux"))
        .await;
    let id = server
        .run(json!({"script_uid": uid, "parameters": {"path": "/"}, "targets": {"endpoint_ids": [one.id]}}))
        .await;
    let mut changed = manifest("sized", "Standard", "Linux");
    changed["entry_point_definition"]["input_params"][0]["type"] = json!("number");
    server
        .call(
            "PUT",
            &format!("/scripts/{uid}"),
            Some(&server.admin),
            Some(json!({"code": CODE, "manifest": changed})),
        )
        .await;

    let reply = server
        .post(&format!("/actions/{id}/rerun"), &server.admin, json!({}))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{:?}", reply.body);
    assert!(
        reply.body["error"]
            .as_str()
            .unwrap()
            .contains("no longer fit")
    );
}
