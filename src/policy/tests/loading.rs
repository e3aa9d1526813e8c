//! Loading policies: files, errors with their position, limits, and text
//! that must never make the parser panic.

use std::path::PathBuf;

use proptest::prelude::*;

use super::{Result, file};
use crate::policy::{Limits, Operation, Policy, PolicyError, Protected, Risk};

#[test]
fn load_protects_the_policy_file_and_its_hive()
-> std::result::Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("policy.toml");
    let text = "[[allow]]\nrisk = [\"standard\"]\noperations = [\"file.read\"]\npaths = [\"/**\"]\n\
                [limits]\nregistry_hive = \"hive.json\"\n";
    std::fs::write(&path, text)?;

    let policy = Policy::load(&path, Protected::new())?;
    let read = |path: &std::path::Path| {
        policy.decide(&file(
            Risk::Standard,
            Operation::FileRead,
            &path.to_string_lossy(),
        ))
    };

    let own = std::fs::canonicalize(&path)?;
    assert_eq!(read(&own).rule, "protected: policy file");

    // The hive is resolved next to the policy and protected like it.
    let hive = policy.limits().registry_hive.clone().unwrap_or_default();
    assert_eq!(hive, own.with_file_name("hive.json"));
    assert_eq!(read(&hive).rule, "protected: registry hive");
    Ok(())
}

fn error_text(text: &str) -> String {
    match Policy::parse(text, "bad.toml", Protected::new()) {
        Ok(_) => "parsed".to_owned(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn errors_give_line_and_column_and_how_to_fix() {
    let unknown_op =
        "\n[[allow]]\nrisk = [\"standard\"]\noperations = [\"file.reed\"]\npaths = [\"/**\"]\n";
    let message = error_text(unknown_op);
    assert!(
        message.starts_with("bad.toml:4:15: unknown operation `file.reed`"),
        "{message}"
    );
    assert!(message.contains("file.read, file.write"), "{message}");

    let bad_glob = "[[deny]]\noperations = [\"file.read\"]\npaths = [\"/ok\", \"/var/[log\"]\n";
    let message = error_text(bad_glob);
    assert!(
        message.starts_with("bad.toml:3:17: invalid path glob `/var/[log`"),
        "{message}"
    );

    let unknown_field = "[[deny]]\noperations = [\"file.read\"]\npath = [\"/x\"]\n";
    assert!(error_text(unknown_field).starts_with("bad.toml:3:1: unknown field `path`"));

    let no_risk = "# c\n[[allow]]\noperations = [\"file.read\"]\npaths = [\"/x\"]\n";
    assert!(error_text(no_risk).starts_with("bad.toml:2:1: allow rule has no `risk`"));
}

#[test]
fn rules_must_pair_operations_with_their_targets() {
    let missing = "[[deny]]\noperations = [\"process.kill\"]\npaths = [\"/x\"]\n";
    let message = error_text(missing);
    assert!(
        message.contains("process.kill need a `processes` list"),
        "{message}"
    );
    assert!(
        error_text("[[allow]]\nrisk = []\noperations = [\"file.read\"]\npaths = [\"/x\"]\n")
            .contains("`risk` is empty")
    );
    assert!(
        error_text("[[deny]]\noperations = [\"file.read\"]\npaths = [\"x/**\"]\n")
            .contains("is not absolute")
    );
}

#[test]
fn limits_default_to_documented_values() -> Result {
    let policy = Policy::parse("", "p.toml", Protected::new())?;
    let expected = Limits {
        max_retrieved_file_bytes: 100 * 1024 * 1024,
        registry_hive: None,
    };
    assert_eq!(policy.limits(), &expected);
    let text = "[limits]\nmax_retrieved_file_bytes = 10\nregistry_hive = \"hive.json\"\n";
    let limits = Policy::parse(text, "p.toml", Protected::new())?
        .limits()
        .clone();
    assert_eq!(limits.max_retrieved_file_bytes, 10);
    assert_eq!(limits.registry_hive, Some(PathBuf::from("hive.json")));
    Ok(())
}

#[test]
fn relative_protected_paths_are_refused() {
    let protected = Protected::new().with_path("audit.jsonl", "audit log");
    let error = Policy::parse("", "p.toml", protected).err();
    assert!(matches!(
        error,
        Some(PolicyError::ProtectedPathNotAbsolute { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_never_panics_on_arbitrary_text(text in "\\PC*") {
        let _ = Policy::parse(&text, "fuzz.toml", Protected::new());
    }

    #[test]
    fn parse_never_panics_on_policy_shaped_text(
        risk in "[a-z_]{0,10}",
        op in "[a-z.*]{0,16}",
        glob in "[/a-z*?\\[\\]{},.\\\\]{0,12}",
    ) {
        let text = format!(
            "[[allow]]\nrisk = [\"{risk}\"]\noperations = [\"{op}\"]\npaths = ['{glob}']\n\
             processes = ['{glob}']\nregistry_keys = ['{glob}']\n"
        );
        let _ = Policy::parse(&text, "fuzz.toml", Protected::new());
    }
}
