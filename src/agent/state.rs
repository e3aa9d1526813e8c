//! What the agent keeps about itself in its data directory: its enrollment (server, endpoint id,
//! token) in `agent.json`, and the marker that disables script execution for good.
//!
//! The marker `scripts-disabled.json` is written once by `ward agent disable-scripts` and never
//! removed by any ward command: from then on the agent refuses every new job and tells the server
//! why. Enrolling again needs a new data directory, which makes a new endpoint.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::AgentError;
use super::durable::{create_new, write_atomic};

const ENROLLMENT_FILE: &str = "agent.json";
const DISABLED_FILE: &str = "scripts-disabled.json";

/// Who this agent is to its server. Holds the token: the file is readable by its owner only.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrollment {
    /// The server's address, as last given with `--server`.
    pub server: String,
    pub endpoint_id: String,
    /// `wagent_<endpoint id>_<secret>`, sent as a bearer token.
    pub token: String,
    pub name: String,
}

impl Enrollment {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(ENROLLMENT_FILE)
    }

    /// The saved enrollment, or `None` when this data directory never enrolled.
    pub fn load(data_dir: &Path) -> Result<Option<Self>, AgentError> {
        let path = Self::path(data_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(AgentError::io("read", &path)(e)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| AgentError::BadState {
                path,
                cause: e.to_string(),
            })
    }

    pub fn save(&self, data_dir: &Path) -> Result<(), AgentError> {
        let path = Self::path(data_dir);
        let json = serde_json::to_vec_pretty(self).map_err(|e| AgentError::BadState {
            path: path.clone(),
            cause: e.to_string(),
        })?;
        write_atomic(&path, &json).map_err(AgentError::io("write", path))
    }
}

/// Why and when script execution was disabled on this endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DisabledMarker {
    pub reason: String,
    /// Unix seconds.
    pub disabled_at: i64,
}

/// Disables script execution for good: writes the marker unless it already exists. Returns the
/// marker in force (the earlier one if scripts were already disabled).
pub fn disable_scripts(data_dir: &Path, reason: &str) -> Result<DisabledMarker, AgentError> {
    super::durable::create_private_dir(data_dir).map_err(AgentError::io("create", data_dir))?;
    let path = data_dir.join(DISABLED_FILE);
    let marker = DisabledMarker {
        reason: reason.to_string(),
        disabled_at: time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    let json = serde_json::to_vec_pretty(&marker).map_err(|e| AgentError::BadState {
        path: path.clone(),
        cause: e.to_string(),
    })?;
    if create_new(&path, &json).map_err(AgentError::io("write", &path))? {
        return Ok(marker);
    }
    Ok(scripts_disabled(data_dir).unwrap_or(marker))
}

/// The marker, if script execution is disabled on this endpoint. A marker that exists but cannot
/// be read still disables scripts: it can only have been written to disable them.
pub fn scripts_disabled(data_dir: &Path) -> Option<DisabledMarker> {
    let path = data_dir.join(DISABLED_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => Some(
            serde_json::from_slice(&bytes).unwrap_or_else(|_| DisabledMarker {
                reason: "script execution was disabled on this endpoint".into(),
                disabled_at: 0,
            }),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(_) => Some(DisabledMarker {
            reason: "script execution was disabled on this endpoint".into(),
            disabled_at: 0,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabling_twice_keeps_the_first_reason() {
        let dir = tempfile::tempdir().unwrap();
        assert!(scripts_disabled(dir.path()).is_none());

        disable_scripts(dir.path(), "incident 42").unwrap();
        let again = disable_scripts(dir.path(), "another reason").unwrap();

        assert_eq!(again.reason, "incident 42");
        assert_eq!(scripts_disabled(dir.path()).unwrap().reason, "incident 42");
    }

    #[test]
    fn enrollment_round_trips_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Enrollment::load(dir.path()).unwrap().is_none());
        let enrollment = Enrollment {
            server: "http://127.0.0.1:1".into(),
            endpoint_id: "e".repeat(32),
            token: "wagent_x_y".into(),
            name: "host".into(),
        };

        enrollment.save(dir.path()).unwrap();

        let loaded = Enrollment::load(dir.path()).unwrap().unwrap();
        assert_eq!(loaded.token, "wagent_x_y");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(Enrollment::path(dir.path()))
                .unwrap()
                .permissions();
            assert_eq!(mode.mode() & 0o777, 0o600);
        }
    }
}
