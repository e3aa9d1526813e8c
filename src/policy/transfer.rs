//! A policy as it travels to another ward process: the warm interpreters of the sandbox run in
//! a process of their own, which must decide exactly as the agent that started it would.

use serde::{Deserialize, Serialize};

use super::{Policy, PolicyError, Protected};

/// Everything a [`Policy`] was built from, including what [`Policy::load`] added to it (the
/// protected policy file and the resolved registry hive).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyTransfer {
    text: String,
    source: String,
    protected: Protected,
    registry_hive: Option<std::path::PathBuf>,
}

impl Policy {
    /// What another process needs to rebuild this policy with [`Policy::from_transfer`].
    pub fn transfer(&self) -> PolicyTransfer {
        PolicyTransfer {
            text: self.text.clone(),
            source: self.source.clone(),
            protected: self.protected.clone(),
            registry_hive: self.limits.registry_hive.clone(),
        }
    }

    /// This policy, also protecting process `pid`.
    pub fn with_protected_pid(mut self, pid: u32, label: impl Into<String>) -> Self {
        self.protected = self.protected.with_pid(pid, label);
        self
    }

    /// Rebuilds a policy sent by [`Policy::transfer`], protecting `extra` as well.
    ///
    /// # Errors
    ///
    /// As [`Policy::parse`]; a policy that parsed once parses again unless the text was altered
    /// on its way.
    pub fn from_transfer(transfer: PolicyTransfer, extra: Protected) -> Result<Self, PolicyError> {
        let mut protected = transfer.protected;
        for (pid, label) in extra.pids() {
            protected = protected.with_pid(pid, label);
        }
        for (path, label) in extra.paths() {
            protected = protected.with_path(path, label);
        }
        let mut policy = Policy::parse(&transfer.text, &transfer.source, protected)?;
        policy.limits.registry_hive = transfer.registry_hive;
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Operation, Request, Risk, Target};

    #[test]
    fn a_transferred_policy_decides_as_the_original() -> Result<(), PolicyError> {
        let text = "[[allow]]\nrisk = [\"standard\"]\noperations = [\"file.read\"]\npaths = [\"/srv/**\"]\n";
        let original = Policy::parse(text, "t.toml", Protected::new().with_pid(77, "agent"))?;
        let wire = serde_json::to_string(&original.transfer()).expect("encodes");
        let back: PolicyTransfer = serde_json::from_str(&wire).expect("decodes");
        let rebuilt = Policy::from_transfer(back, Protected::new().with_pid(78, "worker"))?;
        for path in ["/srv/a", "/etc/passwd"] {
            let request = Request {
                risk: Risk::Standard,
                operation: Operation::FileRead,
                target: Target::Path(path.into()),
            };
            assert_eq!(
                original.decide(&request).allowed,
                rebuilt.decide(&request).allowed
            );
        }
        assert!(rebuilt.protected().pids().any(|(pid, _)| pid == 77));
        assert!(rebuilt.protected().pids().any(|(pid, _)| pid == 78));
        Ok(())
    }
}
