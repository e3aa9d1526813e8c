//! The library through the API: built-ins, upload, edit, soft delete, and the guest-side checks
//! when the server has a sandbox.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::json;
use ward::capability::HostAccess;
use ward::server::{AppState, Clock, Config, add_user, router};

use super::support::{CODE, T0, TestServer, manifest};

#[tokio::test]
async fn the_ten_builtins_are_listed_read_only_by_ward() {
    let server = TestServer::start().await;
    let list = server.get("/scripts", &server.admin).await.body;
    let builtins: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["builtin"] == true)
        .collect();
    assert_eq!(builtins.len(), 10);
    assert!(builtins.iter().all(|s| s["created_by"] == "ward"));

    let uid = server.builtin("delete_file").await;
    let edit = json!({"code": CODE, "manifest": manifest("delete_file", "Standard", "Linux")});
    let reply = server
        .call(
            "PUT",
            &format!("/scripts/{uid}"),
            Some(&server.admin),
            Some(edit),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let reply = server
        .call(
            "DELETE",
            &format!("/scripts/{uid}"),
            Some(&server.admin),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(reply.body["error"].as_str().unwrap().contains("built-in"));
}

#[tokio::test]
async fn builtins_keep_their_uid_across_restarts() {
    let server = TestServer::start().await;
    let uid = server.builtin("get_process_list").await;
    let reopened = AppState::open(server.state.config().clone(), Clock::frozen(T0), None)
        .await
        .unwrap();
    let again = TestServer {
        router: router(reopened.clone()),
        state: reopened,
        ..server
    };
    assert_eq!(again.builtin("get_process_list").await, uid);
    let list = again.get("/scripts", &again.admin).await.body;
    assert_eq!(
        list.as_array().unwrap().len(),
        10,
        "seeding twice adds nothing"
    );
}

#[tokio::test]
async fn an_uploaded_script_is_shown_with_its_manifest_and_code() {
    let server = TestServer::start().await;
    let uid = server
        .upload(CODE, manifest("sized", "High Risk", "Linux,macOS"))
        .await;
    let info = server
        .get(&format!("/scripts/{uid}"), &server.admin)
        .await
        .body;
    assert_eq!(info["name"], "sized");
    assert_eq!(info["outcome"], "High Risk");
    assert_eq!(info["platforms"], json!(["Linux", "macOS"]));
    assert_eq!(info["created_by"], "admin");
    assert_eq!(info["manifest"]["entry_point"], "run");
    assert_eq!(info["sha256"], super::support::sha256(CODE.as_bytes()));

    let code = server
        .get(&format!("/scripts/{uid}/code"), &server.admin)
        .await;
    assert_eq!(code.status, StatusCode::OK);
    assert_eq!(std::str::from_utf8(&code.bytes).unwrap(), CODE);

    let duplicate = json!({"code": CODE, "manifest": manifest("SIZED", "Standard", "Linux")});
    assert_eq!(
        server
            .post("/scripts", &server.admin, duplicate)
            .await
            .status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn a_manifest_given_as_text_is_read_like_a_definitions_file() {
    let server = TestServer::start().await;
    let text = manifest("texty", "Standard", "Linux").to_string();
    let reply = server
        .post(
            "/scripts",
            &server.admin,
            json!({"code": CODE, "manifest": text}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
}

#[tokio::test]
async fn a_deleted_script_leaves_the_list_but_stays_readable() {
    let server = TestServer::start().await;
    let uid = server
        .upload(CODE, manifest("sized", "Standard", "Linux"))
        .await;
    server
        .call(
            "DELETE",
            &format!("/scripts/{uid}"),
            Some(&server.admin),
            None,
        )
        .await;
    let list = server.get("/scripts", &server.admin).await.body;
    assert!(
        !list
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["script_uid"] == uid)
    );
    let info = server
        .get(&format!("/scripts/{uid}"), &server.admin)
        .await
        .body;
    assert_eq!(info["deleted"], true);
    let reply = server
        .call(
            "DELETE",
            &format!("/scripts/{uid}"),
            Some(&server.admin),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    server
        .upload(CODE, manifest("sized", "Standard", "Linux"))
        .await;
}

#[tokio::test]
async fn with_a_sandbox_uploads_are_parsed_by_the_guest_interpreter() {
    let dir = tempfile::Builder::new()
        .prefix("ward-server-test-")
        .tempdir()
        .unwrap();
    let sandbox = Arc::new(crate::common::sandbox_with(HostAccess::none()));
    let state = AppState::open(Config::new(dir.path()), Clock::frozen(T0), Some(sandbox))
        .await
        .unwrap();
    let admin = add_user(
        state.db(),
        "admin",
        ward::api::people::Role::Administrator,
        T0,
    )
    .await
    .unwrap()
    .api_key;
    let server = TestServer {
        router: router(state.clone()),
        state,
        admin,
        secret: String::new(),
        dir,
    };

    let broken = "def run(path):\n  return {'size': 1}\n    oops\n";
    let reply = server
        .post(
            "/scripts",
            &server.admin,
            json!({"code": broken, "manifest": manifest("broken", "Standard", "Linux")}),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        reply.body
    );
    assert!(
        reply.body["error"].as_str().unwrap().contains("line 3"),
        "{:?}",
        reply.body
    );

    let fine = server
        .post(
            "/scripts",
            &server.admin,
            json!({"code": CODE, "manifest": manifest("fine", "Standard", "Linux")}),
        )
        .await;
    assert_eq!(fine.status, StatusCode::CREATED, "{:?}", fine.body);
}
