//! Decisions on the sample policy, and what `ward policy` reports about it.

use std::path::PathBuf;

use super::{Result, file, kill, sample};
use crate::policy::{Decision, Operation, Policy, Protected, Request, Risk, Target};

#[test]
fn denies_by_default() -> Result {
    let policy = Policy::parse("", "empty.toml", Protected::new())?;
    let decision = policy.decide(&file(Risk::HighRisk, Operation::FileRead, "/etc/hosts"));
    assert_eq!(
        decision,
        Decision {
            allowed: false,
            rule: "default deny".to_owned()
        }
    );
    Ok(())
}

#[test]
fn allow_rule_names_its_line_operation_and_glob() -> Result {
    let decision = sample()?.decide(&file(Risk::Standard, Operation::FileRead, "/etc/hosts"));
    assert!(decision.allowed);
    assert_eq!(decision.rule, "sample.toml:2 (allow file.read /**)");
    Ok(())
}

#[test]
fn deny_beats_an_earlier_allow() -> Result {
    let policy = sample()?;
    let decision = policy.decide(&file(Risk::HighRisk, Operation::FileRead, "/etc/shadow"));
    assert!(!decision.allowed);
    assert_eq!(decision.rule, "sample.toml:7 (deny file.read /etc/shadow)");
    let key = policy.decide(&file(
        Risk::Standard,
        Operation::FileRead,
        "/home/ann/.ssh/id_rsa",
    ));
    assert!(!key.allowed);
    Ok(())
}

#[test]
fn standard_can_never_write_delete_or_kill_whatever_the_rule() -> Result {
    let policy = sample()?;
    for op in [Operation::FileWrite, Operation::FileDelete] {
        let decision = policy.decide(&file(Risk::Standard, op, "/tmp/x"));
        assert!(!decision.allowed);
        assert!(
            decision.rule.starts_with("risk ceiling"),
            "{}",
            decision.rule
        );
        assert!(policy.decide(&file(Risk::HighRisk, op, "/tmp/x")).allowed);
    }
    assert!(!policy.decide(&kill(Risk::Standard, 900, "miner")).allowed);
    assert!(policy.decide(&kill(Risk::HighRisk, 900, "miner")).allowed);
    Ok(())
}

#[test]
fn check_warns_about_changes_granted_to_standard() -> Result {
    let warnings = sample()?.check();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].location.line, Some(17));
    assert!(
        warnings[0].message.contains("process.kill"),
        "{}",
        warnings[0]
    );
    Ok(())
}

#[test]
fn protected_processes_are_never_killed_but_may_be_listed() -> Result {
    let policy = sample()?;
    for (pid, label) in [(1, "PID 1 (init)"), (4242, "ward itself (pid 4242)")] {
        let decision = policy.decide(&kill(Risk::HighRisk, pid, "anything"));
        assert_eq!(
            decision,
            Decision {
                allowed: false,
                rule: format!("protected: {label}")
            }
        );
    }
    let target = Target::Process {
        pid: 1,
        name: "systemd".to_owned(),
    };
    let list = Request {
        risk: Risk::Standard,
        operation: Operation::ProcessList,
        target,
    };
    assert_eq!(policy.decide(&list).rule, "default deny");
    Ok(())
}

#[test]
fn protected_paths_are_refused_to_every_rule() -> Result {
    let policy = sample()?;
    for (path, label) in [
        ("/var/lib/ward/agent.db", "ward data directory"),
        ("/var/lib/ward", "ward data directory"),
        ("/var/log/ward/audit.jsonl", "audit log"),
        ("/etc/ward/policy.toml", "policy file"),
    ] {
        let decision = policy.decide(&file(Risk::HighRisk, Operation::FileRead, path));
        assert_eq!(decision.rule, format!("protected: {label}"));
        assert!(!decision.allowed);
    }
    Ok(())
}

#[test]
fn malformed_paths_are_denied_with_a_clear_rule() -> Result {
    let policy = sample()?;
    for (path, rule) in [
        ("etc/hosts", "invalid path: not absolute"),
        ("/tmp/../etc/shadow", "invalid path: contains `..`"),
        ("/etc/hosts\0", "invalid path: contains a NUL byte"),
    ] {
        let decision = policy.decide(&file(Risk::Standard, Operation::FileRead, path));
        assert_eq!(
            decision,
            Decision {
                allowed: false,
                rule: rule.to_owned()
            }
        );
    }
    Ok(())
}

#[test]
fn doubled_slashes_cannot_dodge_a_deny_glob() -> Result {
    let decision = sample()?.decide(&file(Risk::Standard, Operation::FileRead, "//etc/./shadow"));
    assert!(!decision.allowed, "{}", decision.rule);
    Ok(())
}

#[test]
fn registry_prefix_is_case_insensitive_and_stops_at_separators() -> Result {
    let policy = sample()?;
    let read = |key: &str| {
        let target = Target::RegistryKey(key.to_owned());
        policy.decide(&Request {
            risk: Risk::Standard,
            operation: Operation::RegistryRead,
            target,
        })
    };
    assert!(read(r"HKEY_LOCAL_MACHINE\Software\Ward").allowed);
    assert!(read(r"hklm\SOFTWARE\WARD\Scripts").allowed);
    assert!(!read(r"HKEY_LOCAL_MACHINE\Software\Wardrobe").allowed);
    assert!(!read(r"HKEY_LOCAL_MACHINE\Software").allowed);
    assert!(
        read(r"HKEY_BOGUS\Software\Ward")
            .rule
            .starts_with("invalid registry key")
    );
    Ok(())
}

#[test]
fn an_operation_on_the_wrong_kind_of_target_is_denied() -> Result {
    let request = Request {
        risk: Risk::HighRisk,
        operation: Operation::ProcessKill,
        target: Target::Path(PathBuf::from("/tmp/x")),
    };
    assert!(
        sample()?
            .decide(&request)
            .rule
            .starts_with("invalid request")
    );
    Ok(())
}

#[test]
fn explain_names_grants_denials_protection_and_what_is_missing() -> Result {
    let standard = sample()?.explain(Risk::Standard);
    assert!(
        standard.contains("file.read, file.list on paths /**  [sample.toml:2]"),
        "{standard}"
    );
    assert!(
        standard.contains("file.read on paths /etc/shadow, /home/*/.ssh/id_*"),
        "{standard}"
    );
    assert!(
        standard.contains("audit log: /var/log/ward/audit.jsonl"),
        "{standard}"
    );
    assert!(standard.contains("PID 1 (init): process 1 may be listed but never killed"));
    assert!(standard.contains(
        "file.write, file.delete, process.kill, registry.write, registry.delete: never given"
    ));
    assert!(
        standard.contains("process.list: no rule grants it"),
        "{standard}"
    );
    Ok(())
}
