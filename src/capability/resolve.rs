//! Where a guest path leads on the host, and the policy's word on it.
//!
//! Resolution never trusts the string alone: `..` is resolved lexically and may not climb above
//! the mapped root, and the real location is found with `cap-std` inside the root's handle, so a
//! symbolic link is judged by where it points and one that leaves the root is refused. A regular
//! file with several hard links is refused for reading and writing, because its path does not
//! show which file it is.

use std::io;
use std::path::{Component, Path, PathBuf};

use std::sync::Arc;

use cap_std::fs::{Dir, MetadataExt};
use wasmtime_wasi::p1::types::{self, Errno};
use wiggle::{GuestMemory, GuestPtr};

use super::context::{Denied, Permit};
use super::{FdKind, MediatedWasi};
use crate::policy::{Operation, Target};

/// Longest path accepted from the guest, in bytes; longer ones fail as a native call would.
const MAX_PATH_BYTES: u32 = 4096;

/// How much of an over-long path the audit record keeps.
const LABEL_PREFIX_BYTES: u32 = 256;

/// Where a guest path leads, as far as the host is concerned.
pub(super) enum Resolved {
    /// Not a host path (the guest's own directories): performed without mediation.
    Guest,
    /// A host path. `real` is where it leads once links are followed; `lexical` is as asked.
    Host {
        root: usize,
        lexical: PathBuf,
        real: PathBuf,
    },
    /// Refused before the policy is asked; `rule` says why, `errno` is what the guest sees.
    Refused {
        label: String,
        rule: String,
        errno: Errno,
    },
}

fn denied_errno(denied: &Denied) -> Errno {
    match denied {
        Denied::Policy { .. } => Errno::Acces,
        Denied::AuditUnavailable => Errno::Io,
    }
}

fn io_errno(error: &io::Error) -> Errno {
    match error.kind() {
        io::ErrorKind::NotFound => Errno::Noent,
        io::ErrorKind::PermissionDenied => Errno::Acces,
        io::ErrorKind::NotADirectory => Errno::Notdir,
        io::ErrorKind::InvalidFilename => Errno::Nametoolong,
        _ if error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => Errno::Loop,
        _ => Errno::Io,
    }
}

