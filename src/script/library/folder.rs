//! A library kept in a folder: one sub-folder per script, named by its id, holding
//! `script.py`, `manifest.json` (the canonical single line) and `meta.json` (author,
//! modification date, SHA-256 of the code).
//!
//! A script is written into a hidden staging folder and renamed into place, so a reader sees a
//! complete script or none; a replaced or deleted script is renamed aside before it is removed
//! (a crash between the two renames of a replacement leaves the previous version in a
//! `.removed-…` folder, to move back by hand).
//! The code is checked against its recorded hash whenever it is read. Several processes may
//! read at once; writes to one script should come from one process at a time.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{LibraryError, LibraryStorage, Script, ScriptRecord};
use crate::audit::Sha256Digest;
use crate::script::{MAX_MANIFEST_BYTES, MAX_SCRIPT_BYTES, Manifest};

const CODE_FILE: &str = "script.py";
const MANIFEST_FILE: &str = "manifest.json";
const META_FILE: &str = "meta.json";
const MAX_META_BYTES: usize = 64 * 1024;

/// The library's own facts about a script, as `meta.json` holds them.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    id: Uuid,
    created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    modified: OffsetDateTime,
    sha256: Sha256Digest,
}

/// Library storage in a folder of the local disk.
#[derive(Debug, Clone)]
pub struct FolderStorage {
    dir: PathBuf,
}

impl FolderStorage {
    /// Storage in `dir`, which is created (private to this user) on the first write. Nothing is
    /// read until asked.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry(&self, id: Uuid) -> PathBuf {
        self.dir.join(id.to_string())
    }

    fn read_record(&self, id: Uuid) -> Result<Option<(ScriptRecord, PathBuf)>, LibraryError> {
        let path = self.entry(id);
        let Some(meta) = read_capped(&path.join(META_FILE), MAX_META_BYTES)? else {
            return Ok(None);
        };
        let corrupt = |reason: String| LibraryError::Corrupt {
            path: path.clone(),
            reason,
        };
        let meta: Meta = serde_json::from_slice(&meta)
            .map_err(|e| corrupt(format!("{META_FILE} is not valid: {e}")))?;
        if meta.id != id {
            return Err(corrupt(format!(
                "{META_FILE} names another id, {}",
                meta.id
            )));
        }
        let manifest = read_capped(&path.join(MANIFEST_FILE), MAX_MANIFEST_BYTES)?
            .ok_or_else(|| corrupt(format!("{MANIFEST_FILE} is missing")))?;
        let manifest = Manifest::parse(&manifest)
            .map_err(|e| corrupt(format!("{MANIFEST_FILE} is not valid: {e}")))?;
        let record = ScriptRecord {
            id,
            manifest,
            created_by: meta.created_by,
            modified: meta.modified,
            sha256: meta.sha256,
            builtin: false,
        };
        Ok(Some((record, path)))
    }
}

