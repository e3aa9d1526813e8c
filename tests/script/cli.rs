//! `ward script …` as a user runs it: exit codes, every problem listed, drafts and the library.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::cache_dir;

/// Runs the real binary with the test binary's cache and a private library folder.
fn ward(dir: &Path, args: &[&str]) -> Output {
    crate::common::sandbox();
    Command::new(env!("CARGO_BIN_EXE_ward"))
        .arg("script")
        .args(args)
        .current_dir(dir)
        .env("WARD_CACHE_DIR", cache_dir())
        .env("WARD_DATA_DIR", dir.join("data"))
        .env("WARD_LIBRARY", dir.join("library"))
        .output()
        .expect("the ward binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn workdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("ward-script-cli-")
        .tempdir()
        .unwrap()
}

#[test]
fn validate_exits_non_zero_listing_every_script_and_manifest_problem() {
    let dir = workdir();
    std::fs::write(
        dir.path().join("bad.py"),
        "import subprocess\nimport requests\n\ndef run(path):\n    return 1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"name": "bad", "description": "", "outcome": "Standard", "platform": "Linux", "timeout": 0, "entry_point": "run", "entry_point_definition": {}}"#,
    )
    .unwrap();
    let out = ward(
        dir.path(),
        &["validate", "bad.py", "--manifest", "bad.json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for expected in [
        "bad.py: line 1: module `subprocess`",
        "bad.py: line 2: there is no module `requests`",
        "bad.json: field `timeout` is 0",
        "3 problems",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in:\n{stdout}");
    }

    let out = ward(dir.path(), &["validate", "bad.py", "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], Value::Bool(false));
    assert_eq!(report["errors"].as_array().unwrap().len(), 2);
}

#[test]
fn a_drafted_manifest_validates_its_script() {
    let dir = workdir();
    std::fs::write(
        dir.path().join("walk.py"),
        "def run(path: str, depth: int = 1):\n    return {'n': depth}\n",
    )
    .unwrap();
    let out = ward(
        dir.path(),
        &[
            "manifest",
            "walk.py",
            "--entry-point",
            "run",
            "-o",
            "walk.json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let draft = std::fs::read_to_string(dir.path().join("walk.json")).unwrap();
    assert_eq!(draft.lines().count(), 1);
    assert!(
        draft.contains(r#"{"name":"depth","type":"number"}"#),
        "{draft}"
    );

    let out = ward(
        dir.path(),
        &["validate", "walk.py", "--manifest", "walk.json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn modules_lists_the_supported_modules() {
    let dir = workdir();
    let out = ward(dir.path(), &["modules", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = list["supported"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert!(
        names.contains(&"json") && names.contains(&"psutil"),
        "{names:?}"
    );
    assert!(!names.contains(&"subprocess"));
}

#[test]
fn the_library_commands_add_show_and_hand_back_a_script() {
    let dir = workdir();
    let code = "def run():\n    return 42\n";
    std::fs::write(dir.path().join("answer.py"), code).unwrap();
    std::fs::write(
        dir.path().join("answer.json"),
        r#"{"name": "answer", "description": "The answer.", "outcome": "Standard", "platform": "Linux", "timeout": 10, "entry_point": "run", "entry_point_definition": {"output_params": {"type": "number", "value": []}}}"#,
    )
    .unwrap();

    let out = ward(
        dir.path(),
        &[
            "add",
            "answer.py",
            "--manifest",
            "answer.json",
            "--created-by",
            "dana",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let added: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(added["created_by"], "dana");

    let out = ward(dir.path(), &["list", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 11);

    let out = ward(dir.path(), &["code", "answer"]);
    assert_eq!(text(&out.stdout), code);
    let out = ward(dir.path(), &["manifest", "answer"]);
    assert!(text(&out.stdout).starts_with(r#"{"name":"answer""#));

    let out = ward(dir.path(), &["delete", "get_process_list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("built-in"),
        "{}",
        text(&out.stderr)
    );
}
