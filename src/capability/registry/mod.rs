//! The registry capability: a file-backed hive with the semantics of the
//! Windows registry, for scripts that use `winreg`.
//!
//! Linux and macOS have no registry, so a policy may name a `registry_hive`,
//! a JSON file standing in for one. The guest's `winreg` module sends
//! `registry.*` requests over the channel; the dispatcher checks each against
//! the policy and writes its audit record, then calls the matching [`Hive`]
//! method and sends back the result's JSON. This module does neither policy
//! nor audit: it only reads and changes the hive. With no hive configured,
//! the dispatcher answers [`RegistryError::NotAvailable`].
//!
//! What it keeps from Windows:
//!
//! - Five roots (`HKEY_CLASSES_ROOT`, `HKEY_CURRENT_USER`,
//!   `HKEY_LOCAL_MACHINE`, `HKEY_USERS`, `HKEY_CURRENT_CONFIG`), each a tree
//!   of keys addressed by `\`-separated paths relative to the root. The empty
//!   path is the root itself; a leading `\` or an empty component is refused.
//! - Key and value names compare case-insensitively and keep the spelling
//!   they were created with. The default value is the one named `""`.
//! - Seven value types ([`RegValue`]), numbered as in `winreg`.
//! - Enumeration returns subkeys sorted by lower-cased name and values in the
//!   order they were first set, and fails past the end
//!   ([`RegistryError::NoMoreItems`]), where `winreg` raises `OSError`.
//! - A key with subkeys cannot be deleted.
//!
//! Limits: key names up to [`MAX_KEY_NAME_LEN`] characters, keys up to
//! [`MAX_KEY_DEPTH`] levels deep, value names up to [`MAX_VALUE_NAME_LEN`]
//! characters (all Windows' own), values up to [`MAX_VALUE_BYTES`], and the
//! whole hive file up to [`MAX_HIVE_BYTES`].
//!
//! Known gap: on Windows this hive stands in for the real registry too; a backend for the real
//! one is missing, and matters as soon as the agent runs on Windows endpoints.

mod error;
mod file;
mod hive;
mod path;
#[cfg(test)]
mod tests;
mod tree;
mod value;

pub use error::RegistryError;
pub use file::MAX_HIVE_BYTES;
pub use hive::Hive;
pub use path::{MAX_KEY_DEPTH, MAX_KEY_NAME_LEN, MAX_VALUE_NAME_LEN, Root};
pub use value::{
    KeyInfo, MAX_VALUE_BYTES, NamedValue, REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ,
    REG_NONE, REG_QWORD, REG_SZ, RegValue,
};
