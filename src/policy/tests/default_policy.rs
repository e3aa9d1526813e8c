//! The policy ward ships in `policies/default.toml`.

use super::{Result, file, kill};
use crate::policy::{Operation, Policy, Protected, Risk};

const DEFAULT: &str = include_str!("../../../policies/default.toml");

#[test]
fn shipped_default_denies_shadow_and_allows_reading_syslog() -> Result {
    let policy = Policy::parse(DEFAULT, "policies/default.toml", Protected::new())?;
    assert!(policy.check().is_empty(), "{:?}", policy.check());
    let read = |path: &str| policy.decide(&file(Risk::Standard, Operation::FileRead, path));
    assert!(read("/var/log/syslog").allowed);
    for secret in [
        "/etc/shadow",
        "/etc/gshadow",
        "/root/.bashrc",
        "/home/ann/.ssh/id_ed25519",
    ] {
        assert!(!read(secret).allowed, "{secret} readable");
    }
    assert!(!read("/etc/ssh/ssh_host_ed25519_key").allowed);
    assert!(read("/etc/ssh/ssh_host_ed25519_key.pub").allowed);
    Ok(())
}

#[test]
fn shipped_default_keeps_system_directories_unchanged() -> Result {
    let policy = Policy::parse(DEFAULT, "policies/default.toml", Protected::new())?;
    let delete = |path: &str| policy.decide(&file(Risk::HighRisk, Operation::FileDelete, path));
    assert!(delete("/tmp/dropper.sh").allowed);
    assert!(delete("/home/ann/Downloads/invoice.pdf.exe").allowed);
    for system in [
        "/usr/bin/ls",
        "/etc/passwd",
        "/lib64/ld.so",
        "/var/lib/dpkg/status",
        "/boot",
    ] {
        assert!(!delete(system).allowed, "{system} deletable");
    }
    assert!(!policy.decide(&kill(Risk::HighRisk, 700, "sshd")).allowed);
    assert!(policy.decide(&kill(Risk::HighRisk, 700, "xmrig")).allowed);
    Ok(())
}
