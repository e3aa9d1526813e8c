//! The built-in scripts as library entries: read from the binary, never from the library's
//! storage, so that no file on disk can change them.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use super::{LibraryError, Script, ScriptRecord};
use crate::audit::Sha256Digest;
use crate::script::{BUILTINS, Manifest};

/// Who the library says created the built-ins.
pub const BUILTIN_AUTHOR: &str = "ward";

/// The modification date shown for the built-ins: when their current versions were written.
/// Move it forward whenever one of `python-wasm/builtin/` changes.
const BUILTINS_MODIFIED: OffsetDateTime = datetime!(2026-12-03 16:40:36 UTC);

/// The id of the built-in named `name`: a version 8 UUID made from the SHA-256 of the name, the
/// same in every installation and every version of ward.
pub fn builtin_id(name: &str) -> Uuid {
    let digest = Sha256::new()
        .chain_update(b"ward built-in script\0")
        .chain_update(name.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// Every built-in script as a library entry.
///
/// # Errors
///
/// [`LibraryError::Corrupt`] when an embedded manifest does not parse; the tests of
/// `script::builtin` keep that from shipping.
pub fn load() -> Result<Vec<Script>, LibraryError> {
    BUILTINS
        .iter()
        .map(|builtin| {
            let manifest = Manifest::parse(builtin.manifest.as_bytes()).map_err(|errors| {
                LibraryError::Corrupt {
                    path: format!("built-in script {}", builtin.name).into(),
                    reason: errors.to_string(),
                }
            })?;
            Ok(Script {
                record: ScriptRecord {
                    id: builtin_id(builtin.name),
                    manifest,
                    created_by: BUILTIN_AUTHOR.to_owned(),
                    modified: BUILTINS_MODIFIED,
                    sha256: Sha256Digest::of(builtin.code.as_bytes()),
                    builtin: true,
                },
                code: builtin.code.to_owned(),
            })
        })
        .collect()
}
