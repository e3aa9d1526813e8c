//! The policy engine: decides whether a script may perform one host operation,
//! and never performs it.
//!
//! A policy is one TOML file under `policies/`, written for a security
//! reviewer: nothing is allowed unless an `[[allow]]` rule says so, a
//! `[[deny]]` rule that matches beats any allow, standard-risk scripts never
//! change the host whatever a rule says, and some targets ([`Protected`]) are
//! out of reach of every rule. Capabilities ask [`Policy::decide`] before each
//! operation and hand the [`Decision`] to the audit log; the sandbox maps in
//! only the directories [`Policy::roots`] names; `ward policy` prints
//! [`Policy::explain`] and [`Policy::check`].
//!
//! Loading happens in two stages: `raw` reads the file with serde, refusing
//! unknown fields, and `rule` validates each value into typed rules, so every
//! error points at a line and column.

mod decide;
mod error;
mod model;
mod protected;
mod raw;
mod report;
mod roots;
mod rule;
mod target;
#[cfg(test)]
mod tests;
mod transfer;

use std::fs;
use std::path::{Path, PathBuf};

pub use error::{Location, PolicyError};
pub use model::{Decision, OpSet, Operation, Request, Risk, Target, TargetKind};
pub use protected::Protected;
pub use raw::DEFAULT_MAX_RETRIEVED_FILE_BYTES;
pub use report::Warning;
pub use transfer::PolicyTransfer;

use raw::RawPolicy;
use rule::{Effect, Rule, build_rule};

/// Per-policy limits from the optional `[limits]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file a script may hand back as a retrieved file. Default:
    /// [`DEFAULT_MAX_RETRIEVED_FILE_BYTES`] (100 MiB).
    pub max_retrieved_file_bytes: u64,
    /// A JSON file standing in for the registry on hosts that have none.
    /// Default: none. [`Policy::load`] resolves a relative path against the
    /// policy file's directory; [`Policy::parse`] keeps it as written.
    pub registry_hive: Option<PathBuf>,
}

/// A validated policy, ready to decide requests.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Name used in decisions and messages, usually the file's path.
    source: String,
    /// The TOML it was parsed from, so that another process can rebuild it exactly.
    text: String,
    deny: Vec<Rule>,
    allow: Vec<Rule>,
    protected: Protected,
    limits: Limits,
}

impl Policy {
    /// Parses and validates a policy held in memory. `source_name` names it in
    /// decisions and errors (`policies/default.toml:14`).
    ///
    /// # Errors
    ///
    /// [`PolicyError::Syntax`] for TOML that does not have the shape of a
    /// policy, [`PolicyError::Invalid`] for a value that is not acceptable,
    /// both with line and column; [`PolicyError::ProtectedPathNotAbsolute`]
    /// for a relative protected path.
    pub fn parse(text: &str, source_name: &str, protected: Protected) -> Result<Self, PolicyError> {
        protected.check_absolute()?;
        let raw: RawPolicy = toml::from_str(text).map_err(|e| PolicyError::Syntax {
            location: Location::from_span(source_name, text, e.span()),
            message: e.message().trim_end().to_owned(),
        })?;

        let build = |effect, rules: &[toml::Spanned<raw::RawRule>]| {
            rules
                .iter()
                .map(|rule| build_rule(effect, rule, source_name, text))
                .collect::<Result<Vec<_>, _>>()
        };
        let deny = build(Effect::Deny, &raw.deny)?;
        let allow = build(Effect::Allow, &raw.allow)?;

        let registry_hive = match raw.limits.registry_hive {
            Some(hive) if hive.get_ref().is_empty() || hive.get_ref().contains('\0') => {
                return Err(PolicyError::Invalid {
                    location: Location::from_span(source_name, text, Some(hive.span())),
                    message: "`registry_hive` must be a file path; remove it to use none"
                        .to_owned(),
                });
            }
            Some(hive) => Some(PathBuf::from(hive.into_inner())),
            None => None,
        };
        let limits = Limits {
            max_retrieved_file_bytes: raw.limits.max_retrieved_file_bytes,
            registry_hive,
        };

        Ok(Policy {
            source: source_name.to_owned(),
            text: text.to_owned(),
            deny,
            allow,
            protected,
            limits,
        })
    }

    /// Reads, parses and validates a policy file, and adds the file itself and
    /// its registry hive, if any, to the protected paths.
    ///
    /// # Errors
    ///
    /// [`PolicyError::Read`] when the file cannot be read, otherwise as
    /// [`Policy::parse`].
    pub fn load(path: &Path, protected: Protected) -> Result<Self, PolicyError> {
        let read_error = |source| PolicyError::Read {
            path: path.to_owned(),
            source,
        };
        let text = fs::read_to_string(path).map_err(read_error)?;
        let absolute = fs::canonicalize(path).map_err(read_error)?;
        let mut policy = Policy::parse(&text, &path.display().to_string(), protected)?;

        policy.protected = policy.protected.with_path(&absolute, "policy file");
        if let Some(hive) = &mut policy.limits.registry_hive {
            if let Some(dir) = absolute.parent() {
                *hive = dir.join(&*hive);
            }
            policy.protected = policy.protected.with_path(hive.clone(), "registry hive");
        }
        Ok(policy)
    }

    /// The name this policy was loaded under.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn protected(&self) -> &Protected {
        &self.protected
    }

    /// How a decision names the rule that took it, e.g.
    /// `policies/default.toml:14 (allow file.read /var/log/**)`.
    fn rule_name(&self, rule: &Rule, op: Operation, target: &str) -> String {
        format!(
            "{}:{} ({} {op} {target})",
            self.source, rule.line, rule.effect
        )
    }
}
