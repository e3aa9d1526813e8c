//! The system calls of the warm path that the standard library does not offer: fork, swapping a
//! descriptor in place, leaving children to the kernel to reap, and waiting for one to end.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// Which side of a fork this is.
pub enum Forked {
    Child,
    /// With the child's pid.
    Parent(i32),
}

/// Forks this process, which must have one thread (see [`single_threaded`]).
pub fn fork() -> io::Result<Forked> {
    // SAFETY: the caller checked that this process runs one thread, so no lock can be held by a
    // thread the child would not have; the C library's own locks are reset by its fork handlers.
    match unsafe { libc::fork() } {
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid)),
    }
}

/// Whether this process runs a single thread, as read from `/proc/self/status`.
pub fn single_threaded() -> io::Result<bool> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    Ok(status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .is_some_and(|count| count.trim() == "1"))
}

/// Makes descriptor `target` refer to what `with` refers to, for this process only: a child
/// gives the interpreter's scratch directory, opened before the fork, a private replacement.
pub fn replace(target: RawFd, with: &OwnedFd) -> io::Result<()> {
    // SAFETY: `dup2` only changes the descriptor table; `target` is a descriptor this process
    // holds open (found by `descriptor_of`), and `with` is valid while borrowed.
    if unsafe { libc::dup2(with.as_raw_fd(), target) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Makes the kernel kill this child when its parent, the process of warm interpreters, ends: it
/// ends when the agent does, and a job whose agent is gone must not run on unwatched, past its
/// deadline. A `parent` that ended before this call is noticed too.
pub fn die_with_parent(parent: u32) {
    if rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))
        .is_err()
        || std::os::unix::process::parent_id() != parent
    {
        std::process::exit(1);
    }
}

/// Lets the kernel reap exited children, so that the process of warm interpreters, which never
/// waits for them, leaves no zombies.
pub fn reap_children_automatically() -> io::Result<()> {
    // SAFETY: setting a signal's disposition to "ignore" runs no code in a handler.
    if unsafe { libc::signal(libc::SIGCHLD, libc::SIG_IGN) } == libc::SIG_ERR {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The descriptor of this process that refers to the directory at `path`, if exactly one does.
pub fn descriptor_of(path: &std::path::Path) -> io::Result<RawFd> {
    let wanted = std::fs::metadata(path)?;
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd")? {
        let entry = entry?;
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<RawFd>().ok())
        else {
            continue;
        };
        if let Ok(meta) = std::fs::metadata(entry.path())
            && std::os::unix::fs::MetadataExt::ino(&meta)
                == std::os::unix::fs::MetadataExt::ino(&wanted)
            && std::os::unix::fs::MetadataExt::dev(&meta)
                == std::os::unix::fs::MetadataExt::dev(&wanted)
        {
            found.push(fd);
        }
    }
    match found.as_slice() {
        [fd] => Ok(*fd),
        _ => Err(io::Error::other(format!(
            "expected one descriptor for `{}`, found {}",
            path.display(),
            found.len()
        ))),
    }
}

/// A handle on the child `pid` that becomes readable when it ends; `None` if it cannot be had
/// (an old kernel, or the child has already gone and been reaped).
pub fn watch(pid: i32) -> Option<OwnedFd> {
    let pid = rustix::process::Pid::from_raw(pid)?;
    rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok()
}

/// Waits until the child behind `watch` has ended or `socket` has something to read. Returns at
/// once without a handle, or if waiting fails: the caller then goes on as if either had happened.
pub fn until_ended_or_readable(watch: Option<&OwnedFd>, socket: &impl AsRawFd) {
    let Some(watch) = watch else { return };
    let mut fds = [watch.as_raw_fd(), socket.as_raw_fd()].map(|fd| libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    });
    // SAFETY: two valid `pollfd`s, for descriptors the caller holds open while this waits.
    unsafe {
        libc::poll(fds.as_mut_ptr(), 2, -1);
    }
}

/// Kills a child of this process that is known to be alive, so that its pid is its own.
pub fn kill(pid: i32) {
    // SAFETY: sending a signal touches no memory of this process.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}
