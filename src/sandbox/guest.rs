//! The guest-side Python files that ship inside the `ward` binary.
//!
//! They are written once into the cache directory, under a name derived from their contents, and
//! mapped read-only into every run at [`GUEST_LIB`]. Embedding them keeps the agent one
//! self-contained file; deriving the folder name from the contents means an upgraded binary never
//! runs an older harness. A list of every file with its SHA-256 is checked at each load, so that
//! a library changed after the fact (a disk error, a writer killed half-way, a hand) is written
//! again instead of run: the interpreter loads the bytecode without comparing it to anything.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::SandboxError;

/// Where the guest sees ward's Python modules.
pub const GUEST_LIB: &str = "/ward/lib";

/// In the library's directory: each file below it and its SHA-256, written last.
const CONTENTS: &str = "contents.sha256";

/// Where the guest sees its private scratch directory (job in, result out).
pub const GUEST_RUN: &str = "/ward/run";

const FILES: &[(&str, &str)] = &[
    (
        "ward_harness.py",
        include_str!("../../python-wasm/guest/ward_harness.py"),
    ),
    (
        "ward_channel.py",
        include_str!("../../python-wasm/guest/ward_channel.py"),
    ),
    (
        "ward_json.py",
        include_str!("../../python-wasm/guest/ward_json.py"),
    ),
    ("ward.py", include_str!("../../python-wasm/guest/ward.py")),
    (
        "psutil.py",
        include_str!("../../python-wasm/guest/psutil.py"),
    ),
    (
        "winreg.py",
        include_str!("../../python-wasm/guest/winreg.py"),
    ),
    (
        "ward_validate.py",
        include_str!("../../python-wasm/guest/ward_validate.py"),
    ),
];

/// The interpreter's command line: isolated mode, no `site`, no bytecode writes, then the harness.
pub fn argv() -> [&'static str; 6] {
    [
        "/ward/lib/bin/python",
        "-I",
        "-S",
        "-B",
        "-c",
        "import sys; sys.path.insert(0, '/ward/lib'); import ward_harness; ward_harness.main()",
    ]
}

/// The command line of a warm interpreter: as [`argv`], but the harness imports what jobs use
/// and then waits for its job on the host channel.
pub fn warm_argv() -> [&'static str; 6] {
    [
        "/ward/lib/bin/python",
        "-I",
        "-S",
        "-B",
        "-c",
        "import sys; sys.path.insert(0, '/ward/lib'); import ward_harness; ward_harness.serve()",
    ]
}

/// Writes the guest files below `cache_dir` unless an identical copy is already there, with the
/// bytecode `compile` makes of them (see [`super::bytecode`]) when it can.
pub fn materialize(
    cache_dir: &Path,
    compile: impl FnOnce(&Path, &[&str]) -> Result<(), String>,
) -> Result<PathBuf, SandboxError> {
    let mut digest = Sha256::new();
    // Bytecode is the interpreter's own format, so another interpreter gets another directory.
    digest.update(super::interpreter::PINNED_SHA256.as_bytes());
    for (name, text) in FILES {
        digest.update(name.as_bytes());
        digest.update([0]);
        digest.update(text.as_bytes());
        digest.update([0]);
    }
    let dir = cache_dir.join(format!("guest-{}", &hex::encode(digest.finalize())[..16]));
    if dir.is_dir() {
        if intact(&dir) {
            return Ok(dir);
        }
        tracing::warn!(dir = %dir.display(), "the guest library in the cache changed after ward wrote it; writing it again");
        discard(&dir, cache_dir);
    }

    let io = |what: &str, source| SandboxError::Io {
        what: format!("{what} the guest library in `{}`", cache_dir.display()),
        source,
    };
    let staging = tempfile::Builder::new()
        .prefix(".guest-")
        .tempdir_in(cache_dir)
        .map_err(|e| io("stage", e))?;
    for (name, text) in FILES {
        fs::write(staging.path().join(name), text).map_err(|e| io("write", e))?;
    }
    let names: Vec<&str> = FILES.iter().map(|(name, _)| *name).collect();
    if let Err(reason) = compile(staging.path(), &names) {
        tracing::warn!(%reason, "could not compile the guest library to bytecode; runs compile it from source");
    }
    let contents = contents_of(staging.path()).map_err(|e| io("list", e))?;
    fs::write(staging.path().join(CONTENTS), contents).map_err(|e| io("list", e))?;
    // Another process may have won the race; either copy is identical.
    if let Err(e) = fs::rename(staging.path(), &dir)
        && !dir.is_dir()
    {
        return Err(io("install", e));
    }
    Ok(dir)
}

