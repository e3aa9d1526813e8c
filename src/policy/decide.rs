//! The decision itself, taken in a fixed order so that a reviewer can predict
//! it: a malformed request is refused, then protected targets, then what the
//! script's risk can never get, then the first matching deny rule, then the
//! first matching allow rule, and anything left is denied.

use std::path::Path;

use super::Policy;
use super::model::{Decision, Operation, Request, Risk, Target};
use super::rule::Rule;
use super::target::{check_path, normalize_key};

impl Policy {
    /// Decides one request. Every outcome names what decided it, for the audit
    /// log: a rule with its line, `protected: …`, the risk ceiling, an invalid
    /// target, or `default deny`.
    ///
    /// Paths must be absolute and normalised by the caller; one that is
    /// relative or holds `..` or a NUL byte is refused. A protected process
    /// may still be listed (its pid and name are public on the host) but
    /// never killed.
    pub fn decide(&self, request: &Request) -> Decision {
        let (risk, op, target) = (request.risk, request.operation, &request.target);
        if op.target_kind() != target.kind() {
            let needs = op.target_kind();
            return Decision::deny(format!("invalid request: {op} needs a {needs:?} target"));
        }

        match target {
            Target::Path(path) => {
                let path = match check_path(path) {
                    Ok(path) => path,
                    Err(why) => return Decision::deny(why),
                };
                if let Some(label) = self.protected.path_label(&path, op) {
                    return Decision::deny(format!("protected: {label}"));
                }
                self.rules_decide(risk, op, |rule| rule.match_path(risk, op, &path))
            }
            Target::Process { pid, name } => {
                if op.changes_host()
                    && let Some(label) = self.protected.pid_label(*pid)
                {
                    return Decision::deny(format!("protected: {label}"));
                }
                self.rules_decide(risk, op, |rule| rule.match_process(risk, op, name))
            }
            Target::RegistryKey(key) => {
                let key = match normalize_key(key) {
                    Ok(key) => key,
                    Err(why) => return Decision::deny(format!("invalid registry key: {why}")),
                };
                self.rules_decide(risk, op, |rule| rule.match_key(risk, op, &key))
            }
        }
    }

    /// The first deny rule, for scripts of `risk`, that could cover something inside `dir`.
    /// Moving or renaming `dir` would carry such paths out from under the rule, so the
    /// capability layer refuses it.
    pub fn deny_below(&self, risk: Risk, dir: &Path) -> Option<String> {
        self.deny
            .iter()
            .filter(|rule| rule.risks.contains(&risk))
            .find_map(|rule| {
                let pattern = rule.paths.iter().find(|p| p.may_match_below(dir))?;
                let op = rule.operations.iter().next()?;
                Some(self.rule_name(rule, op, &pattern.text))
            })
    }

    /// Applies the risk ceiling, then deny rules, then allow rules; `matches`
    /// gives the pattern of a rule that covers the target.
    fn rules_decide<'a>(
        &'a self,
        risk: Risk,
        op: Operation,
        matches: impl Fn(&'a Rule) -> Option<&'a str>,
    ) -> Decision {
        if !risk.ceiling().contains(op) {
            return Decision::deny(format!("risk ceiling: {risk} scripts never get {op}"));
        }
        for rule in &self.deny {
            if let Some(pattern) = matches(rule) {
                return Decision::deny(self.rule_name(rule, op, pattern));
            }
        }
        for rule in &self.allow {
            if let Some(pattern) = matches(rule) {
                return Decision::allow(self.rule_name(rule, op, pattern));
            }
        }
        Decision::deny("default deny")
    }
}
