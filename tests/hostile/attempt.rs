//! One hostile script and what its run must show, read from the comment header at its top.
//!
//! Every line of the header is `# key: value`; the header ends at the first line that is not a
//! comment. Keys (each may repeat unless said otherwise):
//!
//! - `attempt`: one sentence saying what the script tries (once, required);
//! - `status`: the status the run must end with, as the consoles name it (once, required);
//! - `audit`: `allow|deny <operation> <target substring> [| <rule substring>]`, a record the run
//!   must have written;
//! - `no-audit`: `<operation>`, an operation the run must not have recorded at all;
//! - `returns`, `stdout`, `stderr`, `error`: a substring the returned value (as JSON), the
//!   captured output or the result's error sentence must contain;
//! - `truncated`: `stdout` or `stderr`, an output that must have been cut at its cap;
//! - `plant`: `symlink|hardlink <path> -> <target>` or `fifo <path>`, made on the host before
//!   the run;
//! - `swap`: `<path> -> <target>`: once the script creates `{ROOT}/ready`, the host replaces
//!   `<path>` with a symbolic link to `<target>` and creates `{ROOT}/go`;
//! - `known-gap`: why the attempt does not hold yet; the script is run and reported, but its
//!   failure does not fail the test.
//!
//! Values may use the placeholders that [`super::world::World::fill`] replaces.

use std::path::Path;

use ward::audit::Decision;
use ward::status::Status;

/// A record the run must have written.
#[derive(Debug)]
pub struct AuditLine {
    pub decision: Decision,
    pub operation: String,
    pub target: String,
    pub rule: Option<String>,
}

/// What a `plant:` line makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlantKind {
    Symlink,
    Hardlink,
    /// A named pipe that nothing writes to: opening it for reading blocks.
    Fifo,
}

/// A link or pipe made on the host before the run; `target` is empty for a pipe.
#[derive(Debug)]
pub struct Plant {
    pub kind: PlantKind,
    pub path: String,
    pub target: String,
}

/// A script and the expectations of its header, placeholders not yet filled in.
#[derive(Debug, Default)]
pub struct Attempt {
    pub name: String,
    pub code: String,
    pub sentence: String,
    pub status: Option<Status>,
    pub audits: Vec<AuditLine>,
    pub no_audits: Vec<String>,
    pub returns: Vec<String>,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
    pub errors: Vec<String>,
    pub truncated: Vec<String>,
    pub plants: Vec<Plant>,
    pub swap: Option<(String, String)>,
    pub known_gap: Option<String>,
}

/// Every script of `kind` (file names starting `<kind>_`) in `dir`, in name order.
pub fn load_kind(dir: &Path, kind: &str) -> Result<Vec<Attempt>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "py")
                && path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{kind}_")))
        })
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let code =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            parse(&name, code).map_err(|e| format!("{name}.py: {e}"))
        })
        .collect()
}

/// Reads the header of `code`, the script named `name`.
pub fn parse(name: &str, code: String) -> Result<Attempt, String> {
    let mut attempt = Attempt {
        name: name.to_owned(),
        ..Attempt::default()
    };
    for line in code.lines().take_while(|line| line.starts_with('#')) {
        let (key, value) = line
            .trim_start_matches('#')
            .split_once(':')
            .ok_or_else(|| format!("header line without `key:`: {line}"))?;
        let value = value.trim().to_owned();
        match key.trim() {
            "attempt" => attempt.sentence = value,
            "status" => attempt.status = Some(status(&value)?),
            "audit" => attempt.audits.push(audit_line(&value)?),
            "no-audit" => attempt.no_audits.push(value),
            "returns" => attempt.returns.push(value),
            "stdout" => attempt.stdout.push(value),
            "stderr" => attempt.stderr.push(value),
            "error" => attempt.errors.push(value),
            "truncated" => attempt.truncated.push(value),
            "plant" => attempt.plants.push(plant(&value)?),
            "swap" => attempt.swap = Some(arrow(&value)?),
            "known-gap" => attempt.known_gap = Some(value),
            other => return Err(format!("unknown header key `{other}`")),
        }
    }
    if attempt.sentence.is_empty() || attempt.status.is_none() {
        return Err("the header needs `attempt:` and `status:`".into());
    }
    attempt.code = code;
    Ok(attempt)
}

fn status(value: &str) -> Result<Status, String> {
    Status::ALL
        .into_iter()
        .find(|s| s.as_str() == value)
        .ok_or_else(|| format!("unknown status `{value}`"))
}

fn audit_line(value: &str) -> Result<AuditLine, String> {
    let (record, rule) = match value.split_once(" | ") {
        Some((record, rule)) => (record, Some(rule.trim().to_owned())),
        None => (value, None),
    };
    let mut words = record.trim().splitn(3, ' ');
    let decision = match words.next() {
        Some("allow") => Decision::Allow,
        Some("deny") => Decision::Deny,
        _ => return Err(format!("`audit:` must start with allow or deny: {value}")),
    };
    let operation = words.next().unwrap_or_default().to_owned();
    let target = words.next().unwrap_or_default().to_owned();
    if operation.is_empty() {
        return Err(format!("`audit:` needs an operation: {value}"));
    }
    Ok(AuditLine {
        decision,
        operation,
        target,
        rule,
    })
}

fn plant(value: &str) -> Result<Plant, String> {
    let (kind, rest) = value
        .split_once(' ')
        .ok_or_else(|| format!("`plant:` needs a kind: {value}"))?;
    let kind = match kind {
        "symlink" => PlantKind::Symlink,
        "hardlink" => PlantKind::Hardlink,
        "fifo" => {
            return Ok(Plant {
                kind: PlantKind::Fifo,
                path: rest.trim().to_owned(),
                target: String::new(),
            });
        }
        _ => return Err(format!("`plant:` is symlink, hardlink or fifo: {value}")),
    };
    let (path, target) = arrow(rest)?;
    Ok(Plant { kind, path, target })
}

fn arrow(value: &str) -> Result<(String, String), String> {
    value
        .split_once(" -> ")
        .map(|(a, b)| (a.trim().to_owned(), b.trim().to_owned()))
        .ok_or_else(|| format!("expected `<path> -> <target>`: {value}"))
}
