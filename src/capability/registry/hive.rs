//! [`Hive`]: the operations the channel dispatcher calls, one per `winreg`
//! request, on a hive kept in memory and saved after every change.

use std::path::{Path, PathBuf};

use super::error::RegistryError;
use super::file;
use super::path::{Root, check_value_name, fold, split_path};
use super::tree::{Key, Tree, now_ns};
use super::value::{KeyInfo, NamedValue, RegValue};

/// A registry hive backed by one JSON file.
///
/// Every change is written to the file before the method returns; a change
/// that cannot be saved is not made, in memory either. Several processes may
/// hold the same file (each warm interpreter is one): a change is made under
/// a lock on the hive's directory, to the file's current content.
#[derive(Debug)]
pub struct Hive {
    path: PathBuf,
    tree: Tree,
    /// The file as it was when `tree` was read, to notice changes made by other processes.
    read_at: Option<Stamp>,
}

/// What tells one version of the hive file from the next: it is replaced by a rename on every
/// change, so its inode changes even when its size and time would not.
type Stamp = (u64, u64, std::time::SystemTime);

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some((inode, meta.len(), meta.modified().ok()?))
}

impl Hive {
    /// Loads the hive at `path`. A missing or blank file is an empty hive;
    /// the file is first written on the first change.
    ///
    /// # Errors
    ///
    /// [`RegistryError::Read`] when the file cannot be read,
    /// [`RegistryError::Corrupt`] when it is not a valid hive.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, RegistryError> {
        let path = path.into();
        let read_at = stamp(&path);
        let tree = file::load(&path)?;
        Ok(Hive {
            path,
            tree,
            read_at,
        })
    }

    /// Reads the file again, taking changes other processes saved since.
    ///
    /// # Errors
    ///
    /// As [`Hive::open`].
    pub fn reload(&mut self) -> Result<(), RegistryError> {
        self.read_at = stamp(&self.path);
        self.tree = file::load(&self.path)?;
        Ok(())
    }

    /// [`Self::reload`], when the file changed since it was last read.
    ///
    /// # Errors
    ///
    /// As [`Hive::open`].
    pub fn refresh(&mut self) -> Result<(), RegistryError> {
        if stamp(&self.path) != self.read_at {
            self.reload()?;
        }
        Ok(())
    }

    /// The file this hive is saved to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the key at `path` below `root` exists; the empty path is the
    /// root, which always does.
    ///
    /// # Errors
    ///
    /// [`RegistryError::InvalidPath`] for a malformed path.
    pub fn key_exists(&self, root: Root, path: &str) -> Result<bool, RegistryError> {
        let parts = split_path(path)?;
        Ok(self.tree.root(root).find(&parts).is_some())
    }

    /// Creates the key and any missing parent; says whether it was created
    /// (`false` when it already existed, which is not an error).
    ///
    /// # Errors
    ///
    /// [`RegistryError::InvalidPath`] for a malformed path, or a save error.
    pub fn create_key(&mut self, root: Root, path: &str) -> Result<bool, RegistryError> {
        let parts = split_path(path)?;
        if self.tree.root(root).find(&parts).is_some() {
            return Ok(false);
        }
        self.change(|tree| Ok(tree.root_mut(root).create(&parts, now_ns())))
    }

    /// Deletes a key that has no subkeys, with its values.
    ///
    /// # Errors
    ///
    /// [`RegistryError::KeyNotFound`], [`RegistryError::HasSubkeys`],
    /// [`RegistryError::DeleteRoot`] for the empty path, or a save error.
    pub fn delete_key(&mut self, root: Root, path: &str) -> Result<(), RegistryError> {
        let parts = split_path(path)?;
        let Some((last, parent_parts)) = parts.split_last() else {
            return Err(RegistryError::DeleteRoot {
                key: root.name().to_owned(),
            });
        };
        let key = self.key(root, path, &parts)?;
        if !key.subkeys.is_empty() {
            return Err(RegistryError::HasSubkeys {
                key: root.key_name(path),
            });
        }

        self.change(|tree| {
            let parent = tree
                .root_mut(root)
                .find_mut(parent_parts)
                .ok_or_else(|| not_found(root, path))?;
            parent.subkeys.remove(&fold(last));
            parent.modified_ns = now_ns();
            Ok(())
        })
    }

    /// The value called `name` in the key; `""` is the default value.
    ///
    /// # Errors
    ///
    /// [`RegistryError::KeyNotFound`] or [`RegistryError::ValueNotFound`].
    pub fn query_value(
        &self,
        root: Root,
        path: &str,
        name: &str,
    ) -> Result<RegValue, RegistryError> {
        let parts = split_path(path)?;
        let key = self.key(root, path, &parts)?;
        check_value_name(&root.key_name(path), name)?;
        key.value_index(name)
            .map(|index| key.values[index].1.clone())
            .ok_or_else(|| RegistryError::ValueNotFound {
                key: root.key_name(path),
                name: name.to_owned(),
            })
    }

    /// Sets the value called `name` in an existing key, replacing any value
    /// of that name whatever its type. The name keeps the spelling it was
    /// first given.
    ///
    /// # Errors
    ///
    /// [`RegistryError::KeyNotFound`], [`RegistryError::InvalidValueName`],
    /// [`RegistryError::InvalidValue`] for a value over
    /// [`MAX_VALUE_BYTES`](super::MAX_VALUE_BYTES), or a save error.
    pub fn set_value(
        &mut self,
        root: Root,
        path: &str,
        name: &str,
        value: RegValue,
    ) -> Result<(), RegistryError> {
        let parts = split_path(path)?;
        self.key(root, path, &parts)?;
        check_value_name(&root.key_name(path), name)?;
        value.check_size()?;

        self.change(|tree| {
            let key = tree
                .root_mut(root)
                .find_mut(&parts)
                .ok_or_else(|| not_found(root, path))?;
            key.set_value(name, value, now_ns());
            Ok(())
        })
    }

    /// Deletes the value called `name` from the key.
    ///
    /// # Errors
    ///
    /// [`RegistryError::KeyNotFound`], [`RegistryError::ValueNotFound`], or a
    /// save error.
    pub fn delete_value(
        &mut self,
        root: Root,
        path: &str,
        name: &str,
    ) -> Result<(), RegistryError> {
        let parts = split_path(path)?;
        check_value_name(&root.key_name(path), name)?;
        let missing = || RegistryError::ValueNotFound {
            key: root.key_name(path),
            name: name.to_owned(),
        };
        // Looking first reports a missing key or value without a save.
        let index = self
            .key(root, path, &parts)?
            .value_index(name)
            .ok_or_else(missing)?;

        self.change(|tree| {
            let key = tree
                .root_mut(root)
                .find_mut(&parts)
                .ok_or_else(|| not_found(root, path))?;
            key.values.remove(index);
            key.modified_ns = now_ns();
            Ok(())
        })
    }

    /// The name of the subkey at `index`, counting in lower-cased name order.
    ///
    /// # Errors
    ///
    /// [`RegistryError::KeyNotFound`], or [`RegistryError::NoMoreItems`] when
    /// `index` is past the last subkey (where `winreg.EnumKey` raises).
    pub fn enum_key(&self, root: Root, path: &str, index: usize) -> Result<String, RegistryError> {
        let parts = split_path(path)?;
        let key = self.key(root, path, &parts)?;
        key.subkeys
            .values()
            .nth(index)
            .map(|child| child.name.clone())
            .ok_or_else(|| RegistryError::NoMoreItems {
                key: root.key_name(path),
                what: "subkeys",
                count: key.subkeys.len(),
                index,
            })
    }

    /// The value at `index`, counting in the order values were first set.
    ///
    /// # Errors
    ///
    /// [`RegistryError::KeyNotFound`], or [`RegistryError::NoMoreItems`] when
    /// `index` is past the last value.
    pub fn enum_value(
        &self,
        root: Root,
        path: &str,
        index: usize,
    ) -> Result<NamedValue, RegistryError> {
        let parts = split_path(path)?;
        let key = self.key(root, path, &parts)?;
        key.values
            .get(index)
            .map(|(name, value)| NamedValue {
                name: name.clone(),
                value: value.clone(),
            })
            .ok_or_else(|| RegistryError::NoMoreItems {
                key: root.key_name(path),
                what: "values",
                count: key.values.len(),
                index,
            })
    }

    /// How many subkeys and values the key has and when it last changed.
    ///
    /// # Errors
    ///
    /// [`RegistryError::KeyNotFound`].
    pub fn query_info_key(&self, root: Root, path: &str) -> Result<KeyInfo, RegistryError> {
        let parts = split_path(path)?;
        let key = self.key(root, path, &parts)?;
        Ok(KeyInfo {
            subkeys: key.subkeys.len(),
            values: key.values.len(),
            modified_ns: key.modified_ns,
        })
    }

    fn key(&self, root: Root, path: &str, parts: &[&str]) -> Result<&Key, RegistryError> {
        self.tree
            .root(root)
            .find(parts)
            .ok_or_else(|| not_found(root, path))
    }

    /// Applies `edit` to a copy of the tree, saves the copy, and only then
    /// makes it the hive's content, so memory never runs ahead of the file.
    fn change<T>(
        &mut self,
        edit: impl FnOnce(&mut Tree) -> Result<T, RegistryError>,
    ) -> Result<T, RegistryError> {
        let _lock = file::lock_dir(&self.path)?;
        let mut next = file::load(&self.path)?;
        let outcome = edit(&mut next)?;
        file::save(&self.path, &next)?;
        self.read_at = stamp(&self.path);
        self.tree = next;
        Ok(outcome)
    }
}

fn not_found(root: Root, path: &str) -> RegistryError {
    RegistryError::KeyNotFound {
        key: root.key_name(path),
    }
}
