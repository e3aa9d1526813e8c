//! The `ward` command as a user runs it: exit codes, output, and errors that say what to do.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::common::cache_dir;

/// Runs the real binary with the test binary's cache and a private data directory.
fn ward(data_dir: &Path, args: &[&str]) -> Output {
    crate::common::sandbox();
    Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(args)
        .env("WARD_CACHE_DIR", cache_dir())
        .env("WARD_DATA_DIR", data_dir)
        .env_remove("WARD_POLICY")
        .env_remove("WARD_AUDIT_LOG")
        .output()
        .expect("the ward binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_exits_zero_only_when_the_script_completes() {
    let data = tempfile::tempdir().unwrap();
    let ok = ward(data.path(), &["run", "-c", "print('fine')"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("Completed Successfully"));

    let failed = ward(data.path(), &["run", "-c", "raise ValueError('no')"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(text(&failed.stdout).contains("ValueError: no"));

    let timeout = ward(
        data.path(),
        &["run", "-c", "while True: pass", "--timeout", "0.5"],
    );
    assert_eq!(timeout.status.code(), Some(1));
    assert!(text(&timeout.stdout).contains("Timeout"));
}

#[test]
fn run_json_prints_the_structured_result() {
    let data = tempfile::tempdir().unwrap();
    let script = data.path().join("s.py");
    std::fs::write(
        &script,
        "def run(n):\n    print('half')\n    return {'double': n * 2}\n",
    )
    .unwrap();
    let out = ward(
        data.path(),
        &[
            "run",
            script.to_str().unwrap(),
            "--entry-point",
            "run",
            "--param",
            "n=21",
            "--json",
        ],
    );
    let result: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(result["status"], "Completed Successfully");
    assert_eq!(result["return_value"], json!({"double": 42}));
    assert_eq!(result["stdout"], "half\n");
}

#[test]
fn every_parameter_type_reaches_the_script_typed_by_its_manifest() {
    let data = tempfile::tempdir().unwrap();
    let script = data.path().join("typed.py");
    std::fs::write(
        &script,
        "def run(flag, count, name, addr, counts, names, addrs, guess):\n    return {k: [v, type(v).__name__] for k, v in locals().items()}\n",
    )
    .unwrap();
    let params = [
        ("flag", "boolean"),
        ("count", "number"),
        ("name", "string"),
        ("addr", "ip"),
        ("counts", "number_list"),
        ("names", "string_list"),
        ("addrs", "ip_list"),
        ("guess", "auto_detect"),
    ];
    let inputs: Vec<Value> = params
        .iter()
        .map(|(n, t)| json!({"name": n, "type": t}))
        .collect();
    let manifest = json!({"name": "typed", "description": "typed parameters", "outcome": "Standard",
        "platform": "Linux", "timeout": 30, "entry_point": "run",
        "entry_point_definition": {"input_params": inputs, "output_params": {"type": "JSON", "value": []}}});
    let manifest_path = data.path().join("typed.json");
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();

    let out = ward(
        data.path(),
        &[
            "run",
            script.to_str().unwrap(),
            "--manifest",
            manifest_path.to_str().unwrap(),
            "--param",
            "flag=true",
            "--param",
            "count=2.5",
            "--param",
            "name=42",
            "--param",
            "addr=10.0.0.1",
            "--param",
            "counts=1,2",
            "--param",
            "names=a,b",
            "--param",
            "addrs=::1,127.0.0.1",
            "--param",
            "guess=7",
            "--json",
        ],
    );
    let result: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(
        result["return_value"],
        json!({
            "flag": [true, "bool"], "count": [2.5, "float"], "name": ["42", "str"],
            "addr": ["10.0.0.1", "str"], "counts": [[1, 2], "list"], "names": [["a", "b"], "list"],
            "addrs": [["::1", "127.0.0.1"], "list"], "guess": [7, "int"],
        }),
        "{result:#}"
    );
}

#[test]
fn a_parameter_that_does_not_fit_its_type_is_refused_before_the_script_starts() {
    let data = tempfile::tempdir().unwrap();
    let out = ward(
        data.path(),
        &[
            "run",
            "--builtin",
            "list_directories",
            "--param",
            "path=/tmp",
            "--param",
            "number_of_levels=many",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("number_of_levels") && stderr.contains("many"),
        "{stderr}"
    );
}

#[test]
fn policy_check_points_at_the_faulty_line() {
    let data = tempfile::tempdir().unwrap();
    let policy = data.path().join("bad.toml");
    std::fs::write(
        &policy,
        "[[allow]]\nrisk = [\"standard\"]\noperations = [\"file.reed\"]\npaths = [\"/tmp/**\"]\n",
    )
    .unwrap();
    let out = ward(data.path(), &["policy", "check", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("bad.toml:3:") && stderr.contains("file.reed"),
        "{stderr}"
    );
}

#[test]
fn audit_verify_finds_an_edited_record_in_a_real_log() {
    let data = tempfile::tempdir().unwrap();
    let policy = data.path().join("p.toml");
    std::fs::write(
        &policy,
        "[[allow]]\nrisk = [\"standard\"]\noperations = [\"file.list\"]\npaths = [\"/tmp/**\"]\n",
    )
    .unwrap();
    let log = data.path().join("audit.jsonl");
    let run = ward(
        data.path(),
        &[
            "run",
            "-c",
            "import os; os.path.exists('/tmp/x'); os.path.exists('/etc/passwd')",
            "--policy",
            policy.to_str().unwrap(),
            "--audit-log",
            log.to_str().unwrap(),
        ],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let intact = ward(data.path(), &["audit", "verify", log.to_str().unwrap()]);
    assert_eq!(intact.status.code(), Some(0), "{}", text(&intact.stdout));

    let original = std::fs::read_to_string(&log).unwrap();
    assert!(
        original.contains("\"decision\":\"deny\""),
        "the denied lookup is recorded: {original}"
    );
    std::fs::write(
        &log,
        original.replacen("\"decision\":\"deny\"", "\"decision\":\"allow\"", 1),
    )
    .unwrap();
    let tampered = ward(data.path(), &["audit", "verify", log.to_str().unwrap()]);
    assert_eq!(tampered.status.code(), Some(1));
    assert!(
        text(&tampered.stdout).contains("TAMPERED at line"),
        "{}",
        text(&tampered.stdout)
    );
}

#[test]
fn out_of_range_limits_are_usage_errors_not_crashes() {
    let data = tempfile::tempdir().unwrap();
    for args in [
        ["--timeout", "2e19"],
        ["--timeout", "0"],
        ["--memory", "0"],
        ["--memory", "99999999"],
    ] {
        let out = ward(data.path(), &["run", "-c", "pass", args[0], args[1]]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(&args[0][2..]),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn control_characters_from_a_script_cannot_reach_the_terminal() {
    let data = tempfile::tempdir().unwrap();
    let out = ward(
        data.path(),
        &["run", "-c", "print('\\x1b[2JCompleted Successfully')"],
    );
    let stdout = text(&out.stdout);
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(stdout.contains("\\u{1b}[2J"), "{stdout:?}");
}
