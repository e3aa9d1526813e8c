//! The directories the sandbox maps in for a script: the literal start of
//! every path glob an allow rule grants, so that nothing outside them is
//! reachable even before a request is decided.

use std::path::PathBuf;

use super::Policy;
use super::model::{OpSet, Risk, TargetKind};

/// Characters that make a path component a pattern rather than a name.
pub(super) const GLOB_META: &[char] = &['*', '?', '[', ']', '{', '}', '\\'];

impl Policy {
    /// The directories a script of `risk` may reach, each with the union of
    /// file operations granted anywhere inside it, merged so that no root lies
    /// inside another. `/var/log/**` gives `/var/log`, `/home/*/Downloads/**`
    /// gives `/home`, and a glob without a pattern (`/etc/hosts`) gives the
    /// directory holding it. Deny rules and protected paths do not shrink the
    /// roots: they are enforced on each request inside them.
    pub fn roots(&self, risk: Risk) -> Vec<(PathBuf, OpSet)> {
        let mut found: Vec<(PathBuf, OpSet)> = Vec::new();
        for rule in self.allow.iter().filter(|rule| rule.risks.contains(&risk)) {
            let ops: OpSet = rule
                .operations
                .intersection(risk.ceiling())
                .iter()
                .filter(|op| op.target_kind() == TargetKind::Path)
                .collect();
            if ops.is_empty() {
                continue;
            }
            for pattern in &rule.paths {
                found.push((literal_directory(&pattern.text), ops));
            }
        }

        // Sorting by components puts a directory right before everything
        // inside it, so one pass folds each root into the one enclosing it.
        found.sort_by(|a, b| a.0.cmp(&b.0));
        let mut merged: Vec<(PathBuf, OpSet)> = Vec::new();
        for (root, ops) in found {
            match merged.last_mut() {
                Some((outer, outer_ops)) if root.starts_with(&*outer) => {
                    *outer_ops = outer_ops.union(ops);
                }
                _ => merged.push((root, ops)),
            }
        }
        merged
    }
}

/// The longest leading run of components of `glob` that hold no pattern;
/// for a glob that is all literal, the directory that holds the path.
pub(super) fn literal_directory(glob: &str) -> PathBuf {
    let parts: Vec<&str> = glob.split('/').collect();
    let literal = parts
        .iter()
        .take_while(|part| !part.contains(GLOB_META))
        .count();
    let keep = if literal == parts.len() {
        literal.saturating_sub(1)
    } else {
        literal
    };

    // The first part is empty for `/x` and the drive for `C:/x`; keep its `/`.
    let joined = parts[..keep.max(1)].join("/");
    if joined.is_empty() || joined.ends_with(':') {
        PathBuf::from(format!("{joined}/"))
    } else {
        PathBuf::from(joined)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PolicyError, Protected};

    #[test]
    pub(super) fn literal_directory_stops_at_the_first_pattern() {
        assert_eq!(literal_directory("/var/log/**"), PathBuf::from("/var/log"));
        assert_eq!(
            literal_directory("/home/*/Downloads/**"),
            PathBuf::from("/home")
        );
        assert_eq!(literal_directory("/var/{log,tmp}/*"), PathBuf::from("/var"));
        assert_eq!(literal_directory("/etc/hosts"), PathBuf::from("/etc"));
        assert_eq!(literal_directory("/**"), PathBuf::from("/"));
        assert_eq!(literal_directory("/etc"), PathBuf::from("/"));
        assert_eq!(literal_directory("C:/Users/**"), PathBuf::from("C:/Users"));
        assert_eq!(literal_directory("C:/*"), PathBuf::from("C:/"));
    }

    #[test]
    fn roots_merge_nested_directories_with_the_union_of_operations() -> Result<(), PolicyError> {
        let text = r#"
            [[allow]]
            risk = ["high_risk"]
            operations = ["file.read"]
            paths = ["/var/log/**", "/srv/data/*.csv"]

            [[allow]]
            risk = ["high_risk"]
            operations = ["file.delete"]
            paths = ["/var/**", "/tmp/**"]

            [[allow]]
            risk = ["standard", "high_risk"]
            operations = ["file.list", "file.write"]
            paths = ["/srv/data/in/**"]
        "#;
        let policy = Policy::parse(text, "roots.toml", Protected::new())?;

        let high: Vec<(PathBuf, String)> = policy
            .roots(Risk::HighRisk)
            .into_iter()
            .map(|(p, ops)| (p, ops.to_string()))
            .collect();
        assert_eq!(
            high,
            vec![
                (
                    PathBuf::from("/srv/data"),
                    "file.read, file.write, file.list".to_owned()
                ),
                (PathBuf::from("/tmp"), "file.delete".to_owned()),
                (PathBuf::from("/var"), "file.read, file.delete".to_owned()),
            ]
        );

        // Standard scripts never write, so only the listing survives.
        let standard = policy.roots(Risk::Standard);
        assert_eq!(standard.len(), 1);
        assert_eq!(standard[0].0, PathBuf::from("/srv/data/in"));
        assert_eq!(standard[0].1.to_string(), "file.list");
        Ok(())
    }

    #[test]
    fn a_root_at_slash_swallows_every_other() -> Result<(), PolicyError> {
        let text = r#"
            [[allow]]
            risk = ["standard"]
            operations = ["file.read"]
            paths = ["/etc/hosts", "/**"]
        "#;
        let roots = Policy::parse(text, "p.toml", Protected::new())?.roots(Risk::Standard);
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0].0, PathBuf::from("/"));
        Ok(())
    }
}
