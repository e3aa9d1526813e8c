//! Retrieved files: what a script asked for in `files_to_get`, read by the agent on the script's
//! behalf and therefore under the same rules as the script itself. Each file is judged by the
//! policy as a `file.read` at the script's risk, on the path it really reaches once links are
//! followed, recorded in the audit log, capped at the policy's `max_retrieved_file_bytes`, hashed
//! and staged in the outbox for upload.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::spool::StagedFile;
use crate::api::agent::{FailedFile, JobSpec};
use crate::audit::{ScriptRun, Sha256Digest};
use crate::capability::{Denied, HostAccess, RunContext};
use crate::policy::{Operation, Target};

/// Most files one run may ask for; the rest are reported as failed.
pub const MAX_FILES: usize = 100;

/// Reads every path of `paths` through the policy into `stage`. Returns the staged files and,
/// for each path that could not be retrieved, why.
pub fn retrieve(
    host: &HostAccess,
    spec: &JobSpec,
    run_id: &str,
    paths: &[String],
    stage: &Path,
) -> (Vec<StagedFile>, Vec<FailedFile>) {
    let context = RunContext {
        policy: host.policy.clone(),
        audit: host.audit.clone(),
        risk: spec.risk,
        run: ScriptRun {
            run_id: run_id.to_string(),
            script: super::execute::filename(&spec.script_name),
            script_sha256: Sha256Digest::of(spec.code.as_bytes()),
        },
        registry: host.registry.clone(),
    };
    let cap = host.policy.limits().max_retrieved_file_bytes;
    let mut staged = Vec::new();
    let mut failed = Vec::new();
    for (index, path) in paths.iter().enumerate() {
        if index >= MAX_FILES {
            failed.push(FailedFile {
                path: path.clone(),
                reason: format!("a script may retrieve at most {MAX_FILES} files per run"),
            });
            continue;
        }
        let name = format!("{index}.bin");
        match retrieve_one(&context, path, cap, &stage.join(&name)) {
            Ok((sha256, size)) => staged.push(StagedFile {
                path: path.clone(),
                sha256,
                size,
                staged: name,
                uploaded: false,
            }),
            Err(reason) => failed.push(FailedFile {
                path: path.clone(),
                reason,
            }),
        }
    }
    (staged, failed)
}

/// Copies one file into `target` after the policy allowed reading it; returns its hex SHA-256
/// and size, or why it was not retrieved.
fn retrieve_one(
    context: &RunContext,
    asked: &str,
    cap: u64,
    target: &Path,
) -> Result<(String, u64), String> {
    let Some(lexical) = normalize(asked) else {
        return Err("the path must be absolute".into());
    };
    let real = match std::fs::canonicalize(&lexical) {
        Ok(real) => real,
        // Still ask the policy, so that probing a forbidden path is recorded as denied.
        Err(error) => {
            let permit = context
                .check(Operation::FileRead, Target::Path(lexical))
                .map_err(refusal)?;
            let reason = describe_io(&error);
            context
                .finish(permit, Err(reason.clone()))
                .map_err(refusal)?;
            return Err(reason);
        }
    };
    let permit = if real == lexical {
        context.check(Operation::FileRead, Target::Path(real.clone()))
    } else {
        let label = format!("{} (reached as {})", real.display(), lexical.display());
        context.check_as(Operation::FileRead, Target::Path(real.clone()), label)
    }
    .map_err(refusal)?;

    let outcome = copy_capped(&real, cap, target);
    let recorded = match &outcome {
        Ok(_) => Ok(()),
        Err(reason) => Err(reason.clone()),
    };
    context.finish(permit, recorded).map_err(refusal)?;
    outcome
}

/// Opens `real` (a path without links), checks it is the regular file the policy judged, and
/// copies at most `cap` bytes of it into `target`.
fn copy_capped(real: &Path, cap: u64, target: &Path) -> Result<(String, u64), String> {
    let before = std::fs::symlink_metadata(real).map_err(|e| describe_io(&e))?;
    if !before.is_file() {
        return Err("not a regular file".into());
    }
    let mut file = File::open(real).map_err(|e| describe_io(&e))?;
    let opened = file.metadata().map_err(|e| describe_io(&e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if (opened.dev(), opened.ino()) != (before.dev(), before.ino()) {
            return Err("the file was replaced while it was being read".into());
        }
        if opened.nlink() > 1 {
            return Err(
                "the file has several hard links, so its path does not show which file it is"
                    .into(),
            );
        }
    }
    if opened.len() > cap {
        return Err(too_large(cap));
    }

    if let Some(dir) = target.parent() {
        super::durable::create_private_dir(dir)
            .map_err(|e| format!("the agent could not stage it: {e}"))?;
    }
    let mut out = File::create(target).map_err(|e| format!("the agent could not stage it: {e}"))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buffer).map_err(|e| describe_io(&e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        // The file may grow after the size check; the cap holds whatever it does.
        if size > cap {
            return Err(too_large(cap));
        }
        hasher.update(&buffer[..n]);
        out.write_all(&buffer[..n])
            .map_err(|e| format!("the agent could not stage it: {e}"))?;
    }
    out.sync_all()
        .map_err(|e| format!("the agent could not stage it: {e}"))?;
    Ok((hex::encode(hasher.finalize()), size))
}

/// `path` with `.` and `..` resolved lexically; `None` unless it is absolute.
fn normalize(path: &str) -> Option<PathBuf> {
    let path = Path::new(path);
    if !path.is_absolute() {
        return None;
    }
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

fn refusal(denied: Denied) -> String {
    match denied {
        Denied::Policy { rule } => format!("denied by the policy ({rule})"),
        Denied::AuditUnavailable => {
            "the audit log could not be written, so reading was refused".into()
        }
    }
}

fn too_large(cap: u64) -> String {
    format!("larger than the policy's limit of {cap} bytes (`max_retrieved_file_bytes`)")
}

fn describe_io(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "the agent's user is not allowed to read it".into(),
        _ => error.to_string(),
    }
}
