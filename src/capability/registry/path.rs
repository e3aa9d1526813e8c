//! Root keys, key paths and names: how requests name a key or a value, and
//! the checks every name passes before the hive is touched.
//!
//! Names compare case-insensitively after Unicode lower-casing, the same
//! comparison the policy engine uses for registry rules, so a key the policy
//! sees as covered is the very key the hive acts on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::RegistryError;

/// Longest key name, one path component, in UTF-16 code units (Windows' limit).
pub const MAX_KEY_NAME_LEN: usize = 255;

/// Deepest key below a root, in components (Windows' limit).
pub const MAX_KEY_DEPTH: usize = 512;

/// Longest value name, in UTF-16 code units (Windows' limit).
pub const MAX_VALUE_NAME_LEN: usize = 16_383;

/// One of the five root keys a hive holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum Root {
    ClassesRoot,
    CurrentUser,
    LocalMachine,
    Users,
    CurrentConfig,
}

impl Root {
    /// Every root, in the order the hive file lists them.
    pub const ALL: [Root; 5] = [
        Root::ClassesRoot,
        Root::CurrentUser,
        Root::LocalMachine,
        Root::Users,
        Root::CurrentConfig,
    ];

    /// The full name, e.g. `HKEY_LOCAL_MACHINE`.
    pub fn name(self) -> &'static str {
        match self {
            Root::ClassesRoot => "HKEY_CLASSES_ROOT",
            Root::CurrentUser => "HKEY_CURRENT_USER",
            Root::LocalMachine => "HKEY_LOCAL_MACHINE",
            Root::Users => "HKEY_USERS",
            Root::CurrentConfig => "HKEY_CURRENT_CONFIG",
        }
    }

    fn abbreviation(self) -> &'static str {
        match self {
            Root::ClassesRoot => "HKCR",
            Root::CurrentUser => "HKCU",
            Root::LocalMachine => "HKLM",
            Root::Users => "HKU",
            Root::CurrentConfig => "HKCC",
        }
    }

    /// The full name of the key at `path` below this root, as the policy
    /// engine and error messages write it: `HKEY_LOCAL_MACHINE\Software\Ward`,
    /// or the root alone when `path` is empty.
    pub fn key_name(self, path: &str) -> String {
        if path.is_empty() {
            self.name().to_owned()
        } else {
            format!("{}\\{path}", self.name())
        }
    }

    pub(super) fn index(self) -> usize {
        match self {
            Root::ClassesRoot => 0,
            Root::CurrentUser => 1,
            Root::LocalMachine => 2,
            Root::Users => 3,
            Root::CurrentConfig => 4,
        }
    }
}

/// Accepts the full name or its abbreviation (`HKLM`), in any case.
impl FromStr for Root {
    type Err = RegistryError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Root::ALL
            .into_iter()
            .find(|root| {
                text.eq_ignore_ascii_case(root.name())
                    || text.eq_ignore_ascii_case(root.abbreviation())
            })
            .ok_or_else(|| RegistryError::InvalidRoot {
                root: text.to_owned(),
            })
    }
}

impl TryFrom<String> for Root {
    type Error = RegistryError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Root> for &'static str {
    fn from(root: Root) -> Self {
        root.name()
    }
}

impl fmt::Display for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The form under which two names are the same name.
pub(super) fn fold(name: &str) -> String {
    name.to_lowercase()
}

/// Splits a key path below a root into its components: empty for the root
/// itself, otherwise `\`-separated names, none empty, none longer than
/// [`MAX_KEY_NAME_LEN`], at most [`MAX_KEY_DEPTH`] of them, no NUL.
pub(super) fn split_path(path: &str) -> Result<Vec<&str>, RegistryError> {
    let invalid = |reason: &str| RegistryError::InvalidPath {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    if path.is_empty() {
        return Ok(Vec::new());
    }
    if path.starts_with('\\') {
        return Err(invalid(
            "it starts with `\\`; write it relative to the root, e.g. `Software\\Ward`",
        ));
    }
    if path.contains('\0') {
        return Err(invalid("it contains a NUL character; remove it"));
    }

    let parts: Vec<&str> = path.split('\\').collect();
    if parts.iter().any(|part| part.is_empty()) {
        return Err(invalid(
            "it has an empty component (`\\\\` or a trailing `\\`); separate names with one `\\`",
        ));
    }
    if let Some(long) = parts
        .iter()
        .find(|part| part.encode_utf16().count() > MAX_KEY_NAME_LEN)
    {
        return Err(invalid(&format!(
            "the key name starting `{}` is longer than {MAX_KEY_NAME_LEN} characters; \
             shorten it",
            long.chars().take(32).collect::<String>()
        )));
    }
    if parts.len() > MAX_KEY_DEPTH {
        return Err(invalid(&format!(
            "it is {} keys deep, more than the limit of {MAX_KEY_DEPTH}",
            parts.len()
        )));
    }
    Ok(parts)
}

/// Checks a value name: empty names the key's default value; no NUL, at
/// most [`MAX_VALUE_NAME_LEN`] characters. `key` is only used in the error.
pub(super) fn check_value_name(key: &str, name: &str) -> Result<(), RegistryError> {
    let invalid = |reason: String| RegistryError::InvalidValueName {
        key: key.to_owned(),
        reason,
    };
    if name.contains('\0') {
        return Err(invalid("it contains a NUL character; remove it".to_owned()));
    }
    if name.encode_utf16().count() > MAX_VALUE_NAME_LEN {
        return Err(invalid(format!(
            "it is longer than {MAX_VALUE_NAME_LEN} characters; shorten it"
        )));
    }
    Ok(())
}
