//! On-disk cache of the compiled guest, so that only the first start pays for compilation.
//!
//! Loading compiled code is executing it, so the cache is guarded twice: its directory must belong
//! to ward's user and be writable by nobody else, and every entry carries a stamp of the file as
//! ward wrote it (size, inode, modification and change times). A file changed after ward wrote it
//! no longer matches its stamp (the change time cannot be set back by its owner), and it is
//! deleted and rebuilt, never loaded.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::SandboxError;

/// What identifies one version of a file on disk without reading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    size: u64,
    inode: u64,
    device: u64,
    modified_ns: i128,
    changed_ns: i128,
}

impl FileStamp {
    pub fn of(path: &Path) -> std::io::Result<Self> {
        let meta = fs::metadata(path)?;
        Ok(Self::from_metadata(&meta))
    }

    #[cfg(unix)]
    fn from_metadata(meta: &fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Self {
            size: meta.len(),
            inode: meta.ino(),
            device: meta.dev(),
            modified_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            changed_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
        }
    }

    #[cfg(not(unix))]
    fn from_metadata(meta: &fs::Metadata) -> Self {
        let nanos = |t: std::io::Result<std::time::SystemTime>| {
            t.ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i128)
        };
        Self {
            size: meta.len(),
            inode: 0,
            device: 0,
            modified_ns: nanos(meta.modified()),
            changed_ns: nanos(meta.created()),
        }
    }
}

/// Feeds `Hash` implementations into SHA-256, giving a cache key that is stable across runs
/// (the standard library's hasher is randomly seeded).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
    }
}

/// Key of a compiled module: the interpreter's hash and everything about the engine that makes
/// compiled code incompatible (wasmtime version, target, compiler settings).
pub fn module_key(engine: &wasmtime::Engine, interpreter_sha256: &str) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    interpreter_sha256.hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex::encode(hasher.0.finalize())
}

/// The cache directory, checked to be private to this user before anything is loaded from it.
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// Creates the directory (mode 0700) if needed and refuses one that others could write to.
    pub fn open(dir: &Path) -> Result<Self, SandboxError> {
        create_private_dir(dir)?;
        check_private(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn stamp_path(entry: &Path) -> PathBuf {
        entry.with_extension("stamp")
    }

    /// Returns the path of a cached entry that is exactly as ward wrote it, or `None`. An entry
    /// whose stamp does not match is deleted so that it is rebuilt.
    pub fn verified_entry(&self, name: &str) -> Option<PathBuf> {
        let entry = self.dir.join(name);
        let recorded: FileStamp = fs::read(Self::stamp_path(&entry))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())?;
        match FileStamp::of(&entry) {
            Ok(actual) if actual == recorded => Some(entry),
            Ok(_) => {
                tracing::warn!(entry = %entry.display(), "compiled-code cache entry was changed after ward wrote it; rebuilding it");
                self.remove(&entry);
                None
            }
            Err(_) => None,
        }
    }

    /// Writes an entry atomically (temporary file, sync, rename) and records its stamp.
    pub fn store(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, SandboxError> {
        let entry = self.dir.join(name);
        let io = |what: &str, source| SandboxError::Io {
            what: format!("{what} `{}`", entry.display()),
            source,
        };
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)
            .map_err(|e| io("create a temporary file for", e))?;
        tmp.write_all(bytes).map_err(|e| io("write", e))?;
        tmp.as_file().sync_all().map_err(|e| io("sync", e))?;
        tmp.persist(&entry)
            .map_err(|e| io("rename into", e.error))?;
        let stamp = FileStamp::of(&entry).map_err(|e| io("stat", e))?;
        let stamp = serde_json::to_vec(&stamp).map_err(|e| io("encode the stamp of", e.into()))?;
        fs::write(Self::stamp_path(&entry), stamp).map_err(|e| io("write the stamp of", e))?;
        Ok(entry)
    }

    fn remove(&self, entry: &Path) {
        let _ = fs::remove_file(entry);
        let _ = fs::remove_file(Self::stamp_path(entry));
    }

    /// Remembers that the interpreter at `path`, as it is now, was verified; see [`Self::is_verified`].
    pub fn mark_verified(&self, path: &Path) -> Result<(), SandboxError> {
        let record = VerifiedInterpreter {
            path: path.to_path_buf(),
            stamp: FileStamp::of(path).map_err(|source| SandboxError::Io {
                what: format!("stat the interpreter `{}`", path.display()),
                source,
            })?,
        };
        let bytes = serde_json::to_vec(&record).unwrap_or_default();
        self.store("interpreter.json", &bytes).map(|_| ())
    }

    /// True when the interpreter at `path` is the same file, unchanged, that was verified last.
    pub fn is_verified(&self, path: &Path) -> bool {
        let Some(entry) = self.verified_entry("interpreter.json") else {
            return false;
        };
        let Some(record) = fs::read(entry)
            .ok()
            .and_then(|b| serde_json::from_slice::<VerifiedInterpreter>(&b).ok())
        else {
            return false;
        };
        record.path == path && FileStamp::of(path).is_ok_and(|now| now == record.stamp)
    }
}

#[derive(Serialize, Deserialize)]
struct VerifiedInterpreter {
    path: PathBuf,
    stamp: FileStamp,
}

fn create_private_dir(dir: &Path) -> Result<(), SandboxError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| SandboxError::Io {
        what: format!("create the cache directory `{}`", dir.display()),
        source,
    })
}

#[cfg(unix)]
fn check_private(dir: &Path) -> Result<(), SandboxError> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(dir).map_err(|source| SandboxError::Io {
        what: format!("stat the cache directory `{}`", dir.display()),
        source,
    })?;
    let owner_ok = meta.uid() == rustix::process::geteuid().as_raw();
    if !owner_ok || meta.mode() & 0o022 != 0 {
        return Err(SandboxError::CacheNotPrivate {
            dir: dir.to_path_buf(),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_dir: &Path) -> Result<(), SandboxError> {
    Ok(())
}