/// Joins `relative` onto `base` resolving `.` and `..` without touching the disk; `None` when
/// the result would climb above `floor` or `relative` is absolute.
fn join_lexically(base: &Path, relative: &str, floor: &Path) -> Option<PathBuf> {
    let mut path = base.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::CurDir => {}
            Component::Normal(name) => path.push(name),
            Component::ParentDir => {
                if path == floor || !path.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    path.starts_with(floor).then_some(path)
}

impl MediatedWasi {
    /// Reads a path from guest memory; one longer than [`MAX_PATH_BYTES`] is refused and
    /// recorded without being read.
    pub(super) fn read_path(
        &self,
        memory: &GuestMemory<'_>,
        dirfd: types::Fd,
        path: GuestPtr<str>,
        op: Operation,
    ) -> Result<String, types::Error> {
        if path.len() > MAX_PATH_BYTES {
            let head = path
                .as_bytes()
                .get_range(0..LABEL_PREFIX_BYTES)
                .and_then(|head| memory.to_vec(head).ok())
                .unwrap_or_default();
            let base = match self.fds.get(&u32::from(dirfd)) {
                Some(FdKind::Host { path, .. }) => path.clone(),
                _ => PathBuf::from("/"),
            };
            let head = base.join(String::from_utf8_lossy(&head).as_ref());
            let label = format!("{}… ({} bytes)", head.display(), path.len());
            let rule = format!("path longer than {MAX_PATH_BYTES} bytes");
            return Err(match self.context.refuse(op, &label, &rule) {
                Denied::AuditUnavailable => Errno::Io,
                Denied::Policy { .. } => Errno::Nametoolong,
            }
            .into());
        }
        Ok(memory.as_cow_str(path)?.into_owned())
    }

    /// Reads the guest's path, resolves it against `dirfd` and asks the policy about `op` on it:
    /// the common first step of every path call.
    pub(super) fn gate(
        &self,
        memory: &GuestMemory<'_>,
        dirfd: types::Fd,
        path: GuestPtr<str>,
        follow: bool,
        op: Operation,
    ) -> Result<Option<Permit>, types::Error> {
        let text = self.read_path(memory, dirfd, path, op)?;
        let resolved = self.resolve(dirfd.into(), &text, follow);
        Ok(self.permit(op, &resolved)?)
    }

    /// Permits several operations that make up one call (a rename deletes one name and writes
    /// another) only if every one of them is allowed, so that no part is recorded as started
    /// when another part is refused. Moving a directory is refused when a deny rule could cover
    /// something inside it, since the move would carry that out from under the rule.
    pub(super) fn permit_all(
        &self,
        parts: &[(Operation, &Resolved)],
    ) -> Result<Vec<Option<Permit>>, Errno> {
        // A link or rename between the guest's own directories and the host would give the
        // guest an unmediated name for a host file, or carry one out of reach of the checks.
        let crosses = parts.iter().any(|(_, r)| matches!(r, Resolved::Guest));
        if crosses
            && let Some((op, Resolved::Host { real, .. })) = parts
                .iter()
                .find(|(_, r)| matches!(r, Resolved::Host { .. }))
        {
            let rule = "crosses between the host and the guest's own directories";
            let label = real.display().to_string();
            return Err(denied_errno(&self.context.refuse(*op, &label, rule)));
        }
        for (op, resolved) in parts {
            if !self.would_allow(*op, resolved) {
                return Err(self.permit(*op, resolved).err().unwrap_or(Errno::Acces));
            }
            if let (Operation::FileDelete, Resolved::Host { real, .. }) = (op, resolved)
                && self.is_directory(resolved)
                && let Some(rule) = self.context.policy.deny_below(self.context.risk, real)
            {
                let rule = format!("moving it would carry paths out from under {rule}");
                let label = real.display().to_string();
                return Err(denied_errno(&self.context.refuse(*op, &label, &rule)));
            }
        }
        parts
            .iter()
            .map(|(op, resolved)| self.permit(*op, resolved))
            .collect()
    }

    /// What the policy would say, without recording anything.
    fn would_allow(&self, op: Operation, resolved: &Resolved) -> bool {
        let decide = |path: &Path| {
            let request = crate::policy::Request {
                risk: self.context.risk,
                operation: op,
                target: Target::Path(path.to_path_buf()),
            };
            self.context.policy.decide(&request).allowed
        };
        match resolved {
            Resolved::Guest => true,
            Resolved::Refused { .. } => false,
            Resolved::Host { lexical, real, .. } => {
                decide(real) && (lexical == real || decide(lexical))
            }
        }
    }

    /// Resolves `relative` against the directory `dirfd`. `follow` says whether a symbolic link
    /// in the last component is followed (as `stat` does) or acted on itself (`unlink`, `lstat`).
    pub(super) fn resolve(&self, dirfd: u32, relative: &str, follow: bool) -> Resolved {
        let (root_index, base) = match self.fds.get(&dirfd) {
            Some(FdKind::Host { root, path, handle }) => {
                match handle.as_deref().and_then(current_path) {
                    Some(now) if !now.starts_with(&self.roots[*root].path) => {
                        return Resolved::Refused {
                            label: format!("{} + {relative}", path.display()),
                            rule: "the directory was moved out of its root".into(),
                            errno: Errno::Acces,
                        };
                    }
                    Some(now) => (*root, now),
                    None => (*root, path.clone()),
                }
            }
            Some(FdKind::Outside) => {
                let label = Path::new("/").join(relative).display().to_string();
                return Resolved::Refused {
                    label,
                    rule: "outside every directory the policy maps in".into(),
                    errno: Errno::Acces,
                };
            }
            Some(FdKind::Internal | FdKind::Scratch | FdKind::Channel) | None => {
                return Resolved::Guest;
            }
        };
        let root = &self.roots[root_index];
        let Some(lexical) = join_lexically(&base, relative, &root.path) else {
            return Resolved::Refused {
                label: format!("{} + {relative}", base.display()),
                rule: "path leaves its root".into(),
                errno: Errno::Acces,
            };
        };
        match self.real_location(root_index, &lexical, follow) {
            Ok(real) => Resolved::Host {
                root: root_index,
                lexical,
                real,
            },
            Err(error) if error.kind() == io::ErrorKind::PermissionDenied => Resolved::Refused {
                label: lexical.display().to_string(),
                rule: "symbolic link leaves its root".into(),
                errno: Errno::Acces,
            },
            Err(error) => Resolved::Refused {
                label: lexical.display().to_string(),
                rule: format!("path cannot be resolved: {error}"),
                errno: io_errno(&error),
            },
        }
    }

    /// A handle of ward's own on a directory the guest opened below a root; see `FdKind::Host`.
    pub(super) fn directory_handle(&self, root: usize, real: &Path) -> Option<Arc<Dir>> {
        let root = &self.roots[root];
        let inside = real.strip_prefix(&root.path).ok()?;
        let inside = if inside.as_os_str().is_empty() {
            Path::new(".")
        } else {
            inside
        };
        root.dir.open_dir(inside).ok().map(Arc::new)
    }

    /// Where `lexical` really is, with links resolved inside the root's handle. A path that does
    /// not exist yet (a file about to be created) is its parent's real location plus its name.
    pub(super) fn real_location(
        &self,
        root_index: usize,
        lexical: &Path,
        follow: bool,
    ) -> io::Result<PathBuf> {
        let root = &self.roots[root_index];
        let inside = lexical.strip_prefix(&root.path).unwrap_or(Path::new(""));
        let canonical = |path: &Path| -> io::Result<PathBuf> {
            if path.as_os_str().is_empty() {
                return Ok(root.path.clone());
            }
            root.dir.canonicalize(path).map(|p| root.path.join(p))
        };
        let parent_and_name = || -> io::Result<PathBuf> {
            match (inside.parent(), inside.file_name()) {
                (Some(parent), Some(name)) => Ok(canonical(parent)?.join(name)),
                _ => Ok(root.path.clone()),
            }
        };
        if !follow {
            return parent_and_name();
        }
        match canonical(inside) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => parent_and_name(),
            other => other,
        }
        .or_else(|error| match error.kind() {
            // Nothing on the way exists, so nothing can lead elsewhere: judge the path as asked
            // and let the operation fail as it would natively.
            io::ErrorKind::NotFound => Ok(lexical.to_path_buf()),
            _ => Err(error),
        })
    }

    /// Asks the policy about `op` on a resolved path; a path reached through a link is judged on
    /// both its names, and refused if either is.
    pub(super) fn permit(
        &self,
        op: Operation,
        resolved: &Resolved,
    ) -> Result<Option<Permit>, Errno> {
        match resolved {
            Resolved::Guest => Ok(None),
            Resolved::Refused { label, rule, errno } => {
                let denied = self.context.refuse(op, label, rule);
                Err(if matches!(denied, Denied::AuditUnavailable) {
                    Errno::Io
                } else {
                    *errno
                })
            }
            Resolved::Host { lexical, real, .. } => {
                let label = if lexical == real {
                    real.display().to_string()
                } else {
                    let asked = Target::Path(lexical.clone());
                    let decision = self.context.policy.decide(&crate::policy::Request {
                        risk: self.context.risk,
                        operation: op,
                        target: asked,
                    });
                    let label = format!("{} (reached as {})", real.display(), lexical.display());
                    if !decision.allowed {
                        return Err(denied_errno(&self.context.refuse(
                            op,
                            &label,
                            &decision.rule,
                        )));
                    }
                    label
                };
                self.context
                    .check_as(op, Target::Path(real.clone()), label)
                    .map(Some)
                    .map_err(|denied| denied_errno(&denied))
            }
        }
    }

    /// Records the outcome of an allowed operation; if the record cannot be written the guest
    /// gets an I/O error instead of the result.
    pub(super) fn settle<T>(
        &self,
        permit: Option<Permit>,
        result: Result<T, types::Error>,
    ) -> Result<T, types::Error> {
        let Some(permit) = permit else {
            return result;
        };
        let outcome = match &result {
            Ok(_) => Ok(()),
            Err(error) => Err(match error.downcast_ref() {
                Some(errno) => format!("{errno:?}").to_lowercase(),
                None => "host error".to_string(),
            }),
        };
        match self.context.finish(permit, outcome) {
            Ok(()) => result,
            Err(_) => Err(Errno::Io.into()),
        }
    }

    /// Refuses to open anything but a regular file or a directory: opening a FIFO blocks the
    /// host until a writer appears (past any timeout), and devices and sockets are not files a
    /// script should read through a path.
    pub(super) fn refuse_special_file(
        &self,
        op: Operation,
        resolved: &Resolved,
    ) -> Result<(), Errno> {
        let Resolved::Host { root, real, .. } = resolved else {
            return Ok(());
        };
        let root = &self.roots[*root];
        let inside = real.strip_prefix(&root.path).unwrap_or(Path::new(""));
        if inside.as_os_str().is_empty() {
            return Ok(());
        }
        let Ok(meta) = root.dir.symlink_metadata(inside) else {
            return Ok(());
        };
        let kind = meta.file_type();
        if kind.is_file() || kind.is_dir() {
            return Ok(());
        }
        let rule = "not a regular file or directory (a FIFO, socket or device)";
        Err(denied_errno(&self.context.refuse(
            op,
            &real.display().to_string(),
            rule,
        )))
    }

    /// Refuses a regular file with more than one name for reading or writing: the policy judged
    /// one of its paths, and another may be one the policy forbids.
    pub(super) fn refuse_hard_link(&self, op: Operation, resolved: &Resolved) -> Result<(), Errno> {
        let Resolved::Host { root, real, .. } = resolved else {
            return Ok(());
        };
        let root = &self.roots[*root];
        let inside = real.strip_prefix(&root.path).unwrap_or(Path::new(""));
        let Ok(meta) = root.dir.symlink_metadata(inside) else {
            return Ok(());
        };
        if meta.is_file() && meta.nlink() > 1 {
            let rule = format!(
                "hard link: the file has {} names, so its path does not show which file it is",
                meta.nlink()
            );
            return Err(denied_errno(&self.context.refuse(
                op,
                &real.display().to_string(),
                &rule,
            )));
        }
        Ok(())
    }

    pub(super) fn is_directory(&self, resolved: &Resolved) -> bool {
        let Resolved::Host { root, real, .. } = resolved else {
            return false;
        };
        let root = &self.roots[*root];
        let inside = real.strip_prefix(&root.path).unwrap_or(Path::new(""));
        if inside.as_os_str().is_empty() {
            return true;
        }
        root.dir.metadata(inside).is_ok_and(|m| m.is_dir())
    }
}

/// Where an open directory is now, as the kernel knows it; `None` where that cannot be asked.
#[cfg(target_os = "linux")]
fn current_path(dir: &Dir) -> Option<PathBuf> {
    use std::os::fd::AsRawFd;
    std::fs::read_link(format!("/proc/self/fd/{}", dir.as_raw_fd())).ok()
}

/// Where an open directory is now; other systems keep the path it was opened at (a known gap:
/// a directory moved while the guest holds it is judged by its old path there).
#[cfg(not(target_os = "linux"))]
fn current_path(_dir: &Dir) -> Option<PathBuf> {
    None
}