impl LibraryStorage for FolderStorage {
    fn list(&self) -> Result<Vec<ScriptRecord>, LibraryError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(io_error("list", &self.dir, source)),
        };
        let mut records = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| io_error("list", &self.dir, source))?;
            // Staging and removed folders start with a dot; anything else not an id is not ours.
            let Some(id) = entry
                .file_name()
                .to_str()
                .and_then(|n| Uuid::parse_str(n).ok())
            else {
                continue;
            };
            match self.read_record(id) {
                Ok(Some((record, _))) => records.push(record),
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "a damaged library entry is left out"),
            }
        }
        Ok(records)
    }

    fn get(&self, id: Uuid) -> Result<Option<Script>, LibraryError> {
        let Some((record, path)) = self.read_record(id)? else {
            return Ok(None);
        };
        let code_path = path.join(CODE_FILE);
        let corrupt = |reason: String| LibraryError::Corrupt {
            path: path.clone(),
            reason,
        };
        let code = read_capped(&code_path, MAX_SCRIPT_BYTES)?
            .ok_or_else(|| corrupt(format!("{CODE_FILE} is missing")))?;
        if Sha256Digest::of(&code) != record.sha256 {
            return Err(corrupt(format!(
                "{CODE_FILE} does not match the SHA-256 recorded when it was stored"
            )));
        }
        let code = String::from_utf8(code)
            .map_err(|_| corrupt(format!("{CODE_FILE} is not UTF-8 text")))?;
        Ok(Some(Script { record, code }))
    }

    fn put(&self, script: &Script) -> Result<(), LibraryError> {
        let record = &script.record;
        create_private_dir(&self.dir)?;
        let staging = tempfile::Builder::new()
            .prefix(".staging-")
            .tempdir_in(&self.dir)
            .map_err(|source| io_error("create a staging folder in", &self.dir, source))?;
        let meta = Meta {
            id: record.id,
            created_by: record.created_by.clone(),
            modified: record.modified,
            sha256: record.sha256,
        };
        let meta = serde_json::to_vec(&meta).map_err(|e| LibraryError::Corrupt {
            path: self.entry(record.id),
            reason: format!("its record cannot be written: {e}"),
        })?;
        write_synced(&staging.path().join(CODE_FILE), script.code.as_bytes())?;
        write_synced(
            &staging.path().join(MANIFEST_FILE),
            script.definitions().as_bytes(),
        )?;
        write_synced(&staging.path().join(META_FILE), &meta)?;

        let target = self.entry(record.id);
        let aside = self.set_aside(&target)?;
        if let Err(source) = fs::rename(staging.path(), &target) {
            if let Some(aside) = &aside {
                // Put the previous version back rather than leave no version at all.
                let _ = fs::rename(aside, &target);
            }
            return Err(io_error("move the new version into", &target, source));
        }
        // The staging folder is now the entry; nothing is left to clean up under its old name.
        let _ = staging.keep();
        if let Some(aside) = aside {
            remove_aside(&aside);
        }
        sync_dir(&self.dir);
        Ok(())
    }

    fn remove(&self, id: Uuid) -> Result<bool, LibraryError> {
        let Some(aside) = self.set_aside(&self.entry(id))? else {
            return Ok(false);
        };
        remove_aside(&aside);
        sync_dir(&self.dir);
        Ok(true)
    }
}

impl FolderStorage {
    /// Renames `entry` to a hidden name, if it exists, so it disappears in one step.
    fn set_aside(&self, entry: &Path) -> Result<Option<PathBuf>, LibraryError> {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("entry");
        let aside = self.dir.join(format!(".removed-{name}-{}", Uuid::new_v4()));
        match fs::rename(entry, &aside) {
            Ok(()) => Ok(Some(aside)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(io_error("set aside", entry, source)),
        }
    }
}

fn remove_aside(aside: &Path) {
    if let Err(error) = fs::remove_dir_all(aside) {
        tracing::warn!(path = %aside.display(), %error, "an old library entry could not be removed; delete it by hand");
    }
}

/// The file's bytes, `None` when it does not exist.
fn read_capped(path: &Path, cap: usize) -> Result<Option<Vec<u8>>, LibraryError> {
    let size = match fs::metadata(path) {
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(io_error("read", path, source)),
    };
    if size > cap as u64 {
        return Err(LibraryError::Corrupt {
            path: path.to_owned(),
            reason: format!("it is {size} bytes, over the limit of {cap}"),
        });
    }
    fs::read(path)
        .map(Some)
        .map_err(|source| io_error("read", path, source))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), LibraryError> {
    let mut file = fs::File::create(path).map_err(|source| io_error("create", path, source))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|source| io_error("write", path, source))
}

fn create_private_dir(dir: &Path) -> Result<(), LibraryError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|source| io_error("create the library folder", dir, source))
}

/// Makes the renames in `dir` durable where the platform allows; a failure only weakens
/// durability after a crash, never correctness, so it is logged and not returned.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Err(error) = fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::debug!(dir = %dir.display(), %error, "the library folder could not be synced");
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn io_error(what: &'static str, path: &Path, source: std::io::Error) -> LibraryError {
    LibraryError::Io {
        what,
        path: path.to_owned(),
        source,
    }
}
