//! The ten built-in scripts, run as the consoles run them (their manifest's entry point, risk
//! and typed parameters) against files, processes and registry keys the test created itself.

use std::fs;
use std::time::Duration;

use serde_json::{Value, json};
use ward::audit::Decision;
use ward::policy::Risk;
use ward::sandbox::RunResult;
use ward::script::{Manifest, Outcome, bind_json_params, builtin};
use ward::status::Status;

use super::files::Tree;
use super::host::{Host, TestResult, recorded, tree_policy, unique_name};
use super::registry::registry_policy;
use super::spawned::{Spawned, killed_by};

/// Runs the built-in `name` with `params` bound to its manifest's inputs, at the risk its
/// manifest declares.
async fn run_builtin(host: &Host, name: &str, params: Value) -> TestResult<RunResult> {
    let script = builtin(name).ok_or_else(|| format!("no built-in called {name}"))?;
    let manifest = Manifest::parse(script.manifest.as_bytes())?;
    let entry = manifest
        .entry_point()
        .ok_or("built-ins have an entry point")?;
    let object = params.as_object().cloned().unwrap_or_default();
    let bound = bind_json_params(entry.inputs(), &object)?;
    let risk = match manifest.outcome() {
        Outcome::Standard => Risk::Standard,
        Outcome::HighRisk => Risk::HighRisk,
    };
    let filename = format!("{name}.py");
    host.call_script(
        &filename,
        script.code,
        entry.name(),
        risk,
        Value::Object(bound),
    )
    .await
}

/// What a built-in returned; fails with the whole result when it did not complete.
async fn returned(host: &Host, name: &str, params: Value) -> TestResult<(Value, RunResult)> {
    let result = run_builtin(host, name, params).await?;
    if result.status != Status::CompletedSuccessfully {
        return Err(format!("{name} failed: {result:#?}").into());
    }
    Ok((result.return_value.clone(), result))
}

#[tokio::test]
async fn file_exists_delete_file_and_list_directories_work_on_a_test_tree() -> TestResult {
    let tree = Tree::new()?;
    fs::create_dir_all(tree.tree.join("sub/deeper/deepest"))?;
    fs::create_dir(tree.tree.join("other"))?;
    let host = Host::new(&tree_policy(&tree.base))?;

    let (exists, _) = returned(&host, "file_exists", json!({ "path": tree.at("a.txt") })).await?;
    let (missing, _) = returned(&host, "file_exists", json!({ "path": tree.at("no.txt") })).await?;
    let outside = run_builtin(&host, "file_exists", json!({ "path": "/etc/hostname" })).await?;
    let (listed, _) = returned(
        &host,
        "list_directories",
        json!({ "path": tree.at(""), "number_of_levels": 2 }),
    )
    .await?;
    let (deleted, deletion) = returned(
        &host,
        "delete_file",
        json!({ "file_path": tree.at("a.txt") }),
    )
    .await?;

    assert_eq!((exists, missing), (json!(true), json!(false)));
    let raised = outside.exception.map(|e| e.kind);
    assert_eq!(
        raised.as_deref(),
        Some("PermissionError"),
        "denied is not absent"
    );
    let expected: Vec<String> = ["other", "sub", "sub/deeper"]
        .iter()
        .map(|d| tree.at(d))
        .collect();
    assert_eq!(listed, json!({ "directories": expected, "skipped": 0 }));
    assert_eq!(
        deleted,
        json!({ "deleted": true, "path": tree.at("a.txt") })
    );
    assert!(!tree.tree.join("a.txt").exists() && tree.tree.join("sub/b.txt").exists());
    let records = host.records(&deletion.run_id)?;
    recorded(&records, "file.delete", &tree.at("a.txt"), Decision::Allow)?;
    Ok(())
}

/// Lets every script list, and high-risk scripts kill, exactly the processes called `names`.
fn only_these(names: &[&str]) -> String {
    let names: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    format!(
        "[[allow]]\nrisk = [\"standard\", \"high_risk\"]\noperations = [\"process.list\"]\n\
         processes = [{names}]\n\n[[allow]]\nrisk = [\"high_risk\"]\n\
         operations = [\"process.kill\"]\nprocesses = [{names}]\n",
        names = names.join(", ")
    )
}

#[tokio::test]
async fn get_process_list_finds_the_tests_child() -> TestResult {
    let child = Spawned::sleeper()?;
    let host = Host::new(&only_these(&[child.name()]))?;

    let (listed, _) = returned(&host, "get_process_list", json!({})).await?;

    let processes = listed["processes"]
        .as_array()
        .ok_or("a list of processes")?;
    assert_eq!(processes.len(), 1, "{listed}");
    assert_eq!(processes[0]["pid"], child.pid());
    assert_eq!(processes[0]["name"], child.name());
    assert!(
        processes[0]["memory_rss"]
            .as_u64()
            .is_some_and(|rss| rss > 0)
    );
    Ok(())
}

