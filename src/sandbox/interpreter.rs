//! Finds the guest interpreter file and proves it is the pinned upstream build.
//!
//! The interpreter is the only foreign code ward executes, so it is checked by SHA-256 before it is
//! compiled. Hashing 26 MB on every start would cost more than the run itself, so the compiled-code
//! cache remembers the file's identity (size, times, inode) at the moment it was verified, and a
//! file whose identity changed is hashed again.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::SandboxError;

/// SHA-256 of `python-3.12.0.wasm` from webassembly-language-runtimes release
/// `python/3.12.0+20231211-040d5a6`; no other interpreter is accepted.
pub const PINNED_SHA256: &str = "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763";

/// File name the fetch step writes.
pub const FILE_NAME: &str = "python-3.12.0.wasm";

/// Environment variable that points ward at an interpreter file elsewhere.
pub const ENV_VAR: &str = "WARD_INTERPRETER";

/// Command that fetches and verifies the interpreter, quoted in errors.
pub const FETCH_COMMAND: &str = "python3 python-wasm/fetch.py";

/// Where the interpreter is looked for when neither the flag nor `WARD_INTERPRETER` names one:
/// beside the `ward` executable, in ward's data directory, then in the source checkout that built
/// this binary (where the fetch step puts it).
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, SandboxError> {
    if let Some(path) = explicit {
        return existing(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
        return existing(PathBuf::from(path));
    }
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        candidates.push(dir.join(FILE_NAME));
    }
    candidates.push(crate::paths::data_dir().join(FILE_NAME));
    candidates.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("python-wasm/dist")
            .join(FILE_NAME),
    );
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .ok_or(SandboxError::InterpreterMissing { path: None })
}

fn existing(path: PathBuf) -> Result<PathBuf, SandboxError> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(SandboxError::InterpreterMissing { path: Some(path) })
    }
}

/// Reads the whole interpreter and refuses it unless its SHA-256 is [`PINNED_SHA256`].
pub fn read_verified(path: &Path) -> Result<Vec<u8>, SandboxError> {
    let bytes = std::fs::read(path).map_err(|source| SandboxError::Io {
        what: format!("read the interpreter `{}`", path.display()),
        source,
    })?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != PINNED_SHA256 {
        return Err(SandboxError::InterpreterHash {
            path: path.to_path_buf(),
            actual,
            expected: PINNED_SHA256,
        });
    }
    Ok(bytes)
}
