//! The script library: the scripts administrators can run, each with its manifest, author,
//! modification date and the SHA-256 of its code.
//!
//! [`Library`] holds the rules: every script is validated (see `script::validate`) before it
//! is added or changed, names are unique, and the ten built-in scripts are listed from the
//! binary, created by `ward`, and cannot be edited or deleted. Where the other scripts are kept
//! is a [`LibraryStorage`]: [`FolderStorage`] keeps them in a folder for the command line; the
//! server's database can implement the same trait.

mod builtins;
mod error;
mod folder;
mod record;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::Sha256Digest;
use crate::sandbox::Sandbox;
use crate::script::{Manifest, ScriptError, ScriptErrors, validate_script};

pub use builtins::{BUILTIN_AUTHOR, builtin_id};
pub use error::LibraryError;
pub use folder::FolderStorage;
pub use record::{Script, ScriptRecord};

/// Where a library keeps the scripts it did not ship with. It stores what it is given; the
/// checks are [`Library`]'s.
pub trait LibraryStorage: Send + Sync {
    /// Every stored script's record, in any order.
    fn list(&self) -> Result<Vec<ScriptRecord>, LibraryError>;
    /// The stored script with this id, `None` if there is none.
    fn get(&self, id: Uuid) -> Result<Option<Script>, LibraryError>;
    /// Stores `script`, replacing any with the same id, all or nothing.
    fn put(&self, script: &Script) -> Result<(), LibraryError>;
    /// Removes the script with this id; `false` if there was none.
    fn remove(&self, id: Uuid) -> Result<bool, LibraryError>;
}

/// The built-in scripts and those of a storage, under one set of rules.
pub struct Library<S> {
    storage: S,
    builtins: Vec<Script>,
}

impl<S: LibraryStorage> Library<S> {
    /// # Errors
    ///
    /// [`LibraryError::Corrupt`] if an embedded built-in does not load, which the tests rule
    /// out.
    pub fn new(storage: S) -> Result<Self, LibraryError> {
        Ok(Self {
            storage,
            builtins: builtins::load()?,
        })
    }

    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Every script, built-ins included, sorted by name.
    pub fn list(&self) -> Result<Vec<ScriptRecord>, LibraryError> {
        let mut records: Vec<ScriptRecord> =
            self.builtins.iter().map(|s| s.record.clone()).collect();
        records.extend(self.storage.list()?);
        records.sort_by_cached_key(|r| (r.name().to_lowercase(), r.id));
        Ok(records)
    }

    /// The script whose id or name is `key` (names compared ignoring case).
    pub fn get(&self, key: &str) -> Result<Script, LibraryError> {
        if let Ok(id) = Uuid::parse_str(key) {
            if let Some(builtin) = self.builtins.iter().find(|s| s.record.id == id) {
                return Ok(builtin.clone());
            }
            if let Some(script) = self.storage.get(id)? {
                return Ok(script);
            }
        }
        let named: Vec<Uuid> = self
            .list()?
            .into_iter()
            .filter(|r| r.name().eq_ignore_ascii_case(key))
            .map(|r| r.id)
            .collect();
        match named.as_slice() {
            [] => Err(LibraryError::NotFound {
                key: key.to_owned(),
            }),
            [id] => self.get_by_id(*id, key),
            _ => Err(LibraryError::Ambiguous {
                name: key.to_owned(),
                ids: named,
            }),
        }
    }

    fn get_by_id(&self, id: Uuid, key: &str) -> Result<Script, LibraryError> {
        if let Some(builtin) = self.builtins.iter().find(|s| s.record.id == id) {
            return Ok(builtin.clone());
        }
        self.storage.get(id)?.ok_or_else(|| LibraryError::NotFound {
            key: key.to_owned(),
        })
    }

    /// Validates `code` with `manifest` (the bytes of a definitions file) and adds them as a new
    /// script created by `created_by`.
    ///
    /// # Errors
    ///
    /// [`LibraryError::Invalid`] with every problem when the script or manifest is refused,
    /// [`LibraryError::NameTaken`] when another script has the name.
    pub async fn add(
        &self,
        sandbox: &Sandbox,
        code: &str,
        manifest: &[u8],
        created_by: &str,
    ) -> Result<ScriptRecord, LibraryError> {
        let manifest = checked(sandbox, code, manifest).await?;
        self.ensure_name_free(manifest.name(), None)?;
        let script = new_script(Uuid::new_v4(), manifest, code.to_owned(), created_by);
        self.storage.put(&script)?;
        Ok(script.record)
    }