#[tokio::test]
async fn process_kill_name_kills_only_the_tests_children_of_that_name() -> TestResult {
    let mut first = Spawned::sleeper()?;
    let mut other = Spawned::sleeper()?;
    let host = Host::new(&only_these(&[first.name(), other.name()]))?;

    let (killed, _) = returned(
        &host,
        "process_kill_name",
        json!({ "process_name": first.name() }),
    )
    .await?;

    let expected = json!([{ "pid": first.pid(), "name": first.name() }]);
    assert_eq!(killed, json!({ "killed": expected, "failed": [] }));
    let ended = first.ended_within(Duration::from_secs(5))?;
    assert_eq!(ended.and_then(killed_by), Some(9));
    assert!(other.ended_within(Duration::ZERO)?.is_none());
    Ok(())
}

#[tokio::test]
async fn process_kill_cpu_kills_only_the_tests_busy_child() -> TestResult {
    let mut busy = Spawned::spinner()?;
    let mut idle = Spawned::sleeper()?;
    let host = Host::new(&only_these(&[busy.name(), idle.name()]))?;

    let (result, _) = returned(&host, "process_kill_cpu", json!({ "cpu_percent": 20 })).await?;

    let killed = result["killed"]
        .as_array()
        .ok_or("a list of killed processes")?;
    assert_eq!(killed.len(), 1, "{result}");
    assert_eq!(killed[0]["pid"], busy.pid());
    assert!(
        killed[0]["cpu_percent"]
            .as_f64()
            .is_some_and(|cpu| cpu > 20.0)
    );
    let ended = busy.ended_within(Duration::from_secs(5))?;
    assert_eq!(ended.and_then(killed_by), Some(9));
    assert!(idle.ended_within(Duration::ZERO)?.is_none());
    Ok(())
}

#[tokio::test]
async fn process_kill_mem_kills_the_tests_child_only_above_the_threshold() -> TestResult {
    let mut child = Spawned::sleeper()?;
    let host = Host::new(&only_these(&[child.name()]))?;

    let gigabyte = json!({ "memory_bytes": 1u64 << 30 });
    let (spared, _) = returned(&host, "process_kill_mem", gigabyte).await?;
    let alive = child.ended_within(Duration::ZERO)?.is_none();
    let (killed, _) = returned(&host, "process_kill_mem", json!({ "memory_bytes": 0 })).await?;

    assert_eq!(spared, json!({ "killed": [], "failed": [] }));
    assert!(alive, "a small process survives a 1 GiB threshold");
    let killed = killed["killed"]
        .as_array()
        .ok_or("a list of killed processes")?;
    assert_eq!(killed.len(), 1);
    assert_eq!(killed[0]["pid"], child.pid());
    let ended = child.ended_within(Duration::from_secs(5))?;
    assert_eq!(ended.and_then(killed_by), Some(9));
    Ok(())
}

#[tokio::test]
async fn registry_set_get_and_delete_round_trip_through_a_test_hive() -> TestResult {
    let key = unique_name();
    let host = Host::builder(&registry_policy(&key)).with_hive().build()?;
    let key_path = format!("Software\\{key}\\Settings");
    let value =
        |name: &str| json!({ "registry_hive": "HKLM", "key_path": key_path, "value_name": name });
    let mut set = value("Retries");
    set["value"] = json!("0x2A");
    set["value_type"] = json!("REG_DWORD");

    let (written, _) = returned(&host, "registry_set", set).await?;
    let (read, _) = returned(&host, "registry_get", value("Retries")).await?;
    let (deleted_value, _) = returned(&host, "registry_delete", value("Retries")).await?;
    let missing = run_builtin(&host, "registry_get", value("Retries")).await?;
    let (deleted_key, deletion) = returned(&host, "registry_delete", value("")).await?;

    let full = format!("HKEY_LOCAL_MACHINE\\{key_path}");
    assert_eq!(written["set"], true);
    assert_eq!(written["value"], 42);
    assert_eq!(read, json!({ "value": 42, "type": "REG_DWORD" }));
    assert_eq!(deleted_value["target"], "value");
    let raised = missing.exception.map(|e| e.kind);
    assert_eq!(raised.as_deref(), Some("FileNotFoundError"));
    assert_eq!(
        deleted_key,
        json!({ "deleted": true, "target": "key", "key": full, "value_name": "" })
    );
    let records = host.records(&deletion.run_id)?;
    recorded(&records, "registry.delete", &full, Decision::Allow)?;
    Ok(())
}
