//! Paths that try to leave the directories the policy maps in: `..` chains, absolute paths
//! elsewhere, paths too long to judge, and renames or links that would carry a file across.
//! Each attempt must fail as it would natively and be in the audit log as denied.

use std::fs;
use std::path::PathBuf;

use serde_json::json;
use tempfile::TempDir;
use ward::audit::{Decision, Record};
use ward::policy::Risk;

use super::files::{Tree, text};
use super::host::{Host, TestResult, recorded, scratch_dir, tree_policy, unique_name};

/// A directory outside every root, holding `secret.txt` ("outside").
pub struct Outside {
    _dir: TempDir,
    pub dir: PathBuf,
    pub secret: PathBuf,
}

impl Outside {
    pub fn new() -> TestResult<Self> {
        let (dir, path) = scratch_dir()?;
        let secret = path.join("secret.txt");
        fs::write(&secret, "outside")?;
        Ok(Outside {
            _dir: dir,
            dir: path,
            secret,
        })
    }

    /// The directory's own name, for building `..` paths that reach it.
    pub fn name(&self) -> String {
        self.dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Whether `secret.txt` is still there, unchanged.
    pub fn untouched(&self) -> bool {
        fs::read_to_string(&self.secret).is_ok_and(|text| text == "outside")
    }
}

/// How many records of `records` are denials whose rule mentions `rule`.
fn denials(records: &[Record], rule: &str) -> usize {
    records
        .iter()
        .filter(|r| r.decision == Decision::Deny && r.rule.contains(rule))
        .count()
}

#[tokio::test]
async fn dot_dot_chains_cannot_leave_an_allowed_root() -> TestResult {
    let (tree, outside) = (Tree::new()?, Outside::new()?);
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = r#"
import os

def run(tree, other):
    escape = tree + "/../../" + other + "/secret.txt"
    opened = os.open(tree + "/sub", os.O_RDONLY)
    answers = {
        "read": attempt(lambda: open(escape).read()),
        "write": attempt(lambda: open(tree + "/../../" + other + "/new.txt", "w")),
        "deep": attempt(lambda: open(tree + "/sub" + "/.." * 12 + "/etc/hostname").read()),
        "from_dir_fd": attempt(lambda: os.open("../../../" + other + "/secret.txt",
                                               os.O_RDONLY, dir_fd=opened)),
        "inside": attempt(lambda: open(tree + "/sub/../a.txt").read()),
    }
    os.chdir(tree)
    answers["from_cwd"] = attempt(lambda: open("../../" + other + "/secret.txt").read())
    return answers
"#;
    let params = json!({ "tree": tree.at(""), "other": outside.name() });
    let done = host.returned(Risk::HighRisk, code, params).await?;

    for escape in ["read", "write", "deep", "from_dir_fd", "from_cwd"] {
        assert_eq!(
            done.at(escape),
            "PermissionError",
            "{escape}: {:?}",
            done.value
        );
    }
    assert_eq!(done.at("inside"), "ok");
    assert!(outside.untouched() && !outside.dir.join("new.txt").exists());
    assert_eq!(
        denials(&done.records, "path leaves its root"),
        5,
        "{:#?}",
        done.records
    );
    Ok(())
}

#[tokio::test]
async fn absolute_paths_outside_every_root_are_refused() -> TestResult {
    let (tree, outside) = (Tree::new()?, Outside::new()?);
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = r#"
import os

def run(secret, other):
    return {
        "read": attempt(lambda: open(secret).read()),
        "stat": attempt(os.stat, secret),
        "list": attempt(os.listdir, other),
        "write": attempt(lambda: open(other + "/new.txt", "w")),
        "remove": attempt(os.remove, secret),
        "system": attempt(lambda: open("/etc/hostname").read()),
        "root": attempt(os.listdir, "/"),
    }
"#;
    let params = json!({ "secret": text(&outside.secret), "other": text(&outside.dir) });
    let done = host.returned(Risk::HighRisk, code, params).await?;

    done.assert_every("PermissionError");
    assert!(outside.untouched() && !outside.dir.join("new.txt").exists());
    let secret = text(&outside.secret);
    for operation in ["file.read", "file.list", "file.delete"] {
        let denied = recorded(&done.records, operation, &secret, Decision::Deny)?;
        assert_eq!(denied.rule, "outside every directory the policy maps in");
    }
    recorded(&done.records, "file.write", "new.txt", Decision::Deny)?;
    recorded(&done.records, "file.read", "/etc/hostname", Decision::Deny)?;
    Ok(())
}

#[tokio::test]
async fn renames_copies_and_links_cannot_carry_a_file_across_the_root() -> TestResult {
    let (tree, outside) = (Tree::new()?, Outside::new()?);
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = r#"
import os
import shutil

def run(tree, other):
    return {
        "rename_out": attempt(os.rename, tree + "/a.txt", other + "/a.txt"),
        "rename_in": attempt(os.rename, other + "/secret.txt", tree + "/secret.txt"),
        "copy_in": attempt(shutil.copy, other + "/secret.txt", tree + "/copy.txt"),
        "copy_out": attempt(shutil.copy, tree + "/a.txt", other + "/copy.txt"),
        "link_in": attempt(os.link, other + "/secret.txt", tree + "/hard.txt"),
        "link_out": attempt(os.link, tree + "/a.txt", other + "/hard.txt"),
    }
"#;
    let params = json!({ "tree": tree.at(""), "other": text(&outside.dir) });
    let done = host.returned(Risk::HighRisk, code, params).await?;

    done.assert_every("PermissionError");
    assert!(outside.untouched());
    assert_eq!(fs::read_to_string(tree.tree.join("a.txt"))?, "hello");
    let mut left_outside: Vec<_> = fs::read_dir(&outside.dir)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    left_outside.sort();
    assert_eq!(left_outside, ["secret.txt"]);
    assert_eq!(fs::read_dir(&tree.tree)?.count(), 2, "only a.txt and sub");
    for (operation, target) in [
        ("file.write", "a.txt"),
        ("file.delete", "secret.txt"),
        ("file.read", "secret.txt"),
        ("file.write", "copy.txt"),
        ("file.write", "hard.txt"),
    ] {
        let target = text(&outside.dir.join(target));
        recorded(&done.records, operation, &target, Decision::Deny)?;
    }
    Ok(())
}

/// A path of `repeat` times `step`, below the tree.
fn long_path(tree: &Tree, step: &str, repeat: usize, tail: &str) -> String {
    format!("{}{}{tail}", tree.at(""), step.repeat(repeat))
}

#[tokio::test]
async fn overlong_names_and_paths_are_refused() -> TestResult {
    let (tree, outside) = (Tree::new()?, Outside::new()?);
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = r#"
import errno

def run(paths):
    answers = {}
    for key, path in paths.items():
        try:
            open(path, "w")
            answers[key] = "ok"
        except OSError as error:
            answers[key] = [type(error).__name__, errno.errorcode.get(error.errno)]
    return answers
"#;
    let escape = format!("/../../{}/secret.txt", outside.name());
    let paths = json!({
        "long_name": long_path(&tree, "", 0, &format!("/{}", "n".repeat(300))),
        "long_escape": long_path(&tree, "/sub/..", 500, &escape),
        "over_limit": long_path(&tree, "/d", 2100, "/x.txt"),
    });
    let done = host
        .returned(Risk::HighRisk, code, json!({ "paths": paths }))
        .await?;

    assert_eq!(done.value["long_name"], json!(["OSError", "ENAMETOOLONG"]));
    assert_eq!(
        done.value["long_escape"],
        json!(["PermissionError", "EACCES"])
    );
    assert_eq!(done.value["over_limit"], json!(["OSError", "ENAMETOOLONG"]));
    assert!(outside.untouched());
    assert_eq!(fs::read_dir(&tree.tree)?.count(), 2, "nothing was created");
    assert_eq!(denials(&done.records, "File name too long"), 1);
    assert_eq!(denials(&done.records, "path leaves its root"), 1);
    Ok(())
}

#[tokio::test]
async fn a_path_over_the_length_limit_is_recorded_as_denied() -> TestResult {
    let tree = Tree::new()?;
    let host = Host::new(&tree_policy(&tree.base))?;
    let marker = unique_name();
    let path = long_path(&tree, "/d", 2100, &format!("/{marker}"));
    let done = host
        .returned(
            Risk::HighRisk,
            "def run(path):\n    return attempt(lambda: open(path, 'w'))",
            json!({ "path": path }),
        )
        .await?;

    assert_eq!(done.value, "OSError");
    let start = tree.at("d/d/d");
    let denied = done
        .records
        .iter()
        .find(|r| r.decision == Decision::Deny && r.target.starts_with(&start));
    assert!(denied.is_some(), "no denial recorded: {:#?}", done.records);
    Ok(())
}

#[tokio::test]
async fn every_change_started_in_the_log_also_ends_in_it() -> TestResult {
    let (tree, outside) = (Tree::new()?, Outside::new()?);
    let host = Host::new(&tree_policy(&tree.base))?;
    let code = r#"
import os

def run(tree, other):
    return [attempt(os.rename, tree + "/a.txt", other + "/a.txt"),
            attempt(os.link, tree + "/a.txt", other + "/hard.txt")]
"#;
    let params = json!({ "tree": tree.at(""), "other": text(&outside.dir) });
    let done = host.returned(Risk::HighRisk, code, params).await?;

    assert_eq!(done.value, json!(["PermissionError", "PermissionError"]));
    for started in done
        .records
        .iter()
        .filter(|r| r.outcome.as_deref() == Some("started"))
    {
        let ended = done.records.iter().any(|r| {
            r.seq > started.seq
                && r.operation == started.operation
                && r.target == started.target
                && r.outcome.as_deref() != Some("started")
        });
        assert!(
            ended,
            "{} {} started and never ended",
            started.operation, started.target
        );
    }
    Ok(())
}
