//! Ordinary Python file handling (`open`, `os`, `shutil`, `hashlib`) on a directory the policy
//! allows, at the same absolute paths as on the host, and what the audit log says about it.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::json;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use ward::audit::Decision;
use ward::policy::Risk;

use super::host::{Host, TestResult, recorded, scratch_dir, tree_policy};

/// A temporary directory holding `tree/a.txt` ("hello") and `tree/sub/b.txt` ("below").
pub struct Tree {
    _dir: TempDir,
    pub base: PathBuf,
    pub tree: PathBuf,
}

impl Tree {
    pub fn new() -> TestResult<Self> {
        let (dir, base) = scratch_dir()?;
        let tree = base.join("tree");
        fs::create_dir_all(tree.join("sub"))?;
        fs::write(tree.join("a.txt"), "hello")?;
        fs::write(tree.join("sub/b.txt"), "below")?;
        Ok(Tree {
            _dir: dir,
            base,
            tree,
        })
    }

    /// `relative` below `tree/` (`tree` itself for ""), as the string a script is given.
    pub fn at(&self, relative: &str) -> String {
        match relative {
            "" => text(&self.tree),
            _ => text(&self.tree.join(relative)),
        }
    }
}

pub fn text(path: &Path) -> String {
    path.display().to_string()
}

#[tokio::test]
async fn reads_and_lists_an_allowed_tree_at_its_host_paths() -> TestResult {
    let tree = Tree::new()?;
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = r#"
import hashlib
import os

def run(tree):
    with open(tree + "/a.txt") as f:
        text = f.read()
    with open(tree + "/a.txt", "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    walked = [
        [os.path.relpath(top, tree), sorted(dirs), sorted(files)]
        for top, dirs, files in os.walk(tree)
    ]
    return {
        "text": text,
        "sha256": digest,
        "listdir": sorted(os.listdir(tree)),
        "scandir": sorted([e.name, e.is_dir()] for e in os.scandir(tree)),
        "walk": sorted(walked),
        "size": os.stat(tree + "/sub/b.txt").st_size,
        "exists": [os.path.exists(tree + "/a.txt"), os.path.exists(tree + "/missing"),
                   os.path.isdir(tree + "/sub")],
    }
"#;
    let done = host
        .returned(Risk::Standard, code, json!({ "tree": tree.at("") }))
        .await?;

    let expected = json!({
        "text": "hello",
        "sha256": hex::encode(Sha256::digest(b"hello")),
        "listdir": ["a.txt", "sub"],
        "scandir": [["a.txt", false], ["sub", true]],
        "walk": [[".", ["sub"], ["a.txt"]], ["sub", [], ["b.txt"]]],
        "size": 5,
        "exists": [true, false, true],
    });
    assert_eq!(done.value, expected);
    let read = recorded(
        &done.records,
        "file.read",
        &tree.at("a.txt"),
        Decision::Allow,
    )?;
    assert_eq!(read.outcome.as_deref(), Some("ok"));
    assert!(read.rule.contains("test.toml:2"), "{read:?}");
    recorded(&done.records, "file.list", &tree.at("sub"), Decision::Allow)?;
    let base = text(&tree.base);
    assert!(
        !done
            .records
            .iter()
            .any(|r| r.decision == Decision::Deny && r.target.starts_with(&base)),
        "nothing in the allowed tree was denied: {:#?}",
        done.records
    );
    Ok(())
}

#[tokio::test]
async fn high_risk_writes_renames_copies_and_removes_in_an_allowed_tree() -> TestResult {
    let tree = Tree::new()?;
    fs::write(tree.tree.join("old.txt"), "old")?;
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = r#"
import os
import shutil

def run(tree):
    with open(tree + "/new.txt", "w") as f:
        f.write("written")
    with open(tree + "/a.txt", "a") as f:
        f.write(" again")
    os.makedirs(tree + "/made/deeper")
    os.rename(tree + "/new.txt", tree + "/made/renamed.txt")
    shutil.copy(tree + "/a.txt", tree + "/copy.txt")
    os.remove(tree + "/old.txt")
    shutil.rmtree(tree + "/sub")
    return sorted(os.listdir(tree))
"#;
    let done = host
        .returned(Risk::HighRisk, code, json!({ "tree": tree.at("") }))
        .await?;

    assert_eq!(done.value, json!(["a.txt", "copy.txt", "made"]));
    let on_host = |relative: &str| fs::read_to_string(tree.tree.join(relative));
    assert_eq!(on_host("a.txt")?, "hello again");
    assert_eq!(on_host("copy.txt")?, "hello again");
    assert_eq!(on_host("made/renamed.txt")?, "written");
    assert!(tree.tree.join("made/deeper").is_dir());
    assert!(!tree.tree.join("sub").exists() && !tree.tree.join("old.txt").exists());

    for (operation, target) in [
        ("file.write", "new.txt"),
        ("file.write", "a.txt"),
        ("file.write", "made/deeper"),
        ("file.delete", "new.txt"),
        ("file.write", "made/renamed.txt"),
        ("file.write", "copy.txt"),
        ("file.delete", "old.txt"),
        ("file.delete", "sub/b.txt"),
        ("file.delete", "sub"),
    ] {
        let target = tree.at(target);
        let started = recorded(&done.records, operation, &target, Decision::Allow)?;
        assert_eq!(started.outcome.as_deref(), Some("started"), "{started:?}");
        let finished = done.records.iter().find(|r| {
            r.operation == operation && r.target == target && r.outcome.as_deref() == Some("ok")
        });
        assert!(finished.is_some(), "{operation} {target} has no outcome");
    }
    Ok(())
}