    /// Changes the code, the manifest, or both, of the script `key`, after validating the
    /// result. The id and author stay; the modification date moves.
    ///
    /// # Errors
    ///
    /// [`LibraryError::ReadOnly`] for a built-in, and the errors of [`Self::add`].
    pub async fn edit(
        &self,
        sandbox: &Sandbox,
        key: &str,
        code: Option<&str>,
        manifest: Option<&[u8]>,
    ) -> Result<ScriptRecord, LibraryError> {
        let current = self.writable(key)?;
        let code = code.unwrap_or(&current.code);
        let definitions = current.definitions();
        let manifest = manifest.unwrap_or(definitions.as_bytes());
        let manifest = checked(sandbox, code, manifest).await?;
        self.ensure_name_free(manifest.name(), Some(current.record.id))?;
        let script = new_script(
            current.record.id,
            manifest,
            code.to_owned(),
            &current.record.created_by,
        );
        self.storage.put(&script)?;
        Ok(script.record)
    }

    /// Copies the script `key` (a built-in too) as a new script of `created_by`, named
    /// `new_name`, or "`<name> (copy)`" (then `(copy 2)`, ...) when none is given. The copy is
    /// not validated again: its code and manifest are those of an accepted script.
    pub fn duplicate(
        &self,
        key: &str,
        created_by: &str,
        new_name: Option<&str>,
    ) -> Result<ScriptRecord, LibraryError> {
        let source = self.get(key)?;
        let name = match new_name {
            Some(name) => {
                self.ensure_name_free(name, None)?;
                name.to_owned()
            }
            None => self.free_copy_name(source.record.name())?,
        };
        let manifest = renamed(&source.record.manifest, &name)?;
        let script = new_script(Uuid::new_v4(), manifest, source.code, created_by);
        self.storage.put(&script)?;
        Ok(script.record)
    }

    /// Deletes the script `key`.
    ///
    /// # Errors
    ///
    /// [`LibraryError::ReadOnly`] for a built-in, [`LibraryError::NotFound`] when there is no
    /// such script.
    pub fn delete(&self, key: &str) -> Result<ScriptRecord, LibraryError> {
        let script = self.writable(key)?;
        if !self.storage.remove(script.record.id)? {
            return Err(LibraryError::NotFound {
                key: key.to_owned(),
            });
        }
        Ok(script.record)
    }

    fn writable(&self, key: &str) -> Result<Script, LibraryError> {
        let script = self.get(key)?;
        if script.record.builtin {
            return Err(LibraryError::ReadOnly {
                name: script.record.name().to_owned(),
            });
        }
        Ok(script)
    }

    fn ensure_name_free(&self, name: &str, except: Option<Uuid>) -> Result<(), LibraryError> {
        let taken = self
            .list()?
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(name) && Some(r.id) != except);
        match taken {
            Some(record) => Err(LibraryError::NameTaken {
                name: record.name().to_owned(),
                id: record.id,
            }),
            None => Ok(()),
        }
    }

    fn free_copy_name(&self, name: &str) -> Result<String, LibraryError> {
        let records = self.list()?;
        let taken = |candidate: &str| {
            records
                .iter()
                .any(|r| r.name().eq_ignore_ascii_case(candidate))
        };
        let mut candidate = format!("{name} (copy)");
        let mut n = 2;
        while taken(&candidate) {
            candidate = format!("{name} (copy {n})");
            n += 1;
        }
        Ok(candidate)
    }
}

/// The manifest of a script that passed validation, or every problem.
async fn checked(sandbox: &Sandbox, code: &str, manifest: &[u8]) -> Result<Manifest, LibraryError> {
    let report = validate_script(sandbox, "script.py", code, Some(manifest)).await?;
    match report.manifest {
        Some(manifest) if report.errors.is_empty() => Ok(manifest),
        _ => Err(LibraryError::Invalid(ScriptErrors(report.errors))),
    }
}

fn new_script(id: Uuid, manifest: Manifest, code: String, created_by: &str) -> Script {
    Script {
        record: ScriptRecord {
            id,
            manifest,
            created_by: created_by.to_owned(),
            // Whole seconds: finer is noise to a reader and to a database column.
            modified: OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap_or_else(|_| OffsetDateTime::now_utc()),
            sha256: Sha256Digest::of(code.as_bytes()),
            builtin: false,
        },
        code,
    }
}

/// `manifest` with another name, held to the same rules as any manifest.
fn renamed(manifest: &Manifest, name: &str) -> Result<Manifest, LibraryError> {
    let mut json: serde_json::Value = serde_json::from_str(&manifest.to_single_line_json())
        .map_err(|e| LibraryError::Corrupt {
            path: "the copied manifest".into(),
            reason: e.to_string(),
        })?;
    json["name"] = serde_json::Value::from(name);
    Manifest::parse(json.to_string().as_bytes()).map_err(|errors| {
        LibraryError::Invalid(ScriptErrors(
            errors.0.into_iter().map(ScriptError::Manifest).collect(),
        ))
    })
}
