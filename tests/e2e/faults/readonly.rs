//! The server's store goes read-only while it runs, as a disk does after an I/O error.
//!
//! Read-only for real: the data directory is an ext4 image of the test's own, loop-mounted with
//! `errors=remount-ro` in a private mount namespace, and the test raises an error in it through
//! the kernel's `trigger_fs_error` switch. (Remounting read-only by hand is refused while the
//! database is open for writing, and file modes do not stop root.) It needs root and loop
//! devices; where they are missing, the test says so and checks nothing.
//!
//! Such a disk is repaired offline, so the operator's steps are modelled: stop the server, check
//! the file system, start the server again. Agents need no step at all.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ward::status::Status;

use super::super::agent::{Agent, policy_reading};
use super::super::harness::{Disk, READY, Server};
use super::super::snippet;
use super::{one_result_each, outbox_holds};

/// A fresh ext4 image in `dir`, or why this machine cannot make and mount one.
fn ext4_image(dir: &Path) -> Result<PathBuf, String> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| e.to_string())?;
    if String::from_utf8_lossy(&root.stdout).trim() != "0" {
        return Err("loop-mounting an ext4 image needs root".into());
    }
    for needed in ["/dev/loop-control", "/sys/fs/ext4"] {
        if !Path::new(needed).exists() {
            return Err(format!("{needed} is missing"));
        }
    }
    let image = dir.join("store.ext4");
    let file = std::fs::File::create(&image).map_err(|e| e.to_string())?;
    file.set_len(64 << 20).map_err(|e| e.to_string())?;
    let made = Command::new("mkfs.ext4")
        .args(["-q", "-F"])
        .arg(&image)
        .stdout(Stdio::null())
        .status();
    match made {
        Ok(status) if status.success() => Ok(image),
        other => Err(format!("mkfs.ext4 failed: {other:?}")),
    }
}

/// The kernel's name for the device under `mount_point` in the mount namespace of `pid`.
fn device(pid: u32, mount_point: &Path) -> String {
    let table = std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).expect("mountinfo");
    let wanted = mount_point.display().to_string();
    table
        .lines()
        .find(|l| l.split(' ').nth(4) == Some(wanted.as_str()))
        .and_then(|l| l.split(" - ").nth(1)?.split(' ').nth(1))
        .and_then(|source| Some(Path::new(source).file_name()?.to_str()?.to_string()))
        .unwrap_or_else(|| panic!("{wanted} is not mounted in process {pid}:\n{table}"))
}

/// Waits until no loop device holds `image` any more (the kernel releases it a moment after
/// the last process of its mount namespace ends).
async fn released(image: &Path) {
    let started = Instant::now();
    loop {
        let held = Command::new("losetup")
            .arg("-j")
            .arg(image)
            .output()
            .expect("losetup runs");
        if held.stdout.is_empty() {
            return;
        }
        assert!(started.elapsed() < READY, "{image:?} stays attached");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn results_refused_by_a_store_gone_read_only_arrive_once_after_the_repair() {
    let images = tempfile::Builder::new()
        .prefix("ward-e2e-ext4-")
        .tempdir()
        .unwrap();
    let image = match ext4_image(images.path()) {
        Ok(image) => image,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let mut server = Server::start_on(Disk::Ext4(image.clone())).await;
    let scratch = tempfile::tempdir().unwrap();
    let policy = policy_reading(scratch.path());
    let mut agents = Vec::new();
    let mut ids = Vec::new();
    for name in ["e2e-fault-ro-1", "e2e-fault-ro-2"] {
        let mut agent = Agent::start(&server, name, &policy);
        ids.push(agent.connected(&server).await);
        agents.push(agent);
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let client = server.client();

    // One result acknowledged just before the disk fails must survive it.
    let before = snippet(&client, "print('acknowledged')", &ids[..1], 30).await;
    one_result_each(&client, before, &ids[..1]).await;
    let action = snippet(
        &client,
        "import time\ntime.sleep(2)\nprint('after the repair')",
        &ids,
        60,
    )
    .await;
    for agent in &agents {
        agent.holds_jobs(1).await;
    }
    let pid = server.pid().expect("the server runs");
    let name = device(pid, &server.dir.path().join("disk"));
    std::fs::write(format!("/sys/fs/ext4/{name}/trigger_fs_error"), "e2e test")
        .expect("the error is raised");

    for agent in &agents {
        outbox_holds(agent, 1).await;
    }
    let started = Instant::now();
    while !agents.iter().all(|a| {
        a.log()
            .contains("(HTTP 503): the server's disk is failing or read-only")
    }) {
        assert!(started.elapsed() < READY, "an agent never read the 503");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = client
        .actions_status(action)
        .await
        .expect("reads still work");
    assert!(
        status
            .endpoints
            .iter()
            .all(|e| e.status == Status::InProgress),
        "{status:?}"
    );

    server.kill();
    released(&image).await;
    let checked = Command::new("e2fsck")
        .args(["-f", "-p"])
        .arg(&image)
        .output()
        .expect("e2fsck runs");
    assert!(
        matches!(checked.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );
    server.restart().await;

    let statuses = one_result_each(&client, action, &ids).await;
    assert_eq!(statuses, [Status::CompletedSuccessfully; 2]);
    let kept = one_result_each(&client, before, &ids[..1]).await;
    assert_eq!(kept, [Status::CompletedSuccessfully]);
}
