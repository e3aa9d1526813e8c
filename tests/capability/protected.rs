//! What an allow rule cannot open: paths a deny rule names, and protected paths (the audit log,
//! a directory handed in as protected) even under a rule that allows everything around them.

use std::fs;

use serde_json::json;
use ward::audit::Decision;
use ward::policy::Risk;

use super::files::{Tree, text};
use super::host::{Host, TestResult, recorded};

#[tokio::test]
async fn a_deny_rule_beats_an_allow_rule() -> TestResult {
    let tree = Tree::new()?;
    fs::create_dir(tree.tree.join("private"))?;
    fs::write(tree.tree.join("private/key.txt"), "key")?;
    let policy = format!(
        r#"
[[allow]]
risk = ["standard", "high_risk"]
operations = ["file.*"]
paths = ['{base}/**']

[[deny]]
operations = ["file.*"]
paths = ['{base}/tree/private', '{base}/tree/private/**']
"#,
        base = tree.base.display()
    );
    let host = Host::new(&policy)?;
    let code = r#"
import os
import shutil

def run(tree):
    private = tree + "/private"
    return {
        "read": attempt(lambda: open(private + "/key.txt").read()),
        "list": attempt(os.listdir, private),
        "write": attempt(lambda: open(private + "/new.txt", "w")),
        "remove": attempt(os.remove, private + "/key.txt"),
        "rmtree": attempt(shutil.rmtree, private),
        "allowed": attempt(lambda: open(tree + "/new.txt", "w")),
    }
"#;
    let done = host
        .returned(Risk::HighRisk, code, json!({ "tree": tree.at("") }))
        .await?;

    for denied in ["read", "list", "write", "remove", "rmtree"] {
        assert_eq!(
            done.at(denied),
            "PermissionError",
            "{denied}: {:?}",
            done.value
        );
    }
    assert_eq!(done.at("allowed"), "ok");
    assert_eq!(
        fs::read_to_string(tree.tree.join("private/key.txt"))?,
        "key"
    );
    assert!(!tree.tree.join("private/new.txt").exists());
    for (operation, target) in [
        ("file.read", "private/key.txt"),
        ("file.list", "private"),
        ("file.write", "private/new.txt"),
        ("file.delete", "private/key.txt"),
    ] {
        let denied = recorded(&done.records, operation, &tree.at(target), Decision::Deny)?;
        assert!(denied.rule.starts_with("test.toml:7 (deny"), "{denied:?}");
    }
    recorded(
        &done.records,
        "file.write",
        &tree.at("new.txt"),
        Decision::Allow,
    )?;
    Ok(())
}

#[tokio::test]
async fn protected_paths_are_refused_even_under_a_rule_allowing_everything_around_them()
-> TestResult {
    let tree = Tree::new()?;
    let kept = tree.tree.join("outer/kept");
    fs::create_dir_all(&kept)?;
    fs::write(kept.join("data.txt"), "kept")?;
    let policy = format!(
        r#"
[[allow]]
risk = ["standard", "high_risk"]
operations = ["file.*"]
paths = ['{{state}}/**', '{base}/**']
"#,
        base = tree.base.display()
    );
    let host = Host::builder(&policy).protect(&kept, "kept data").build()?;
    let code = r#"
import os
import shutil

def run(log, kept, outer, free):
    return {
        "read_log": attempt(lambda: open(log).read()),
        "append_log": attempt(lambda: open(log, "a")),
        "truncate_log": attempt(lambda: open(log, "w")),
        "remove_log": attempt(os.remove, log),
        "rename_log": attempt(os.rename, log, log + ".old"),
        "read_kept": attempt(lambda: open(kept + "/data.txt").read()),
        "list_kept": attempt(os.listdir, kept),
        "write_kept": attempt(lambda: open(kept + "/new.txt", "w")),
        "rmtree_kept": attempt(shutil.rmtree, kept),
        "rename_outer": attempt(os.rename, outer, outer + "-moved"),
        "rmdir_outer": attempt(os.rmdir, outer),
        "free": attempt(lambda: open(free, "w")),
    }
"#;
    let log = text(host.audit_path());
    let params = json!({
        "log": log,
        "kept": text(&kept),
        "outer": tree.at("outer"),
        "free": tree.at("free.txt"),
    });
    let done = host.returned(Risk::HighRisk, code, params).await?;

    for (attempt, answer) in done.value.as_object().into_iter().flatten() {
        let expected = if attempt == "free" {
            "ok"
        } else {
            "PermissionError"
        };
        assert_eq!(answer, expected, "{attempt}: {:?}", done.value);
    }
    assert_eq!(fs::read_to_string(kept.join("data.txt"))?, "kept");
    assert!(!kept.join("new.txt").exists());
    let on_log: Vec<_> = done
        .records
        .iter()
        .filter(|r| r.target.starts_with(&log))
        .collect();
    assert!(
        on_log.len() >= 5
            && on_log
                .iter()
                .all(|r| r.decision == Decision::Deny && r.rule == "protected: audit log"),
        "{on_log:#?}"
    );
    for (operation, target) in [
        ("file.read", text(&kept.join("data.txt"))),
        ("file.list", text(&kept)),
        ("file.write", text(&kept.join("new.txt"))),
        ("file.delete", tree.at("outer")),
    ] {
        let denied = recorded(&done.records, operation, &target, Decision::Deny)?;
        assert_eq!(denied.rule, "protected: kept data", "{denied:?}");
    }
    Ok(())
}

#[tokio::test]
async fn renaming_a_parent_cannot_carry_a_denied_path_out_from_under_its_rule() -> TestResult {
    let tree = Tree::new()?;
    fs::create_dir(tree.tree.join("private"))?;
    fs::write(tree.tree.join("private/key.txt"), "key")?;
    let policy = format!(
        r#"
[[allow]]
risk = ["high_risk"]
operations = ["file.*"]
paths = ['{base}/**']

[[deny]]
operations = ["file.*"]
paths = ['{base}/tree/private', '{base}/tree/private/**']
"#,
        base = tree.base.display()
    );
    let host = Host::new(&policy)?;
    let code = r#"
import os

def run(tree, moved):
    renamed = attempt(os.rename, tree, moved)
    try:
        with open(moved + "/private/key.txt") as f:
            read = f.read()
    except OSError as error:
        read = type(error).__name__
    return {"rename": renamed, "read": read}
"#;
    let params = json!({ "tree": tree.at(""), "moved": text(&tree.base.join("moved")) });
    let done = host.returned(Risk::HighRisk, code, params).await?;

    assert_ne!(
        done.at("read"),
        "key",
        "the denied file was read: {:?}",
        done.value
    );
    Ok(())
}