#[tokio::test]
async fn standard_risk_cannot_change_a_tree_even_where_a_rule_allows_it() -> TestResult {
    let tree = Tree::new()?;
    let policy = format!(
        r#"
[[allow]]
risk = ["standard", "high_risk"]
operations = ["file.*"]
paths = ['{}/**']
"#,
        tree.base.display()
    );
    let host = Host::new(&policy)?;
    let code = r#"
import os
import shutil

def run(tree):
    return {
        "create": attempt(lambda: open(tree + "/new.txt", "w")),
        "append": attempt(lambda: open(tree + "/a.txt", "a")),
        "remove": attempt(os.remove, tree + "/a.txt"),
        "mkdir": attempt(os.mkdir, tree + "/made"),
        "rename": attempt(os.rename, tree + "/a.txt", tree + "/moved.txt"),
        "rmtree": attempt(shutil.rmtree, tree + "/sub"),
        "symlink": attempt(os.symlink, "a.txt", tree + "/link"),
        "read": attempt(lambda: open(tree + "/a.txt").read()),
    }
"#;
    let done = host
        .returned(Risk::Standard, code, json!({ "tree": tree.at("") }))
        .await?;

    for change in [
        "create", "append", "remove", "mkdir", "rename", "rmtree", "symlink",
    ] {
        assert_eq!(
            done.at(change),
            "PermissionError",
            "{change}: {:?}",
            done.value
        );
    }
    assert_eq!(done.at("read"), "ok");
    assert_eq!(fs::read_to_string(tree.tree.join("a.txt"))?, "hello");
    assert!(tree.tree.join("sub/b.txt").exists());
    assert!(!tree.tree.join("new.txt").exists() && !tree.tree.join("made").exists());

    for (operation, target) in [
        ("file.write", "new.txt"),
        ("file.write", "a.txt"),
        ("file.delete", "a.txt"),
        ("file.write", "made"),
        ("file.delete", "sub/b.txt"),
        ("file.write", "link"),
    ] {
        let denied = recorded(&done.records, operation, &tree.at(target), Decision::Deny)?;
        assert!(denied.rule.contains("risk ceiling"), "{denied:?}");
    }
    Ok(())
}

#[tokio::test]
async fn a_failed_operation_is_recorded_with_its_errno_and_no_host_backtrace() -> TestResult {
    let tree = Tree::new()?;
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = "import os\n\ndef run(path):\n    return attempt(os.stat, path)";
    let done = host
        .returned(
            Risk::Standard,
            code,
            json!({ "path": tree.at("missing.txt") }),
        )
        .await?;

    assert_eq!(done.value, "FileNotFoundError");
    let target = tree.at("missing.txt");
    let failed = recorded(&done.records, "file.list", &target, Decision::Allow)?;
    assert_eq!(failed.outcome.as_deref(), Some("error: noent"));
    Ok(())
}

#[tokio::test]
async fn a_run_that_touches_nothing_records_only_its_start_and_end() -> TestResult {
    let host = Host::new(
        "[[allow]]\nrisk = [\"standard\"]\noperations = [\"file.read\", \"file.list\"]\n\
         paths = ['/**']\n",
    )?;
    let done = host
        .returned(Risk::Standard, "def run():\n    return 1", json!({}))
        .await?;

    let operations: Vec<&str> = done.records.iter().map(|r| r.operation.as_str()).collect();
    assert_eq!(operations, ["run.start", "run.end"], "{:#?}", done.records);
    Ok(())
}
