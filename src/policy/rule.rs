//! Typed allow and deny rules, built from the raw file and checked value by
//! value so that a mistake is reported at its own line and column.

use std::fmt;
use std::path::Path;

use toml::Spanned;

use super::error::{Location, PolicyError};
use super::model::{OpSet, Operation, Risk, TargetKind};
use super::raw::RawRule;
use super::target::{PathPattern, ProcessPattern, RegistryPrefix};

/// Whether a rule opens or closes what it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "allow",
            Effect::Deny => "deny",
        })
    }
}

/// One validated `[[allow]]` or `[[deny]]` table.
#[derive(Debug, Clone)]
pub(super) struct Rule {
    pub effect: Effect,
    /// Line of the rule's `[[allow]]` or `[[deny]]` header.
    pub line: usize,
    pub risks: Vec<Risk>,
    pub operations: OpSet,
    pub paths: Vec<PathPattern>,
    pub processes: Vec<ProcessPattern>,
    pub registry_keys: Vec<RegistryPrefix>,
}

impl Rule {
    /// The pattern of this rule that matches a path, if any.
    pub fn match_path(&self, risk: Risk, op: Operation, path: &Path) -> Option<&str> {
        self.applies(risk, op)?;
        self.paths
            .iter()
            .find(|p| p.matches(path))
            .map(|p| p.text.as_str())
    }

    /// The pattern of this rule that matches a process name, if any.
    pub fn match_process(&self, risk: Risk, op: Operation, name: &str) -> Option<&str> {
        self.applies(risk, op)?;
        self.processes
            .iter()
            .find(|p| p.matches(name))
            .map(|p| p.text.as_str())
    }

    /// The prefix of this rule that covers a normalised registry key, if any.
    pub fn match_key(&self, risk: Risk, op: Operation, key: &str) -> Option<&str> {
        self.applies(risk, op)?;
        self.registry_keys
            .iter()
            .find(|p| p.matches(key))
            .map(|p| p.text.as_str())
    }

    fn applies(&self, risk: Risk, op: Operation) -> Option<()> {
        (self.risks.contains(&risk) && self.operations.contains(op)).then_some(())
    }

    /// The patterns this rule names for one kind of target.
    pub fn targets(&self, kind: TargetKind) -> Vec<&str> {
        match kind {
            TargetKind::Path => self.paths.iter().map(|p| p.text.as_str()).collect(),
            TargetKind::Process => self.processes.iter().map(|p| p.text.as_str()).collect(),
            TargetKind::RegistryKey => self.registry_keys.iter().map(|p| p.text.as_str()).collect(),
        }
    }
}

/// Validates one raw rule; `source` and `text` locate errors.
pub(super) fn build_rule(
    effect: Effect,
    raw: &Spanned<RawRule>,
    source: &str,
    text: &str,
) -> Result<Rule, PolicyError> {
    let at = |span: std::ops::Range<usize>| Location::from_span(source, text, Some(span));
    let invalid = |span, message: String| PolicyError::Invalid {
        location: at(span),
        message,
    };
    let body = raw.get_ref();
    let line = at(raw.span()).line.unwrap_or(1);

    let risks = match &body.risk {
        None if effect == Effect::Allow => {
            return Err(invalid(
                raw.span(),
                format!(
                    "allow rule has no `risk`; add e.g. risk = [\"high_risk\"] ({})",
                    RISKS
                ),
            ));
        }
        None => Risk::ALL.to_vec(),
        Some(list) if list.get_ref().is_empty() => {
            return Err(invalid(list.span(), format!("`risk` is empty; {RISKS}")));
        }
        Some(list) => list
            .get_ref()
            .iter()
            .map(|name| {
                Risk::from_name(name.get_ref()).ok_or_else(|| {
                    invalid(
                        name.span(),
                        format!("unknown risk `{}`; {RISKS}", name.get_ref()),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };

    if body.operations.get_ref().is_empty() {
        return Err(invalid(
            body.operations.span(),
            format!("`operations` is empty; {}", ops()),
        ));
    }
    let mut operations = OpSet::EMPTY;
    for name in body.operations.get_ref() {
        let parsed = parse_operations(name.get_ref()).ok_or_else(|| {
            invalid(
                name.span(),
                format!("unknown operation `{}`; {}", name.get_ref(), ops()),
            )
        })?;
        operations = operations.union(parsed);
    }

    let paths = build_all(&body.paths, PathPattern::new, &invalid)?;
    let processes = build_all(&body.processes, ProcessPattern::new, &invalid)?;
    let registry_keys = build_all(&body.registry_keys, RegistryPrefix::new, &invalid)?;

    // Every operation needs targets of its kind, and every target list an
    // operation that uses it: a list nothing reads is a reviewer's trap.
    let lists = [
        (TargetKind::Path, "paths", !paths.is_empty()),
        (TargetKind::Process, "processes", !processes.is_empty()),
        (
            TargetKind::RegistryKey,
            "registry_keys",
            !registry_keys.is_empty(),
        ),
    ];
    let used = |kind| -> OpSet {
        operations
            .iter()
            .filter(|op| op.target_kind() == kind)
            .collect()
    };
    if let Some((kind, field, _)) = lists
        .iter()
        .find(|(kind, _, given)| !given && !used(*kind).is_empty())
    {
        let message = format!(
            "operations {} need a `{field}` list in the same rule",
            used(*kind)
        );
        return Err(invalid(body.operations.span(), message));
    }
    if let Some((_, field, _)) = lists
        .iter()
        .find(|(kind, _, given)| *given && used(*kind).is_empty())
    {
        let message = format!(
            "`{field}` is given but no operation of this rule acts on it; add one or remove \
             `{field}`"
        );
        return Err(invalid(raw.span(), message));
    }

    Ok(Rule {
        effect,
        line,
        risks,
        operations,
        paths,
        processes,
        registry_keys,
    })
}

const RISKS: &str = "valid risks are standard, high_risk";

fn ops() -> String {
    let names: Vec<&str> = Operation::ALL.iter().map(|op| op.as_str()).collect();
    format!(
        "valid operations are {}, or a whole group: file.*, process.*, registry.*",
        names.join(", ")
    )
}

/// An operation name, or a group such as `file.*` meaning every operation of it.
fn parse_operations(name: &str) -> Option<OpSet> {
    if let Some(group) = name.strip_suffix(".*") {
        let set: OpSet = Operation::ALL
            .into_iter()
            .filter(|op| op.as_str().split('.').next() == Some(group))
            .collect();
        return (!set.is_empty()).then_some(set);
    }
    Operation::from_name(name).map(|op| [op].into_iter().collect())
}

fn build_all<T>(
    raw: &[Spanned<String>],
    build: fn(&str) -> Result<T, String>,
    invalid: &impl Fn(std::ops::Range<usize>, String) -> PolicyError,
) -> Result<Vec<T>, PolicyError> {
    raw.iter()
        .map(|item| build(item.get_ref()).map_err(|why| invalid(item.span(), why)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_groups_expand_to_every_member() {
        assert_eq!(
            parse_operations("registry.*").map(|set| set.to_string()),
            Some("registry.read, registry.write, registry.delete".to_owned())
        );
        assert_eq!(parse_operations("disk.*"), None);
        assert_eq!(parse_operations("file"), None);
    }
}
