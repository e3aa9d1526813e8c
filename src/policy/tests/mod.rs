//! The policy engine end to end: policy text in, decisions, errors and
//! reports out.

mod decisions;
mod default_policy;
mod loading;

use std::path::PathBuf;

use super::{Operation, Policy, PolicyError, Protected, Request, Risk, Target};

pub(super) type Result<T = ()> = std::result::Result<T, PolicyError>;

const SAMPLE: &str = r#"
[[allow]]
risk = ["standard", "high_risk"]
operations = ["file.read", "file.list"]
paths = ["/**"]

[[deny]]
operations = ["file.read"]
paths = ["/etc/shadow", "/home/*/.ssh/id_*"]

[[allow]]
risk = ["high_risk"]
operations = ["file.write", "file.delete", "process.kill"]
paths = ["/tmp/**"]
processes = ["*"]

[[allow]]
risk = ["standard"]
operations = ["process.kill", "registry.read"]
processes = ["*"]
registry_keys = ['HKEY_LOCAL_MACHINE\Software\Ward']
"#;

pub(super) fn sample() -> Result<Policy> {
    let protected = Protected::new()
        .with_pid(1, "PID 1 (init)")
        .with_pid(4242, "ward itself (pid 4242)")
        .with_path("/var/lib/ward", "ward data directory")
        .with_path("/var/log/ward/audit.jsonl", "audit log")
        .with_path("/etc/ward/policy.toml", "policy file");
    Policy::parse(SAMPLE, "sample.toml", protected)
}

pub(super) fn file(risk: Risk, operation: Operation, path: &str) -> Request {
    Request {
        risk,
        operation,
        target: Target::Path(PathBuf::from(path)),
    }
}

pub(super) fn kill(risk: Risk, pid: u32, name: &str) -> Request {
    let target = Target::Process {
        pid,
        name: name.to_owned(),
    };
    Request {
        risk,
        operation: Operation::ProcessKill,
        target,
    }
}
