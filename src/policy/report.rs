//! What `ward policy` prints: a plain-words account of what a script may do
//! on this host, and warnings about rules that probably do not mean what
//! their author thinks.

use std::fmt::{self, Write};

use super::error::Location;
use super::model::{OpSet, Risk, TargetKind};
use super::roots::{GLOB_META, literal_directory};
use super::rule::Rule;
use super::{DEFAULT_MAX_RETRIEVED_FILE_BYTES, Policy};

/// A rule that is valid but suspicious, found by [`Policy::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub location: Location,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

const KINDS: [TargetKind; 3] = [
    TargetKind::Path,
    TargetKind::Process,
    TargetKind::RegistryKey,
];

impl Policy {
    /// Everything a script of `risk` may do on this host, in plain words: one
    /// line per allowed group of operations with its targets, the deny rules,
    /// the protected targets, the operations it cannot get, and the limits.
    pub fn explain(&self, risk: Risk) -> String {
        let mut out = format!("What a {risk} script may do under {}\n", self.source);
        let applies = |rule: &&Rule| rule.risks.contains(&risk);

        out.push_str("\nAllowed, unless a line further down forbids it:\n");
        let mut granted = OpSet::EMPTY;
        for rule in self.allow.iter().filter(applies) {
            let ops = rule.operations.intersection(risk.ceiling());
            granted = granted.union(ops);
            self.write_rule_lines(&mut out, rule, ops);
        }
        if granted.is_empty() {
            out.push_str("  nothing\n");
        }

        out.push_str("\nNever allowed, whatever the lines above say:\n");
        let deny: Vec<&Rule> = self.deny.iter().filter(applies).collect();
        for rule in &deny {
            self.write_rule_lines(&mut out, rule, rule.operations);
        }
        if deny.is_empty() {
            out.push_str("  no deny rule\n");
        }

        out.push_str("\nProtected, out of reach of every rule:\n");
        if self.protected.paths().next().is_none() && self.protected.pids().next().is_none() {
            out.push_str("  nothing was named when this policy was loaded\n");
        }
        for (path, label) in self.protected.paths() {
            let _ = writeln!(out, "  {label}: {} and everything in it", path.display());
        }
        for (pid, label) in self.protected.pids() {
            let _ = writeln!(
                out,
                "  {label}: process {pid} may be listed but never killed"
            );
        }

        out.push_str("\nNot available to this risk:\n");
        let capped = OpSet::ALL.difference(risk.ceiling());
        let ungranted = OpSet::ALL.difference(granted).difference(capped);
        if !capped.is_empty() {
            let _ = writeln!(out, "  {capped}: never given to {risk} scripts");
        }
        if !ungranted.is_empty() {
            let _ = writeln!(out, "  {ungranted}: no rule grants it");
        }
        if capped.is_empty() && ungranted.is_empty() {
            out.push_str("  nothing: every operation is granted somewhere\n");
        }

        out.push_str("\nLimits:\n");
        let bytes = self.limits.max_retrieved_file_bytes;
        let _ = writeln!(
            out,
            "  retrieved files: at most {bytes} bytes ({})",
            mebibytes(bytes)
        );
        match &self.limits.registry_hive {
            Some(hive) => {
                let _ = writeln!(out, "  registry: the file-backed hive {}", hive.display());
            }
            None => out.push_str("  registry: the host's own registry, where there is one\n"),
        }
        out
    }

    /// One line per kind of target the rule names, with the rule's place.
    fn write_rule_lines(&self, out: &mut String, rule: &Rule, ops: OpSet) {
        for kind in KINDS {
            let of_kind: OpSet = ops.iter().filter(|op| op.target_kind() == kind).collect();
            if of_kind.is_empty() {
                continue;
            }
            let targets = rule.targets(kind).join(", ");
            let _ = writeln!(
                out,
                "  {of_kind} on {} {targets}  [{}:{}]",
                kind.describe(),
                self.source,
                rule.line
            );
        }
    }

