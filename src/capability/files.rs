//! File capabilities: every WASI call that names a host path is resolved inside its directory
//! handle, judged by the policy on the path it really reaches, recorded, and only then performed.
//!
//! Resolution never trusts the string alone: `..` is resolved lexically and may not climb above
//! the mapped root, and the real location is found with `cap-std` inside the root's handle, so a
//! symbolic link is judged by where it points and one that leaves the root is refused. A regular
//! file with several hard links is refused for reading and writing, because its path does not
//! show which file it is.

use std::io;
use std::path::{Component, Path, PathBuf};

use cap_std::fs::MetadataExt;
use wasmtime_wasi::p1::types::{self, Errno};
use wasmtime_wasi::p1::wasi_snapshot_preview1::WasiSnapshotPreview1;
use wiggle::{GuestMemory, GuestPtr};

use super::context::{Denied, Permit};
use super::{FdKind, MediatedWasi};
use crate::policy::{Operation, Target};

/// Longest path accepted from the guest, in bytes; longer ones fail as a native call would.
const MAX_PATH_BYTES: u32 = 4096;

/// Where a guest path leads, as far as the host is concerned.
enum Resolved {
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
    fn read_path(memory: &GuestMemory<'_>, path: GuestPtr<str>) -> Result<String, types::Error> {
        if path.len() > MAX_PATH_BYTES {
            return Err(Errno::Nametoolong.into());
        }
        Ok(memory.as_cow_str(path)?.into_owned())
    }

