//! A script as the library holds it: its code, its manifest, and what the library adds (id,
//! author, modification date, hash of the code).

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::audit::Sha256Digest;
use crate::script::Manifest;

/// What the library knows about a script, apart from its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptRecord {
    /// Random (version 4) for uploaded scripts; derived from the name for built-ins, so that a
    /// built-in keeps its id across versions of ward.
    pub id: Uuid,
    /// Name, description, outcome, platforms, timeout, entry point and its definition.
    pub manifest: Manifest,
    /// The user who uploaded the script; `ward` for the built-ins.
    pub created_by: String,
    /// When the code or the manifest last changed.
    pub modified: OffsetDateTime,
    /// SHA-256 of the code, as the audit log records it for each run.
    pub sha256: Sha256Digest,
    /// Shipped with ward: listed by every library, never edited or deleted.
    pub builtin: bool,
}

/// A script of the library with its code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub record: ScriptRecord,
    pub code: String,
}

impl ScriptRecord {
    pub fn name(&self) -> &str {
        self.manifest.name()
    }

    /// The modification date as RFC 3339 text, such as `2026-12-03T16:40:36Z`.
    pub fn modified_rfc3339(&self) -> String {
        self.modified
            .format(&Rfc3339)
            .unwrap_or_else(|_| self.modified.to_string())
    }
}

impl Script {
    /// The definitions file, as the single line the consoles export, with a final newline.
    pub fn definitions(&self) -> String {
        let mut text = self.record.manifest.to_single_line_json();
        text.push('\n');
        text
    }
}

/// Serialized flat, as `ward script list --json` and the server show it: `id`, `name`,
/// `description`, `outcome`, `platforms`, `timeout`, `entry_point` (`null` for a script that
/// just runs), `created_by`, `modified` (RFC 3339), `sha256`, `builtin`.
impl Serialize for ScriptRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let manifest = &self.manifest;
        let platforms: Vec<&str> = manifest.platforms().iter().map(|p| p.as_str()).collect();
        let mut out = serializer.serialize_struct("ScriptRecord", 11)?;
        out.serialize_field("id", &self.id)?;
        out.serialize_field("name", manifest.name())?;
        out.serialize_field("description", manifest.description())?;
        out.serialize_field("outcome", manifest.outcome().as_str())?;
        out.serialize_field("platforms", &platforms)?;
        out.serialize_field("timeout", &manifest.timeout().as_secs())?;
        out.serialize_field("entry_point", &manifest.entry_point().map(|e| e.name()))?;
        out.serialize_field("created_by", &self.created_by)?;
        out.serialize_field("modified", &self.modified_rfc3339())?;
        out.serialize_field("sha256", &self.sha256)?;
        out.serialize_field("builtin", &self.builtin)?;
        out.end()
    }
}