    /// Rules that are valid but probably wrong: grants a standard script can
    /// never use, changes allowed on globs that start at the file system root
    /// or on a whole registry root, and a policy that allows nothing.
    pub fn check(&self) -> Vec<Warning> {
        let mut warnings = Vec::new();
        let at = |line: Option<usize>| Location {
            source: self.source.clone(),
            line,
            column: None,
        };
        if self.allow.is_empty() {
            warnings.push(Warning {
                location: at(None),
                message: "no allow rule: every request will be denied".to_owned(),
            });
        }

        for rule in &self.allow {
            let mut warn = |message: String| {
                warnings.push(Warning {
                    location: at(Some(rule.line)),
                    message,
                });
            };
            let beyond = rule.operations.difference(Risk::Standard.ceiling());
            if rule.risks.contains(&Risk::Standard) && !beyond.is_empty() {
                warn(format!(
                    "grants {beyond} to standard scripts, which never get it; move it to a rule \
                     with risk = [\"high_risk\"] only"
                ));
            }

            let changes = |kind: TargetKind| -> OpSet {
                rule.operations
                    .iter()
                    .filter(|op| op.target_kind() == kind && op.changes_host())
                    .collect()
            };
            let file_changes = changes(TargetKind::Path);
            for glob in rule.paths.iter().filter(|glob| is_everywhere(&glob.text)) {
                if !file_changes.is_empty() {
                    warn(format!(
                        "grants {file_changes} on `{}`, which spans the whole file system; narrow \
                         the glob to the directories scripts need",
                        glob.text
                    ));
                }
            }
            let registry_changes = changes(TargetKind::RegistryKey);
            for key in rule
                .registry_keys
                .iter()
                .filter(|key| !key.text.trim_end_matches('\\').contains('\\'))
            {
                if !registry_changes.is_empty() {
                    warn(format!(
                        "grants {registry_changes} on the whole registry root `{}`; name a key \
                         under it",
                        key.text
                    ));
                }
            }
        }
        warnings
    }
}

/// Whether a path glob is a pattern right from the file system root, such as
/// `/**` or `/*/tmp/*`.
fn is_everywhere(glob: &str) -> bool {
    glob.contains(GLOB_META) && literal_directory(glob).parent().is_none()
}

fn mebibytes(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if bytes == DEFAULT_MAX_RETRIEVED_FILE_BYTES {
        format!("{mib:.0} MiB, the default")
    } else {
        format!("{mib:.1} MiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PolicyError, Protected};

    fn messages(text: &str) -> Result<Vec<String>, PolicyError> {
        let policy = Policy::parse(text, "p.toml", Protected::new())?;
        Ok(policy.check().iter().map(Warning::to_string).collect())
    }

    #[test]
    fn check_warns_about_changes_from_the_root_and_on_a_whole_registry_root()
    -> Result<(), PolicyError> {
        let text = r#"
            [[allow]]
            risk = ["high_risk"]
            operations = ["file.delete", "registry.write"]
            paths = ["/**", "/tmp/**"]
            registry_keys = ['HKLM\', 'HKLM\Software\Ward']
        "#;
        let warnings = messages(text)?;
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].starts_with("p.toml:2: grants file.delete on `/**`"));
        assert!(
            warnings[1].contains("whole registry root `HKLM\\`"),
            "{warnings:?}"
        );
        Ok(())
    }

    #[test]
    fn check_warns_about_a_policy_that_allows_nothing() -> Result<(), PolicyError> {
        assert_eq!(
            messages("")?,
            ["p.toml: no allow rule: every request will be denied"]
        );
        Ok(())
    }

    #[test]
    fn explain_says_when_nothing_is_protected_or_allowed() -> Result<(), PolicyError> {
        let text = Policy::parse("", "p.toml", Protected::new())?.explain(Risk::HighRisk);
        assert!(text.contains("Allowed, unless a line further down forbids it:\n  nothing\n"));
        assert!(text.contains("nothing was named when this policy was loaded"));
        assert!(
            text.contains("at most 104857600 bytes (100 MiB, the default)"),
            "{text}"
        );
        Ok(())
    }
}