    /// Resolves `relative` against the directory `dirfd`. `follow` says whether a symbolic link
    /// in the last component is followed (as `stat` does) or acted on itself (`unlink`, `lstat`).
    fn resolve(&self, dirfd: u32, relative: &str, follow: bool) -> Resolved {
        let (root_index, base) = match self.fds.get(&dirfd) {
            Some(FdKind::Host { root, path }) => (*root, path.clone()),
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

    /// Where `lexical` really is, with links resolved inside the root's handle. A path that does
    /// not exist yet (a file about to be created) is its parent's real location plus its name.
    fn real_location(
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
    fn permit(&self, op: Operation, resolved: &Resolved) -> Result<Option<Permit>, Errno> {
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
    fn settle<T>(
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

    /// Refuses a regular file with more than one name for reading or writing: the policy judged
    /// one of its paths, and another may be one the policy forbids.
    fn refuse_hard_link(&self, op: Operation, resolved: &Resolved) -> Result<(), Errno> {
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

    fn is_directory(&self, resolved: &Resolved) -> bool {
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

    /// Which operation opening a path is, from the flags wasi-libc derives from `open`'s mode.
    fn open_operation(
        &self,
        resolved: &Resolved,
        oflags: types::Oflags,
        rights: types::Rights,
        fdflags: types::Fdflags,
    ) -> Operation {
        let writes = oflags
            .intersects(types::Oflags::CREAT | types::Oflags::TRUNC | types::Oflags::EXCL)
            || rights.contains(types::Rights::FD_WRITE)
            || fdflags.contains(types::Fdflags::APPEND);
        if writes {
            Operation::FileWrite
        } else if oflags.contains(types::Oflags::DIRECTORY) || self.is_directory(resolved) {
            Operation::FileList
        } else {
            Operation::FileRead
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn path_open_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        dirflags: types::Lookupflags,
        path: GuestPtr<str>,
        oflags: types::Oflags,
        fs_rights_base: types::Rights,
        fs_rights_inheriting: types::Rights,
        fdflags: types::Fdflags,
    ) -> Result<types::Fd, types::Error> {
        let text = Self::read_path(memory, path)?;
        let parent = u32::from(dirfd);
        let follow = dirflags.contains(types::Lookupflags::SYMLINK_FOLLOW);
        let resolved = self.resolve(parent, &text, follow);
        let op = self.open_operation(&resolved, oflags, fs_rights_base, fdflags);
        let permit = self.permit(op, &resolved)?;
        if op != Operation::FileList {
            self.refuse_hard_link(op, &resolved)?;
        }

        let opened = self
            .inner
            .path_open(
                memory,
                dirfd,
                dirflags,
                path,
                oflags,
                fs_rights_base,
                fs_rights_inheriting,
                fdflags,
            )
            .await;
        let opened = self
            .confirm_unchanged(memory, op, &resolved, follow, opened)
            .await;
        let fd = self.settle(permit, opened)?;

        let kind = match (&resolved, self.fds.get(&parent)) {
            (Resolved::Host { root, real, .. }, _) => Some(FdKind::Host {
                root: *root,
                path: real.clone(),
            }),
            (_, Some(FdKind::Scratch)) if text == super::channel::CHANNEL_NAME => {
                Some(FdKind::Channel)
            }
            (_, Some(FdKind::Internal | FdKind::Scratch)) => Some(FdKind::Internal),
            _ => None,
        };
        if let Some(kind) = kind {
            self.fds.insert(u32::from(fd), kind);
        }
        Ok(fd)
    }

    /// Resolves the path again after opening it: if it now leads elsewhere, another process
    /// swapped a component between the check and the open, and the descriptor is closed unused.
    async fn confirm_unchanged(
        &mut self,
        memory: &mut GuestMemory<'_>,
        op: Operation,
        resolved: &Resolved,
        follow: bool,
        opened: Result<types::Fd, types::Error>,
    ) -> Result<types::Fd, types::Error> {
        let (
            Ok(fd),
            Resolved::Host {
                root,
                lexical,
                real,
            },
        ) = (&opened, resolved)
        else {
            return opened;
        };
        match self.real_location(*root, lexical, follow) {
            Ok(now) if &now == real => opened,
            _ => {
                let _ = self.inner.fd_close(memory, *fd).await;
                let rule = "path changed between the check and the open";
                self.context.refuse(op, &lexical.display().to_string(), rule);
                Err(Errno::Acces.into())
            }
        }
    }

    pub(super) async fn path_filestat_get_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        flags: types::Lookupflags,
        path: GuestPtr<str>,
    ) -> Result<types::Filestat, types::Error> {
        let text = Self::read_path(memory, path)?;
        let follow = flags.contains(types::Lookupflags::SYMLINK_FOLLOW);
        let resolved = self.resolve(dirfd.into(), &text, follow);
        let permit = self.permit(Operation::FileList, &resolved)?;
        let result = self
            .inner
            .path_filestat_get(memory, dirfd, flags, path)
            .await;
        self.settle(permit, result)
    }

    pub(super) async fn path_readlink_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        path: GuestPtr<str>,
        buf: GuestPtr<u8>,
        buf_len: types::Size,
    ) -> Result<types::Size, types::Error> {
        let text = Self::read_path(memory, path)?;
        let resolved = self.resolve(dirfd.into(), &text, false);
        let permit = self.permit(Operation::FileList, &resolved)?;
        let result = self
            .inner
            .path_readlink(memory, dirfd, path, buf, buf_len)
            .await;
        self.settle(permit, result)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn path_filestat_set_times_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        flags: types::Lookupflags,
        path: GuestPtr<str>,
        atim: types::Timestamp,
        mtim: types::Timestamp,
        fst_flags: types::Fstflags,
    ) -> Result<(), types::Error> {
        let text = Self::read_path(memory, path)?;
        let follow = flags.contains(types::Lookupflags::SYMLINK_FOLLOW);
        let resolved = self.resolve(dirfd.into(), &text, follow);
        let permit = self.permit(Operation::FileWrite, &resolved)?;
        let result = self
            .inner
            .path_filestat_set_times(memory, dirfd, flags, path, atim, mtim, fst_flags)
            .await;
        self.settle(permit, result)
    }

    pub(super) async fn path_create_directory_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        path: GuestPtr<str>,
    ) -> Result<(), types::Error> {
        let text = Self::read_path(memory, path)?;
        let resolved = self.resolve(dirfd.into(), &text, false);
        let permit = self.permit(Operation::FileWrite, &resolved)?;
        let result = self.inner.path_create_directory(memory, dirfd, path).await;
        self.settle(permit, result)
    }

    pub(super) async fn path_remove_directory_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        path: GuestPtr<str>,
    ) -> Result<(), types::Error> {
        let text = Self::read_path(memory, path)?;
        let resolved = self.resolve(dirfd.into(), &text, false);
        let permit = self.permit(Operation::FileDelete, &resolved)?;
        let result = self.inner.path_remove_directory(memory, dirfd, path).await;
        self.settle(permit, result)
    }

    pub(super) async fn path_unlink_file_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        dirfd: types::Fd,
        path: GuestPtr<str>,
    ) -> Result<(), types::Error> {
        let text = Self::read_path(memory, path)?;
        let resolved = self.resolve(dirfd.into(), &text, false);
        let permit = self.permit(Operation::FileDelete, &resolved)?;
        let result = self.inner.path_unlink_file(memory, dirfd, path).await;
        self.settle(permit, result)
    }

    /// A rename deletes the source name and writes the destination; both must be allowed.
    pub(super) async fn path_rename_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        src_fd: types::Fd,
        src_path: GuestPtr<str>,
        dest_fd: types::Fd,
        dest_path: GuestPtr<str>,
    ) -> Result<(), types::Error> {
        let source = self.resolve(src_fd.into(), &Self::read_path(memory, src_path)?, false);
        let dest = self.resolve(dest_fd.into(), &Self::read_path(memory, dest_path)?, false);
        let source_permit = self.permit(Operation::FileDelete, &source)?;
        let dest_permit = self.permit(Operation::FileWrite, &dest)?;
        let result = self
            .inner
            .path_rename(memory, src_fd, src_path, dest_fd, dest_path)
            .await;
        let result = self.settle(source_permit, result);
        self.settle(dest_permit, result)
    }

    /// A hard link gives a file a second name, so both names must be writable.
    pub(super) async fn path_link_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        src_fd: types::Fd,
        src_flags: types::Lookupflags,
        src_path: GuestPtr<str>,
        target_fd: types::Fd,
        target_path: GuestPtr<str>,
    ) -> Result<(), types::Error> {
        let follow = src_flags.contains(types::Lookupflags::SYMLINK_FOLLOW);
        let source = self.resolve(src_fd.into(), &Self::read_path(memory, src_path)?, follow);
        let target = self.resolve(
            target_fd.into(),
            &Self::read_path(memory, target_path)?,
            false,
        );
        let source_permit = self.permit(Operation::FileWrite, &source)?;
        let target_permit = self.permit(Operation::FileWrite, &target)?;
        let result = self
            .inner
            .path_link(memory, src_fd, src_flags, src_path, target_fd, target_path)
            .await;
        let result = self.settle(source_permit, result);
        self.settle(target_permit, result)
    }

    /// Creating a symbolic link writes its name; where it points is judged when it is followed.
    pub(super) async fn path_symlink_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        src_path: GuestPtr<str>,
        dirfd: types::Fd,
        dest_path: GuestPtr<str>,
    ) -> Result<(), types::Error> {
        let link = self.resolve(dirfd.into(), &Self::read_path(memory, dest_path)?, false);
        let permit = self.permit(Operation::FileWrite, &link)?;
        let result = self
            .inner
            .path_symlink(memory, src_path, dirfd, dest_path)
            .await;
        self.settle(permit, result)
    }

    pub(super) async fn fd_close_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        fd: types::Fd,
    ) -> Result<(), types::Error> {
        let result = self.inner.fd_close(memory, fd).await;
        if result.is_ok() {
            self.fds.remove(&u32::from(fd));
        }
        result
    }

    pub(super) async fn fd_renumber_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        from_fd: types::Fd,
        to_fd: types::Fd,
    ) -> Result<(), types::Error> {
        let result = self.inner.fd_renumber(memory, from_fd, to_fd).await;
        if result.is_ok() {
            let moved = self.fds.remove(&u32::from(from_fd));
            self.fds.remove(&u32::from(to_fd));
            if let Some(kind) = moved {
                self.fds.insert(u32::from(to_fd), kind);
            }
        }
        result
    }
}
