//! The vocabulary shared by the policy engine and its callers: script risks,
//! operations, the targets they act on, and the decision handed back.
//!
//! Capabilities build a [`Request`] for every host operation a script asks
//! for; the audit log records the [`Decision`] next to it.

use std::fmt;
use std::path::PathBuf;

/// How much a script is trusted, as declared by whoever uploaded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Looks but never changes: no write, delete, kill or registry change,
    /// whatever a policy rule says.
    Standard,
    /// May change the host where a policy rule allows it.
    HighRisk,
}

impl Risk {
    /// Every risk, in the order a policy lists them.
    pub const ALL: [Risk; 2] = [Risk::Standard, Risk::HighRisk];

    /// The risk written `name` in policy files, if there is one.
    pub fn from_name(name: &str) -> Option<Risk> {
        Risk::ALL.into_iter().find(|risk| risk.as_str() == name)
    }

    /// The name written in policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Standard => "standard",
            Risk::HighRisk => "high_risk",
        }
    }

    /// Operations this risk may be granted at all; a rule cannot go beyond them.
    pub fn ceiling(self) -> OpSet {
        match self {
            Risk::Standard => [
                Operation::FileRead,
                Operation::FileList,
                Operation::ProcessList,
                Operation::RegistryRead,
            ]
            .into_iter()
            .collect(),
            Risk::HighRisk => OpSet::ALL,
        }
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of host object an operation acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    Path,
    Process,
    RegistryKey,
}

impl TargetKind {
    /// The words reports use for targets of this kind.
    pub fn describe(self) -> &'static str {
        match self {
            TargetKind::Path => "paths",
            TargetKind::Process => "processes named",
            TargetKind::RegistryKey => "registry keys under",
        }
    }
}

/// One host operation a script can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    FileRead,
    FileWrite,
    FileDelete,
    FileList,
    ProcessList,
    ProcessKill,
    RegistryRead,
    RegistryWrite,
    RegistryDelete,
}

impl Operation {
    /// Every operation, in the order policies and reports list them.
    pub const ALL: [Operation; 9] = [
        Operation::FileRead,
        Operation::FileWrite,
        Operation::FileDelete,
        Operation::FileList,
        Operation::ProcessList,
        Operation::ProcessKill,
        Operation::RegistryRead,
        Operation::RegistryWrite,
        Operation::RegistryDelete,
    ];

    /// The operation written `name` in policy files, if there is one.
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.as_str() == name)
    }

    /// The name written in policy files and audit records, e.g. `file.read`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::FileRead => "file.read",
            Operation::FileWrite => "file.write",
            Operation::FileDelete => "file.delete",
            Operation::FileList => "file.list",
            Operation::ProcessList => "process.list",
            Operation::ProcessKill => "process.kill",
            Operation::RegistryRead => "registry.read",
            Operation::RegistryWrite => "registry.write",
            Operation::RegistryDelete => "registry.delete",
        }
    }

    /// The kind of target this operation needs in a [`Request`].
    pub fn target_kind(self) -> TargetKind {
        match self {
            Operation::FileRead
            | Operation::FileWrite
            | Operation::FileDelete
            | Operation::FileList => TargetKind::Path,
            Operation::ProcessList | Operation::ProcessKill => TargetKind::Process,
            Operation::RegistryRead | Operation::RegistryWrite | Operation::RegistryDelete => {
                TargetKind::RegistryKey
            }
        }
    }

    /// Whether the operation changes the host rather than only observing it.
    pub fn changes_host(self) -> bool {
        !Risk::Standard.ceiling().contains(self)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of operations; prints as a comma-separated list in policy order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OpSet(u16);

impl OpSet {
    /// No operation.
    pub const EMPTY: OpSet = OpSet(0);
    /// Every operation.
    pub const ALL: OpSet = OpSet((1 << Operation::ALL.len()) - 1);

    pub fn contains(self, op: Operation) -> bool {
        self.0 & op.bit() != 0
    }

    pub fn insert(&mut self, op: Operation) {
        self.0 |= op.bit();
    }

    pub fn union(self, other: OpSet) -> OpSet {
        OpSet(self.0 | other.0)
    }

    pub fn intersection(self, other: OpSet) -> OpSet {
        OpSet(self.0 & other.0)
    }

    /// The operations of `self` that are not in `other`.
    pub fn difference(self, other: OpSet) -> OpSet {
        OpSet(self.0 & !other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The operations in policy order.
    pub fn iter(self) -> impl Iterator<Item = Operation> {
        Operation::ALL
            .into_iter()
            .filter(move |op| self.contains(*op))
    }
}

impl FromIterator<Operation> for OpSet {
    fn from_iter<I: IntoIterator<Item = Operation>>(ops: I) -> Self {
        let mut set = OpSet::EMPTY;
        for op in ops {
            set.insert(op);
        }
        set
    }
}

impl fmt::Display for OpSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Operation::as_str).collect();
        f.write_str(&names.join(", "))
    }
}

/// The host object an operation acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An absolute, normalised path as resolved by the caller.
    Path(PathBuf),
    /// A running process; rules match its name, protection matches its pid.
    Process { pid: u32, name: String },
    /// A registry key with its root spelled out or abbreviated
    /// (`HKEY_LOCAL_MACHINE\Software\Ward` or `HKLM\Software\Ward`).
    RegistryKey(String),
}

impl Target {
    /// The kind of target, to be checked against the operation's.
    pub fn kind(&self) -> TargetKind {
        match self {
            Target::Path(_) => TargetKind::Path,
            Target::Process { .. } => TargetKind::Process,
            Target::RegistryKey(_) => TargetKind::RegistryKey,
        }
    }
}

/// One operation a script asks the host to perform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub risk: Risk,
    pub operation: Operation,
    pub target: Target,
}

/// The policy's answer to a [`Request`], worded for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// What decided, e.g. `policies/default.toml:14 (allow file.read /var/log/**)`,
    /// `protected: audit log`, or `default deny`.
    pub rule: String,
}

impl Decision {
    pub(super) fn allow(rule: String) -> Self {
        Decision {
            allowed: true,
            rule,
        }
    }

    pub(super) fn deny(rule: impl Into<String>) -> Self {
        Decision {
            allowed: false,
            rule: rule.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_round_trip() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_name(op.as_str()), Some(op));
        }
        assert_eq!(Operation::from_name("file.reed"), None);
        assert_eq!(Risk::from_name("high_risk"), Some(Risk::HighRisk));
    }

    #[test]
    fn standard_ceiling_excludes_every_change() {
        let changes: OpSet = Operation::ALL
            .into_iter()
            .filter(|op| op.changes_host())
            .collect();
        assert_eq!(
            changes.to_string(),
            "file.write, file.delete, process.kill, registry.write, registry.delete"
        );
        assert_eq!(Risk::HighRisk.ceiling(), OpSet::ALL);
    }

    #[test]
    fn op_set_prints_in_policy_order() {
        let set: OpSet = [Operation::ProcessKill, Operation::FileRead]
            .into_iter()
            .collect();
        assert_eq!(set.to_string(), "file.read, process.kill");
        assert!(OpSet::ALL.difference(OpSet::ALL).is_empty());
    }
}
