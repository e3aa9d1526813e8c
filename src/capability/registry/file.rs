//! The hive file: JSON a reviewer can read, loaded in two stages (serde into
//! raw types, then checked into a [`Tree`]) and saved atomically.
//!
//! The file lists every key by its full name, parents before children:
//!
//! ```json
//! {
//!   "version": 1,
//!   "keys": [
//!     { "path": "HKEY_LOCAL_MACHINE\\Software\\Ward", "modified_ns": 1715000000000000000,
//!       "values": [ { "name": "Level", "type": 4, "value": 3 } ] }
//!   ]
//! }
//! ```
//!
//! When written by hand, `modified_ns` and `values` may be left out, and a
//! key's parents need not be listed: they are created empty.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::error::RegistryError;
use super::path::{Root, check_value_name, fold, split_path};
use super::tree::{Key, Tree};
use super::value::RegValue;

/// Largest hive file ward reads or writes: 64 MiB.
pub const MAX_HIVE_BYTES: usize = 64 << 20;

/// The only format version this code reads and writes.
const VERSION: u32 = 1;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHive {
    version: u32,
    keys: Vec<RawKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    path: String,
    #[serde(default)]
    modified_ns: u64,
    #[serde(default)]
    values: Vec<RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValue {
    name: String,
    #[serde(rename = "type")]
    type_code: u32,
    #[serde(default)]
    value: Json,
}

#[derive(Serialize)]
struct SavedHive<'a> {
    version: u32,
    keys: Vec<SavedKey<'a>>,
}

#[derive(Serialize)]
struct SavedKey<'a> {
    path: String,
    modified_ns: u64,
    values: Vec<SavedValue<'a>>,
}

#[derive(Serialize)]
struct SavedValue<'a> {
    name: &'a str,
    #[serde(flatten)]
    value: &'a RegValue,
}

/// Reads the hive at `path`; a missing or blank file is an empty hive.
pub(super) fn load(path: &Path) -> Result<Tree, RegistryError> {
    let read_error = |source| RegistryError::Read {
        path: path.to_owned(),
        source,
    };
    let corrupt = |reason: String| RegistryError::Corrupt {
        path: path.to_owned(),
        reason,
    };

    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Tree::empty()),
        Err(error) => return Err(read_error(error)),
    };
    // One byte over the limit is enough to know the file is too large.
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_HIVE_BYTES)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() > MAX_HIVE_BYTES {
        return Err(corrupt(format!(
            "it is larger than the limit of {MAX_HIVE_BYTES} bytes"
        )));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Tree::empty());
    }

    let raw: RawHive = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    if raw.version != VERSION {
        return Err(corrupt(format!(
            "format version {} is not supported; this ward reads version {VERSION}",
            raw.version
        )));
    }
    build(&raw.keys).map_err(corrupt)
}

/// Checks the raw keys and builds the tree: first every key, so that a key
/// created as a parent does not lose the time given to it, then their times
/// and values.
fn build(keys: &[RawKey]) -> Result<Tree, String> {
    let mut tree = Tree::empty();
    let mut parsed = Vec::with_capacity(keys.len());
    let mut seen = HashSet::new();
    for key in keys {
        let (root, parts) = split_key_name(&key.path)?;
        if !seen.insert((root, fold(&parts.join("\\")))) {
            return Err(format!("the key `{}` is listed twice", key.path));
        }
        tree.root_mut(root).create(&parts, 0);
        parsed.push((root, parts));
    }

    for (key, (root, parts)) in keys.iter().zip(&parsed) {
        let node = tree
            .root_mut(*root)
            .find_mut(parts)
            .ok_or_else(|| format!("the key `{}` could not be created", key.path))?;
        node.modified_ns = key.modified_ns;
        for raw in &key.values {
            let in_key = |e: RegistryError| format!("in the key `{}`: {e}", key.path);
            check_value_name(&key.path, &raw.name).map_err(in_key)?;
            if node.value_index(&raw.name).is_some() {
                return Err(format!(
                    "the key `{}` lists the value `{}` twice",
                    key.path, raw.name
                ));
            }
            let value = RegValue::from_wire(raw.type_code, &raw.value).map_err(in_key)?;
            node.values.push((raw.name.clone(), value));
        }
    }
    Ok(tree)
}

/// Splits a full key name such as `HKEY_LOCAL_MACHINE\Software` into its
/// root and the components below it.
fn split_key_name(name: &str) -> Result<(Root, Vec<&str>), String> {
    let (root, rest) = name.split_once('\\').unwrap_or((name, ""));
    let root: Root = root.parse().map_err(|e| format!("the key `{name}`: {e}"))?;
    if name.ends_with('\\') {
        return Err(format!("the key `{name}` ends with `\\`; remove it"));
    }
    let parts = split_path(rest).map_err(|e| format!("the key `{name}`: {e}"))?;
    Ok((root, parts))
}

/// Writes the hive to `path` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over the old file, which keeps
/// its permissions.
pub(super) fn save(path: &Path, tree: &Tree) -> Result<(), RegistryError> {
    let write_error = |source| RegistryError::Write {
        path: path.to_owned(),
        source,
    };
    let bytes = encode(tree).map_err(|e| write_error(io::Error::other(e)))?;
    if bytes.len() > MAX_HIVE_BYTES {
        return Err(RegistryError::HiveFull {
            path: path.to_owned(),
            size: bytes.len(),
            limit: MAX_HIVE_BYTES,
        });
    }

    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".ward-hive-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(write_error)?;
    if let Ok(old) = fs::metadata(path) {
        temp.as_file()
            .set_permissions(old.permissions())
            .map_err(write_error)?;
    }
    temp.write_all(&bytes).map_err(write_error)?;
    temp.as_file().sync_all().map_err(write_error)?;
    temp.persist(path).map_err(|e| write_error(e.error))?;
    sync_dir(dir).map_err(write_error)
}

/// Makes the rename itself durable; Windows offers no handle on a directory
/// to flush, and commits the rename with the file system's own journal.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

fn encode(tree: &Tree) -> serde_json::Result<Vec<u8>> {
    let mut keys = Vec::new();
    for root in Root::ALL {
        push_keys(root.name(), tree.root(root), &mut keys);
    }
    let mut bytes = serde_json::to_vec_pretty(&SavedHive {
        version: VERSION,
        keys,
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Appends `key` and everything below it, parents first.
fn push_keys<'a>(path: &str, key: &'a Key, out: &mut Vec<SavedKey<'a>>) {
    let values = key
        .values
        .iter()
        .map(|(name, value)| SavedValue { name, value })
        .collect();
    out.push(SavedKey {
        path: path.to_owned(),
        modified_ns: key.modified_ns,
        values,
    });
    for child in key.subkeys.values() {
        push_keys(&format!("{path}\\{}", child.name), child, out);
    }
}

/// Holds the hive's directory locked until dropped, so that two processes changing the same
/// hive take turns: each reads the file, changes it and saves it under the lock.
#[cfg(unix)]
pub(super) fn lock_dir(path: &Path) -> Result<File, RegistryError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let write_error = |source| RegistryError::Write {
        path: path.to_owned(),
        source,
    };
    let handle = File::open(dir).map_err(write_error)?;
    handle.lock().map_err(write_error)?;
    Ok(handle)
}

/// Windows offers no lock on a directory; there one process holds a hive (no warm interpreters).
#[cfg(not(unix))]
pub(super) fn lock_dir(_path: &Path) -> Result<(), RegistryError> {
    Ok(())
}
