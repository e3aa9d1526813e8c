//! The script library through the console's calls: listing with the console's filters (string
//! booleans, `in` lists), metadata with the entry point, code as a bare string, and the
//! console's built-in uids answered by ward's built-ins.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::support::{Console, Scheme, Server, T0};

/// The console's uid of `delete_file`, hard-coded in its client.
const CONSOLE_DELETE_FILE: &str = "548023b6e4a01ec51a495ba6e5d2a15d";

async fn names(console: &Console<'_>, filters: Value) -> Vec<String> {
    let reply = console
        .call("/scripts/get_scripts/", json!({ "filters": filters }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let scripts = reply.body["reply"]["scripts"].as_array().cloned();
    let mut names: Vec<String> = scripts
        .unwrap_or_default()
        .iter()
        .map(|s| s["name"].as_str().unwrap_or("").to_owned())
        .collect();
    names.sort();
    names
}

fn filter(field: &str, value: Value) -> Value {
    json!({"field": field, "operator": "in", "value": value})
}

#[tokio::test]
async fn get_scripts_lists_every_script_with_the_console_fields() {
    let server = Server::start().await;
    let uid = server.upload("sized").await;
    let console = server.console(&server.admin, Scheme::Advanced);
    let reply = console
        .call("/scripts/get_scripts/", json!({"filters": []}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let answer = &reply.body["reply"];
    let scripts = answer["scripts"].as_array().cloned().unwrap_or_default();
    assert_eq!(scripts.len(), 11, "ten built-ins and the upload");
    assert_eq!(answer["total_count"], 11);
    assert_eq!(answer["result_count"], 11);

    let sized = scripts.iter().find(|s| s["script_uid"] == uid.as_str());
    let sized = sized.expect("the upload is listed");
    assert_eq!(sized["name"], "sized");
    assert_eq!(sized["description"], "Sizes a path.");
    assert_eq!(sized["modification_date"], T0 * 1000);
    assert_eq!(sized["created_by"], "admin");
    assert_eq!(sized["is_high_risk"], false);
    assert_eq!(sized["linux_supported"], true);
    assert_eq!(sized["windows_supported"], false);
    assert_eq!(sized["macos_supported"], false);
    let id = sized["script_id"].as_u64().expect("a numeric script id");
    assert_eq!(format!("{id:013x}"), uid[..13]);
}

#[tokio::test]
async fn get_scripts_filters_by_name_author_risk_and_platform_as_the_client_sends_them() {
    let server = Server::start().await;
    server.upload("sized").await;
    server.upload("counted").await;
    let console = server.console(&server.admin, Scheme::Advanced);

    let by_name = names(
        &console,
        json!([filter("name", json!(["sized", "delete_file"]))]),
    )
    .await;
    assert_eq!(by_name, ["delete_file", "sized"]);
    let by_author = names(&console, json!([filter("created_by", json!(["admin"]))])).await;
    assert_eq!(by_author, ["counted", "sized"]);

    // Booleans arrive as the strings the user typed.
    let linux_only = json!([
        filter("windows_supported", json!(["false"])),
        filter("is_high_risk", json!(["false"])),
    ]);
    assert_eq!(names(&console, linux_only).await, ["counted", "sized"]);
    let high_risk = names(&console, json!([filter("is_high_risk", json!(["true"]))])).await;
    assert!(
        high_risk.contains(&"delete_file".to_owned()),
        "{high_risk:?}"
    );
    assert!(!high_risk.contains(&"sized".to_owned()), "{high_risk:?}");
    let windows_only = names(&console, json!([filter("linux_supported", json!([false]))])).await;
    assert_eq!(
        windows_only,
        ["registry_delete", "registry_get", "registry_set"]
    );

    let later = json!([{"field": "modification_date", "operator": "gte", "value": T0 * 1000 + 1}]);
    assert!(names(&console, later).await.is_empty());
}

#[tokio::test]
async fn an_unknown_filter_is_refused_naming_the_filters_there_are() {
    let server = Server::start().await;
    let console = server.console(&server.admin, Scheme::Standard);
    let reply = console
        .call(
            "/scripts/get_scripts",
            json!({"filters": [filter("colour", json!(["red"]))]}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    assert_eq!(reply.body["reply"]["err_code"], 400);
    let extra = reply.body["reply"]["err_extra"].as_str().unwrap_or("");
    assert!(extra.contains("is_high_risk"), "{extra}");
}

#[tokio::test]
async fn metadata_describes_the_entry_point_its_inputs_and_its_dictionary_output() {
    let server = Server::start().await;
    let uid = server.upload("sized").await;
    let console = server.console(&server.admin, Scheme::Advanced);
    let reply = console
        .call("/scripts/get_script_metadata/", json!({"script_uid": uid}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let metadata = &reply.body["reply"];
    assert_eq!(metadata["script_uid"], uid.as_str());
    assert_eq!(metadata["modification_date"], T0 * 1000);
    assert_eq!(metadata["entry_point"], "run");
    assert_eq!(
        metadata["script_input"],
        json!([{"name": "path", "type": "string"}])
    );
    assert_eq!(metadata["script_output_type"], "dictionary");
    assert_eq!(
        metadata["script_output_dictionary_definitions"],
        json!([{"name": "size", "friendly_name": "Size", "type": "number"}])
    );
}

#[tokio::test]
async fn code_is_the_bare_reply_string() {
    let server = Server::start().await;
    let uid = server.upload("sized").await;
    let console = server.console(&server.admin, Scheme::Advanced);
    let reply = console
        .call("/scripts/get_script_code/", json!({"script_uid": uid}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let code = reply.body["reply"].as_str().expect("a string reply");
    assert!(code.starts_with("import os\n\ndef run(path):"), "{code}");
}

#[tokio::test]
async fn the_consoles_builtin_uids_answer_with_wards_builtin_of_the_same_name() {
    let server = Server::start().await;
    let console = server.console(&server.admin, Scheme::Advanced);
    let reply = console
        .call(
            "/scripts/get_script_metadata/",
            json!({"script_uid": CONSOLE_DELETE_FILE}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["reply"]["name"], "delete_file");
    assert_eq!(reply.body["reply"]["is_high_risk"], true);
    assert_eq!(
        reply.body["reply"]["script_input"],
        json!([{"name": "file_path", "type": "string"}])
    );
    let uid_filter = json!([filter("script_uid", json!([CONSOLE_DELETE_FILE]))]);
    assert_eq!(names(&console, uid_filter).await, ["delete_file"]);
}

#[tokio::test]
async fn an_unknown_script_is_a_404_in_the_console_shape() {
    let server = Server::start().await;
    let console = server.console(&server.admin, Scheme::Advanced);
    let reply = console
        .call(
            "/scripts/get_script_code",
            json!({"script_uid": "0".repeat(32)}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{:?}", reply.body);
    assert_eq!(reply.body["reply"]["err_code"], 404);
    let message = reply.body["reply"]["err_msg"].as_str().unwrap_or("");
    assert!(message.contains("no script"), "{message}");
}
