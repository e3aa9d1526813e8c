//! The command line against a real server: `ward endpoint list`, `ward action run --wait` and
//! `ward action status`, and the errors a user sees for a wrong key, a missing permission and a
//! server that is not running.

use std::process::Output;

use serde_json::Value;

use super::agent::{Agent, policy_reading};
use super::harness::{Server, ward};

/// Runs `ward ARGS` against `server` with `key`.
fn ward_cli(server: &str, key: &str, args: &[&str]) -> Output {
    ward()
        .args(args)
        .env("WARD_SERVER", server)
        .env("WARD_API_KEY", key)
        .output()
        .expect("the ward binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An API key for a new user with `role`, made by the administrator.
async fn user_key(server: &Server, role: &str) -> String {
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/users", server.url()))
        .bearer_auth(&server.admin_key)
        .json(&serde_json::json!({ "name": format!("e2e-{role}"), "role": role }))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a created user");
    answer["api_key"].as_str().expect("an API key").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_runs_a_builtin_and_says_what_to_do_when_refused() {
    let mut server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("present.txt"), b"here").unwrap();
    let mut agent = Agent::start(&server, "e2e-cli", &policy_reading(scratch.path()));
    let id = agent.connected(&server).await;
    let url = server.url();
    let key = server.admin_key.clone();

    let listed = ward_cli(&url, &key, &["endpoint", "list"]);
    assert!(
        text(&listed.stdout).contains("e2e-cli"),
        "{}",
        text(&listed.stderr)
    );

    let path = format!("path={}", scratch.path().join("present.txt").display());
    let args = [
        "action",
        "run",
        "--builtin",
        "file_exists",
        "--param",
        &path,
    ];
    let ran = ward_cli(
        &url,
        &key,
        &[&args[..], &["--endpoint", &id, "--wait", "--json"]].concat(),
    );
    assert_eq!(ran.status.code(), Some(0), "{}", text(&ran.stderr));
    let results: Value = serde_json::from_slice(&ran.stdout).expect("JSON results");
    assert_eq!(results[0]["status"], "Completed Successfully");
    assert_eq!(results[0]["returned"]["value"], true, "{results:#}");

    let by_tag = ward_cli(
        &url,
        &key,
        &[&args[..], &["--filter-tag", "e2e", "--wait"]].concat(),
    );
    assert!(
        text(&by_tag.stdout).contains("e2e-cli"),
        "{}",
        text(&by_tag.stderr)
    );
    let status = ward_cli(&url, &key, &["action", "status", "2"]);
    assert!(
        text(&status.stdout).contains("Completed Successfully: 1"),
        "{}",
        text(&status.stdout)
    );

    let wrong = ward_cli(&url, "ward_0000_0000", &["endpoint", "list"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        text(&wrong.stderr).contains("WARD_API_KEY"),
        "{}",
        text(&wrong.stderr)
    );

    let viewer = user_key(&server, "viewer").await;
    let refused = ward_cli(&url, &viewer, &[&args[..], &["--endpoint", &id]].concat());
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("permission"),
        "{}",
        text(&refused.stderr)
    );

    agent.kill();
    server.kill();
    let down = ward_cli(&url, &key, &["endpoint", "list"]);
    assert!(
        text(&down.stderr).contains("is `ward server` running"),
        "{}",
        text(&down.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_are_uploaded_listed_shown_and_read_back_through_the_server() {
    let server = Server::start().await;
    let (url, key) = (server.url(), server.admin_key.clone());
    let scratch = tempfile::tempdir().unwrap();
    let script = scratch.path().join("greet.py");
    std::fs::write(&script, "def run(name):\n    return 'hello ' + name\n").unwrap();
    let manifest = scratch.path().join("greet.json");
    std::fs::write(
        &manifest,
        r#"{"name":"greet","description":"Greets","outcome":"Standard","platform":"Linux","timeout":30,"entry_point":"run","entry_point_definition":{"input_params":[{"name":"name","type":"string"}],"output_params":{"type":"string","value":[]}}}"#,
    )
    .unwrap();

    let (script_arg, manifest_arg) = (script.to_str().unwrap(), manifest.to_str().unwrap());
    let uploaded = ward_cli(
        &url,
        &key,
        &[
            "script",
            "upload",
            script_arg,
            "--manifest",
            manifest_arg,
            "--json",
        ],
    );
    assert!(uploaded.status.success(), "{}", text(&uploaded.stderr));
    let info: Value =
        serde_json::from_slice(&uploaded.stdout).expect("the uploaded script as JSON");
    assert_eq!(info["name"], "greet");

    let listed = ward_cli(&url, &key, &["script", "list"]);
    let listing = text(&listed.stdout);
    assert!(
        listing.contains("greet") && listing.contains("delete_file"),
        "{listing}"
    );

    let shown = ward_cli(&url, &key, &["script", "show", "greet"]);
    assert!(text(&shown.stdout).contains(info["script_uid"].as_str().unwrap()));

    let code = ward_cli(&url, &key, &["script", "code", "greet"]);
    assert_eq!(
        text(&code.stdout),
        "def run(name):\n    return 'hello ' + name\n"
    );

    std::fs::write(&script, "def run(name):\n    return undefined(\n").unwrap();
    let refused = ward_cli(
        &url,
        &key,
        &["script", "upload", script_arg, "--manifest", manifest_arg],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("line"),
        "{}",
        text(&refused.stderr)
    );
}
