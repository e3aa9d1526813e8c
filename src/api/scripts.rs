//! The script library: uploading a script with its manifest, and what the library shows of it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::script::{Outcome, Platform};

/// `POST /api/v1/scripts` and `PUT /api/v1/scripts/{uid}`: a script and its manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadScript {
    pub code: String,
    /// The manifest as a JSON object, or the text of a definitions file as a JSON string.
    pub manifest: Value,
}

/// One script of the library, as `GET /api/v1/scripts` lists them and
/// `GET /api/v1/scripts/{uid}` shows one (the code itself is at `.../code`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScriptInfo {
    pub script_uid: String,
    pub name: String,
    pub description: String,
    pub outcome: Outcome,
    pub platforms: Vec<Platform>,
    /// The user who uploaded it; `ward` for the built-in scripts.
    pub created_by: String,
    /// Unix seconds of the upload or of the last edit.
    pub modified_at: i64,
    /// SHA-256 of the code, in hex.
    pub sha256: String,
    /// Built-in scripts are read-only.
    pub builtin: bool,
    /// Deleted scripts stay visible by uid so that old actions still show them.
    pub deleted: bool,
    /// The manifest in its canonical form.
    pub manifest: Value,
}
