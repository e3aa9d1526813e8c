//! Regression tests for what a first outside review of the sandbox found, each named for the
//! behaviour it pins.

use std::fs;

use serde_json::json;
use ward::audit::Decision;
use ward::policy::Risk;

use super::files::Tree;
use super::host::{Host, TestResult, recorded, tree_policy};

#[cfg(unix)]
#[tokio::test]
async fn opening_a_fifo_is_refused_and_recorded_instead_of_hanging_the_host() -> TestResult {
    let tree = Tree::new()?;
    let fifo = tree.tree.join("pipe");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status()?;
    assert!(status.success(), "mkfifo works on this machine");
    let host = Host::new(&tree_policy(&tree.base))?;

    let code = "def run(path):\n    return {'read': attempt(lambda: open(path).read())}";
    let done = host
        .returned(Risk::Standard, code, json!({"path": tree.at("pipe")}))
        .await?;
    assert_eq!(done.at("read"), "PermissionError");
    let record = recorded(&done.records, "file.read", "pipe", Decision::Deny)?;
    assert!(
        record.rule.contains("not a regular file"),
        "{}",
        record.rule
    );
    Ok(())
}

#[tokio::test]
async fn a_hard_link_from_a_host_file_into_the_scratch_directory_is_refused() -> TestResult {
    let tree = Tree::new()?;
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = "import os\ndef run(path):\n    return {'link': attempt(lambda: os.link(path, '/ward/run/h')), \
                'rename': attempt(lambda: os.rename(path, '/ward/run/moved'))}";
    let done = host
        .returned(Risk::HighRisk, code, json!({"path": tree.at("a.txt")}))
        .await?;
    assert_eq!(done.at("link"), "PermissionError");
    assert_eq!(done.at("rename"), "PermissionError");
    assert_eq!(
        fs::read_to_string(tree.tree.join("a.txt"))?,
        "hello",
        "the host file stays"
    );
    let record = recorded(&done.records, "file.write", "a.txt", Decision::Deny)?;
    assert!(
        record.rule.contains("crosses between the host"),
        "{}",
        record.rule
    );
    Ok(())
}

#[tokio::test]
async fn asking_for_a_pid_with_no_process_is_recorded() -> TestResult {
    let tree = Tree::new()?;
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = "import psutil, ward_channel\n\
                def kill():\n    ward_channel.call('process.kill', pid=2147483001, signal='kill')\n\
                def run():\n    return {'get': attempt(lambda: psutil.Process(2147483000).name()), \
                'kill': attempt(kill)}";
    let done = host.returned(Risk::HighRisk, code, json!({})).await?;
    assert_eq!(done.at("get"), "NoSuchProcess");
    assert_eq!(done.at("kill"), "HostError");
    recorded(
        &done.records,
        "process.list",
        "pid 2147483000",
        Decision::Deny,
    )?;
    recorded(
        &done.records,
        "process.kill",
        "pid 2147483001",
        Decision::Deny,
    )?;
    Ok(())
}
