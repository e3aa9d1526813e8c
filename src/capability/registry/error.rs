//! Why a registry operation failed, in terms the channel can carry back to
//! the guest.
//!
//! [`RegistryError::kind`] names the channel error kind, which the guest's
//! `winreg` module turns into the exception Windows would raise: `NotFound`
//! becomes `FileNotFoundError` (Windows error 2), `AccessDenied`
//! `PermissionError` (Windows error 5), the rest `OSError`.

use std::io;
use std::path::PathBuf;

/// A registry operation that failed, with the key, value or file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The policy names no hive and the host has no registry of its own.
    #[error(
        "no registry on this platform: name a `registry_hive` in the policy's \
         `[limits]` table to give scripts a file-backed one"
    )]
    NotAvailable,

    /// The root is not one of the five root keys.
    #[error(
        "`{root}` is not a registry root; use HKEY_CLASSES_ROOT, HKEY_CURRENT_USER, \
         HKEY_LOCAL_MACHINE, HKEY_USERS or HKEY_CURRENT_CONFIG"
    )]
    InvalidRoot {
        /// The root as requested.
        root: String,
    },

    /// The key path is malformed or beyond the hive's limits.
    #[error("invalid registry key path `{path}`: {reason}")]
    InvalidPath {
        /// The path below the root, as requested.
        path: String,
        /// What is wrong with it and how to fix it.
        reason: String,
    },

    /// The value name is malformed or too long.
    #[error("invalid registry value name in `{key}`: {reason}")]
    InvalidValueName {
        /// The key holding the value.
        key: String,
        /// What is wrong with it and how to fix it.
        reason: String,
    },

    /// The data does not fit the declared type, or the type is not stored.
    #[error("invalid registry value: {reason}")]
    InvalidValue {
        /// What is wrong with it and how to fix it.
        reason: String,
    },

    /// The key does not exist.
    #[error("the registry key `{key}` does not exist")]
    KeyNotFound {
        /// The full key name, root included.
        key: String,
    },

    /// The key exists but holds no value of that name.
    #[error("the registry key `{key}` has no value named `{name}`")]
    ValueNotFound {
        /// The full key name, root included.
        key: String,
        /// The value name as requested.
        name: String,
    },

    /// An enumeration index is past the last subkey or value.
    #[error(
        "no more data is available: `{key}` has {count} {what}, so index {index} is past the end"
    )]
    NoMoreItems {
        /// The full key name, root included.
        key: String,
        /// `subkeys` or `values`.
        what: &'static str,
        /// How many there are.
        count: usize,
        /// The index asked for.
        index: usize,
    },

    /// The key still has subkeys, so it cannot be deleted.
    #[error("cannot delete the registry key `{key}` because it has subkeys; delete them first")]
    HasSubkeys {
        /// The full key name, root included.
        key: String,
    },

    /// A root key was asked to be deleted.
    #[error("cannot delete the registry root `{key}`; name a subkey to delete")]
    DeleteRoot {
        /// The root's name.
        key: String,
    },

    /// Saving the change would make the hive file larger than its limit.
    #[error(
        "the registry hive `{}` would grow to {size} bytes, over its limit of {limit} bytes; \
         delete keys or values that are no longer needed",
        path.display()
    )]
    HiveFull {
        /// The hive file.
        path: PathBuf,
        /// The size the file would have had.
        size: usize,
        /// The largest size allowed.
        limit: usize,
    },

    /// Reading the hive file failed.
    #[error(
        "cannot read the registry hive `{}`: {source}; check that the file is readable by ward",
        path.display()
    )]
    Read {
        /// The hive file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },

    /// Writing the hive file failed; the hive kept its previous content.
    #[error(
        "cannot save the registry hive `{}`: {source}; the change was not made; check free \
         space and that ward may write in the hive's directory",
        path.display()
    )]
    Write {
        /// The hive file.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },

    /// The hive file is not a hive this version of ward can read.
    #[error(
        "the registry hive `{}` is damaged: {reason}; fix the file or move it aside to start \
         with an empty hive",
        path.display()
    )]
    Corrupt {
        /// The hive file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl RegistryError {
    /// The channel error kind: `NotFound`, `AccessDenied`, `InvalidRequest`,
    /// `NotAvailable` or `OSError`.
    pub fn kind(&self) -> &'static str {
        match self {
            RegistryError::NotAvailable => "NotAvailable",
            RegistryError::InvalidRoot { .. }
            | RegistryError::InvalidPath { .. }
            | RegistryError::InvalidValueName { .. }
            | RegistryError::InvalidValue { .. } => "InvalidRequest",
            RegistryError::KeyNotFound { .. }
            | RegistryError::ValueNotFound { .. }
            | RegistryError::NoMoreItems { .. } => "NotFound",
            // Windows answers "access is denied" in both cases.
            RegistryError::HasSubkeys { .. } | RegistryError::DeleteRoot { .. } => "AccessDenied",
            RegistryError::HiveFull { .. }
            | RegistryError::Read { .. }
            | RegistryError::Write { .. }
            | RegistryError::Corrupt { .. } => "OSError",
        }
    }
}