/// Whether the library in `dir` is still every file its list names, as they were written.
fn intact(dir: &Path) -> bool {
    match (fs::read_to_string(dir.join(CONTENTS)), contents_of(dir)) {
        (Ok(recorded), Ok(now)) => recorded == now,
        _ => false,
    }
}

/// One line per file in `dir` and its `__pycache__`, sorted: the SHA-256 and the relative path.
/// Anything else there (a directory, a link) is listed by name, so that it fails the comparison.
fn contents_of(dir: &Path) -> std::io::Result<String> {
    let mut lines = Vec::new();
    for sub in ["", "__pycache__"] {
        let here = dir.join(sub);
        if sub == "__pycache__" && !here.exists() {
            continue;
        }
        for entry in fs::read_dir(&here)? {
            let entry = entry?;
            let name = Path::new(sub).join(entry.file_name());
            let kind = entry.file_type()?;
            if kind.is_file() {
                if name != Path::new(CONTENTS) {
                    let digest = hex::encode(Sha256::digest(fs::read(entry.path())?));
                    lines.push(format!("{digest}  {}\n", name.display()));
                }
            } else if !(kind.is_dir() && name == Path::new("__pycache__")) {
                lines.push(format!("unexpected  {}\n", name.display()));
            }
        }
    }
    lines.sort();
    Ok(lines.concat())
}

/// Moves a changed library out of the way and removes it. Another process may be doing the same,
/// so failures are left alone: what matters is that a fresh copy takes its place.
fn discard(dir: &Path, cache_dir: &Path) {
    let stale = cache_dir.join(format!(".stale-guest-{}", std::process::id()));
    if fs::rename(dir, &stale).is_ok() {
        let _ = fs::remove_dir_all(&stale);
    }
}

/// An empty directory that stands in for `/` when the policy maps no rule onto `/` itself. It is
/// mapped read-only and every path below it is refused before it is touched, so it stays empty.
pub fn empty_root(cache_dir: &Path) -> Result<PathBuf, SandboxError> {
    let dir = cache_dir.join("empty-root");
    match fs::create_dir(&dir) {
        Ok(()) => Ok(dir),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(dir),
        Err(source) => Err(SandboxError::Io {
            what: format!("create `{}`", dir.display()),
            source,
        }),
    }
}

/// Where runs keep their scratch directories: inside ward's cache directory, which is private to
/// ward's user and a protected target, so that no script can reach another run's job or result.
/// Directories left by a process that no longer runs (it was killed) are removed.
pub fn runs_dir(cache_dir: &Path) -> Result<PathBuf, SandboxError> {
    let dir = cache_dir.join("runs");
    let io = |source| SandboxError::Io {
        what: format!("create `{}`", dir.display()),
        source,
    };
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&dir).map_err(io)?;
    remove_abandoned(&dir);
    Ok(dir)
}

/// `run-<pid>-`: the owning process is part of the name so that a later start can tell a
/// scratch directory in use from one abandoned by a killed process.
pub fn scratch_prefix() -> String {
    format!("run-{}-", std::process::id())
}

fn remove_abandoned(runs: &Path) {
    let Ok(entries) = fs::read_dir(runs) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let owner = name
            .strip_prefix("run-")
            .and_then(|rest| rest.split('-').next());
        if let Some(pid) = owner.and_then(|pid| pid.parse::<u32>().ok())
            && !process_alive(pid)
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(target_os = "linux")]
fn process_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Without `/proc`, liveness is not known, and nothing is removed.
#[cfg(not(target_os = "linux"))]
fn process_alive(_pid: u32) -> bool {
    true
}
