//! Targets that no rule can open: PID 1, ward and the processes above it,
//! ward's own data, the policy files and the audit log.
//!
//! The caller knows where its data and audit log live, so it hands them in
//! when it loads a policy; the policy file itself is added by
//! [`super::Policy::load`].

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::error::PolicyError;
use super::model::Operation;

/// Processes and paths no rule can open, each with the label the audit log
/// shows (`protected: audit log`). A protected path is refused to every
/// operation; a protected process may still appear in a process list, since
/// its pid and name are public on the host, but is never killed.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Protected {
    pids: Vec<(u32, String)>,
    paths: Vec<(PathBuf, String)>,
}

impl Protected {
    /// Protects nothing; add targets with [`Protected::with_pid`] and
    /// [`Protected::with_path`].
    pub fn new() -> Self {
        Protected::default()
    }

    /// PID 1, the current process and, on Linux, each of its ancestors as read
    /// from `/proc/<pid>/stat`.
    ///
    /// # Errors
    ///
    /// [`PolicyError::ProcessAncestry`] when `/proc` cannot be read, since the
    /// parents would then go unprotected.
    pub fn for_current_process() -> Result<Self, PolicyError> {
        let me = std::process::id();
        let mut protected = Protected::new()
            .with_pid(1, "PID 1 (init)")
            .with_pid(me, format!("ward itself (pid {me})"));
        for parent in ancestors(me)? {
            protected = protected.with_pid(parent, format!("a parent of ward (pid {parent})"));
        }
        Ok(protected)
    }

    pub fn with_pid(mut self, pid: u32, label: impl Into<String>) -> Self {
        self.pids.push((pid, label.into()));
        self
    }

    /// Protects `path` and everything below it. When the path exists and
    /// resolves elsewhere through a symbolic link, the resolved path is
    /// protected too, since requests arrive resolved.
    pub fn with_path(mut self, path: impl Into<PathBuf>, label: impl Into<String>) -> Self {
        let path = path.into();
        let label = label.into();
        if let Ok(resolved) = fs::canonicalize(&path)
            && resolved != path
        {
            self.paths.push((resolved, label.clone()));
        }
        self.paths.push((path, label));
        self
    }

    /// The protected processes with their labels.
    pub fn pids(&self) -> impl Iterator<Item = (u32, &str)> {
        self.pids.iter().map(|(pid, label)| (*pid, label.as_str()))
    }

    /// The protected paths with their labels.
    pub fn paths(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.paths
            .iter()
            .map(|(path, label)| (path.as_path(), label.as_str()))
    }

    pub(super) fn check_absolute(&self) -> Result<(), PolicyError> {
        match self.paths.iter().find(|(path, _)| !path.is_absolute()) {
            Some((path, label)) => Err(PolicyError::ProtectedPathNotAbsolute {
                path: path.clone(),
                label: label.clone(),
            }),
            None => Ok(()),
        }
    }

    /// The label of the protected process `pid`, if it is one.
    pub(super) fn pid_label(&self, pid: u32) -> Option<&str> {
        self.pids()
            .find(|(protected, _)| *protected == pid)
            .map(|(_, label)| label)
    }

    /// The label protecting `path` from `op`: the path is a protected one or
    /// lies below one, or `op` changes the host and the path holds one (a
    /// directory that is deleted or renamed would take the protected path
    /// with it).
    pub(super) fn path_label(&self, path: &Path, op: Operation) -> Option<&str> {
        self.paths()
            .find(|(protected, _)| {
                path.starts_with(protected) || (op.changes_host() && protected.starts_with(path))
            })
            .map(|(_, label)| label)
    }
}

/// The parent, grandparent and so on of `pid`, up to and excluding PID 1,
/// which is protected on its own.
#[cfg(target_os = "linux")]
fn ancestors(pid: u32) -> Result<Vec<u32>, PolicyError> {
    let mut found = Vec::new();
    let mut current = pid;

    // A pid chain is short; the bound only guards against a cycle from pid reuse.
    while found.len() < 1024 {
        let stat = match fs::read_to_string(format!("/proc/{current}/stat")) {
            Ok(stat) => stat,
            // An ancestor that exited while we walked ends the chain.
            Err(e) if e.kind() == io::ErrorKind::NotFound && current != pid => break,
            Err(source) => {
                return Err(PolicyError::ProcessAncestry {
                    pid: current,
                    source,
                });
            }
        };
        let parent = parent_from_stat(&stat).ok_or_else(|| PolicyError::ProcessAncestry {
            pid: current,
            source: io::Error::new(io::ErrorKind::InvalidData, "no parent pid in stat line"),
        })?;
        if parent <= 1 || found.contains(&parent) {
            break;
        }
        found.push(parent);
        current = parent;
    }
    Ok(found)
}

#[cfg(not(target_os = "linux"))]
fn ancestors(_pid: u32) -> Result<Vec<u32>, PolicyError> {
    Ok(Vec::new())
}

/// The fourth field of `/proc/<pid>/stat`; the second (the command name) is
/// in parentheses and may itself hold spaces and parentheses.
#[cfg(target_os = "linux")]
fn parent_from_stat(stat: &str) -> Option<u32> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn parent_is_read_past_a_command_name_with_spaces() {
        assert_eq!(parent_from_stat("42 (my (odd) cmd) S 7 42 42 0"), Some(7));
        assert_eq!(parent_from_stat("42 no-parens S 7"), None);
    }

    #[test]
    fn current_process_protects_pid_one_and_itself() -> Result<(), PolicyError> {
        let protected = Protected::for_current_process()?;
        assert!(protected.pid_label(1).is_some());
        assert!(protected.pid_label(std::process::id()).is_some());
        Ok(())
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn current_process_protects_its_parent() -> Result<(), PolicyError> {
        let protected = Protected::for_current_process()?;
        let me = fs::read_to_string("/proc/self/stat").map_err(|source| {
            PolicyError::ProcessAncestry {
                pid: std::process::id(),
                source,
            }
        })?;
        let parent = parent_from_stat(&me).unwrap_or(0);
        assert!(protected.pid_label(parent).is_some(), "{protected:?}");
        Ok(())
    }

    #[test]
    fn protects_below_a_path_and_changes_above_it() {
        let protected = Protected::new().with_path("/var/lib/ward", "ward data directory");
        let inside = Path::new("/var/lib/ward/agent.db");
        assert_eq!(
            protected.path_label(inside, Operation::FileRead),
            Some("ward data directory")
        );
        assert!(
            protected
                .path_label(Path::new("/var/lib"), Operation::FileList)
                .is_none()
        );
        assert!(
            protected
                .path_label(Path::new("/var/lib"), Operation::FileDelete)
                .is_some()
        );
        assert!(
            protected
                .path_label(Path::new("/var/lib/wardx"), Operation::FileRead)
                .is_none()
        );
    }

    #[cfg(unix)]
    #[test]
    fn resolved_form_of_a_linked_path_is_protected_too() -> Result<(), io::Error> {
        let dir = tempfile::tempdir()?;
        let real = dir.path().join("real");
        fs::create_dir(&real)?;
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link)?;

        let protected = Protected::new().with_path(&link, "audit log");
        let resolved = fs::canonicalize(&real)?.join("log.jsonl");
        assert_eq!(
            protected.path_label(&resolved, Operation::FileRead),
            Some("audit log")
        );
        Ok(())
    }
}
