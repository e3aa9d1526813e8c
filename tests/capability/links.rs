//! Links that try to make a path inside an allowed root lead somewhere else: symbolic links
//! planted by the host or by the script, to outside the root or to a denied path inside it,
//! hard links, and a file swapped for a link between two looks at it.

use std::fs;
use std::os::unix::fs::symlink;

use serde_json::json;
use ward::audit::Decision;
use ward::policy::Risk;

use super::escapes::Outside;
use super::files::Tree;
use super::host::{Host, TestResult, recorded, tree_policy};

const LEAVES_ROOT: &str = "symbolic link leaves its root";

#[tokio::test]
async fn a_symlink_planted_in_a_root_cannot_reach_outside_it() -> TestResult {
    let (tree, outside) = (Tree::new()?, Outside::new()?);
    symlink(&outside.secret, tree.tree.join("absolute"))?;
    let relative = format!("../../{}/secret.txt", outside.name());
    symlink(&relative, tree.tree.join("relative"))?;
    symlink(&outside.dir, tree.tree.join("directory"))?;
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = r#"
import os

def run(tree):
    return {
        "read_absolute": attempt(lambda: open(tree + "/absolute").read()),
        "read_relative": attempt(lambda: open(tree + "/relative").read()),
        "read_through_directory": attempt(lambda: open(tree + "/directory/secret.txt").read()),
        "overwrite": attempt(lambda: open(tree + "/absolute", "w")),
        "append": attempt(lambda: open(tree + "/relative", "a")),
        "stat": attempt(os.stat, tree + "/absolute"),
        "list": attempt(os.listdir, tree + "/directory"),
        "remove_through": attempt(os.remove, tree + "/directory/secret.txt"),
    }
"#;
    let done = host
        .returned(Risk::HighRisk, code, json!({ "tree": tree.at("") }))
        .await?;

    done.assert_every("PermissionError");
    assert!(outside.untouched());
    for (operation, link) in [
        ("file.read", "absolute"),
        ("file.read", "relative"),
        ("file.read", "directory/secret.txt"),
        ("file.write", "absolute"),
        ("file.write", "relative"),
        ("file.list", "directory"),
        ("file.delete", "directory/secret.txt"),
    ] {
        let denied = recorded(&done.records, operation, &tree.at(link), Decision::Deny)?;
        assert!(denied.rule.contains(LEAVES_ROOT), "{denied:?}");
    }
    Ok(())
}

#[tokio::test]
async fn a_symlink_is_judged_by_both_its_name_and_where_it_leads() -> TestResult {
    let tree = Tree::new()?;
    fs::create_dir(tree.tree.join("private"))?;
    fs::write(tree.tree.join("private/key.txt"), "key")?;
    symlink("private/key.txt", tree.tree.join("key-link"))?;
    symlink("../a.txt", tree.tree.join("private/back-link"))?;
    let private = format!("{}/tree/private", tree.base.display());
    let policy = format!(
        "{}\n[[deny]]\noperations = [\"file.*\"]\npaths = ['{private}', '{private}/**']\n",
        tree_policy(&tree.base)
    );
    let host = Host::new(&policy)?;
    let code = r#"
def run(tree):
    return {
        "into_denied": attempt(lambda: open(tree + "/key-link").read()),
        "out_of_denied": attempt(lambda: open(tree + "/private/back-link").read()),
        "direct": attempt(lambda: open(tree + "/private/key.txt").read()),
        "allowed": attempt(lambda: open(tree + "/a.txt").read()),
    }
"#;
    let done = host
        .returned(Risk::Standard, code, json!({ "tree": tree.at("") }))
        .await?;

    assert_eq!(
        done.value,
        json!({
            "into_denied": "PermissionError",
            "out_of_denied": "PermissionError",
            "direct": "PermissionError",
            "allowed": "ok",
        })
    );
    let into = format!(
        "{} (reached as {})",
        tree.at("private/key.txt"),
        tree.at("key-link")
    );
    let out_of = format!(
        "{} (reached as {})",
        tree.at("a.txt"),
        tree.at("private/back-link")
    );
    for target in [into, out_of] {
        let denied = recorded(&done.records, "file.read", &target, Decision::Deny)?;
        assert!(denied.rule.contains("(deny file.read"), "{denied:?}");
    }
    Ok(())
}

#[tokio::test]
async fn a_hard_link_to_a_file_outside_the_root_is_refused() -> TestResult {
    let (tree, outside) = (Tree::new()?, Outside::new()?);
    fs::hard_link(&outside.secret, tree.tree.join("hard.txt"))?;
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = r#"
def run(path):
    return {
        "read": attempt(lambda: open(path).read()),
        "overwrite": attempt(lambda: open(path, "w")),
        "append": attempt(lambda: open(path, "a")),
    }
"#;
    let done = host
        .returned(Risk::HighRisk, code, json!({ "path": tree.at("hard.txt") }))
        .await?;

    done.assert_every("PermissionError");
    assert!(outside.untouched());
    for operation in ["file.read", "file.write"] {
        let denied = recorded(
            &done.records,
            operation,
            &tree.at("hard.txt"),
            Decision::Deny,
        )?;
        assert!(denied.rule.starts_with("hard link"), "{denied:?}");
    }
    Ok(())
}

