//! Feeds a policy file to `Policy::parse`, as `ward` reads `policies/*.toml`, then asks the
//! parsed policy about one target, which it must never open when protected, nor past a risk's
//! ceiling, whatever the file says.
//!
//! The input is the policy text, optionally followed by a NUL byte and a target (a path, a
//! process name or a registry key) to decide.

#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use ward::policy::{Operation, Policy, Protected, Request, Risk, Target};

// ward's own data and process, protected whatever the policy says.
const AGENT_DATA: &str = "/var/lib/ward";
const AGENT_PID: u32 = 4242;

fuzz_target!(|bytes: &[u8]| {
    let (text, target) = match bytes.iter().position(|b| *b == 0) {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (bytes, &b"/var/log/syslog"[..]),
    };
    let (Ok(text), Ok(target)) = (std::str::from_utf8(text), std::str::from_utf8(target)) else {
        return;
    };
    let protected = Protected::new()
        .with_path(AGENT_DATA, "agent data")
        .with_pid(AGENT_PID, "agent");
    let normal: PathBuf = Path::new(target).components().collect();
    let Ok(policy) = Policy::parse(text, "fuzz.toml", protected) else {
        return;
    };

    let _ = policy.check();
    for risk in Risk::ALL {
        let _ = policy.explain(risk);
        let _ = policy.deny_below(risk, Path::new(target));
        for operation in Operation::ALL {
            let targets = [
                Target::Path(target.into()),
                Target::Process {
                    pid: AGENT_PID,
                    name: target.to_owned(),
                },
                Target::RegistryKey(target.to_owned()),
            ];
            for target in targets {
                let protected = match &target {
                    Target::Path(_) => {
                        normal.starts_with(AGENT_DATA)
                            || (operation.changes_host()
                                && Path::new(AGENT_DATA).starts_with(&normal))
                    }
                    Target::Process { pid, .. } => operation.changes_host() && *pid == AGENT_PID,
                    Target::RegistryKey(_) => false,
                };
                let decision = policy.decide(&Request {
                    risk,
                    operation,
                    target,
                });
                assert!(
                    !(decision.allowed && protected),
                    "{operation} on a protected target allowed by {}",
                    decision.rule
                );
                // A standard-risk script never changes the host, whatever the file says.
                assert!(
                    !decision.allowed || risk.ceiling().contains(operation),
                    "{operation} allowed to a {risk} script"
                );
            }
        }
    }
});