#[tokio::test]
async fn a_file_swapped_for_a_symlink_during_a_run_is_judged_again() -> TestResult {
    let (tree, outside) = (Tree::new()?, Outside::new()?);
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = r#"
import os

def run(path, target):
    with open(path, "w") as f:
        f.write("mine")
    with open(path) as f:
        before = f.read()
    os.remove(path)
    os.symlink(target, path)
    return {
        "before": before,
        "read": attempt(lambda: open(path).read()),
        "write": attempt(lambda: open(path, "w")),
    }
"#;
    let params = json!({
        "path": tree.at("swap.txt"),
        "target": format!("../../{}/secret.txt", outside.name()),
    });
    let done = host.returned(Risk::HighRisk, code, params).await?;

    assert_eq!(
        done.value,
        json!({ "before": "mine", "read": "PermissionError", "write": "PermissionError" })
    );
    assert!(outside.untouched());
    let swap = tree.at("swap.txt");
    recorded(&done.records, "file.read", &swap, Decision::Allow)?;
    let denied = recorded(&done.records, "file.read", &swap, Decision::Deny)?;
    assert_eq!(denied.rule, LEAVES_ROOT);
    recorded(&done.records, "file.write", &swap, Decision::Deny)?;
    Ok(())
}

#[tokio::test]
async fn a_path_swapped_for_a_symlink_between_runs_is_judged_again() -> TestResult {
    let (tree, outside) = (Tree::new()?, Outside::new()?);
    fs::write(tree.tree.join("sub/secret.txt"), "inside")?;
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = r#"
def run(file, nested):
    return [attempt(lambda: open(file).read()), attempt(lambda: open(nested).read())]
"#;
    let params = json!({ "file": tree.at("a.txt"), "nested": tree.at("sub/secret.txt") });
    let first = host.returned(Risk::Standard, code, params.clone()).await?;

    fs::remove_file(tree.tree.join("a.txt"))?;
    symlink(&outside.secret, tree.tree.join("a.txt"))?;
    fs::remove_dir_all(tree.tree.join("sub"))?;
    symlink(&outside.dir, tree.tree.join("sub"))?;
    let second = host.returned(Risk::Standard, code, params).await?;

    assert_eq!(first.value, json!(["ok", "ok"]));
    assert_eq!(second.value, json!(["PermissionError", "PermissionError"]));
    for target in [tree.at("a.txt"), tree.at("sub/secret.txt")] {
        recorded(&first.records, "file.read", &target, Decision::Allow)?;
        let denied = recorded(&second.records, "file.read", &target, Decision::Deny)?;
        assert_eq!(denied.rule, LEAVES_ROOT);
    }
    Ok(())
}

#[tokio::test]
async fn a_directory_moved_under_an_open_descriptor_is_judged_where_it_is_now() -> TestResult {
    let tree = Tree::new()?;
    fs::create_dir_all(tree.tree.join("public"))?;
    fs::create_dir_all(tree.tree.join("private"))?;
    fs::write(tree.tree.join("public/inner.txt"), "inner")?;
    let policy = format!(
        "{}\n[[deny]]\noperations = [\"file.*\"]\npaths = ['{private}', '{private}/**']\n",
        tree_policy(&tree.base),
        private = tree.at("private"),
    );
    let host = Host::new(&policy)?;
    let code = r#"
import os
import time

def read_below(fd):
    try:
        opened = os.open("inner.txt", os.O_RDONLY, dir_fd=fd)
    except OSError as error:
        return type(error).__name__
    return os.read(opened, 100).decode()

def run(tree):
    fd = os.open(tree + "/public", os.O_RDONLY)
    before = read_below(fd)
    open(tree + "/ready", "w").close()
    while not os.path.exists(tree + "/go"):
        time.sleep(0.01)
    return [before, read_below(fd)]
"#;
    let params = json!({ "tree": tree.at("") });

    // The host moves the directory into the denied area while the script holds it open.
    let mover = move_when_ready(&tree, "public", "private/public");
    let (done, moved) = tokio::join!(host.returned(Risk::HighRisk, code, params), mover);
    moved?;
    let done = done?;

    assert_eq!(done.value[0], "inner");
    let reads: Vec<String> = done
        .records
        .iter()
        .filter(|r| r.target.contains("inner.txt"))
        .map(|r| format!("{} {} {:?} {}", r.operation, r.target, r.decision, r.rule))
        .collect();
    assert_ne!(
        done.value[1], "inner",
        "read below a denied path: {reads:#?}"
    );
    Ok(())
}

/// Waits for the script to create `ready` in the tree, then moves `from` to `to` and creates `go`.
async fn move_when_ready(tree: &Tree, from: &str, to: &str) -> TestResult {
    let ready = tree.tree.join("ready");
    for _ in 0..2000 {
        if ready.exists() {
            fs::rename(tree.tree.join(from), tree.tree.join(to))?;
            fs::write(tree.tree.join("go"), "")?;
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    Err("the script never got ready".into())
}
