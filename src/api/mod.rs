//! The wire types of ward's own HTTP API (`/api/v1`), shared by the server, the agent and the
//! command-line client so that the three can never disagree on a field.
//!
//! - `people`: permissions, roles and API keys of administrators and analysts.
//! - `scripts`: the script library (upload, list, show).
//! - `endpoints`: enrolled endpoints and whether they are connected.
//! - `actions`: creating actions, their per-endpoint statuses and results.
//! - `agent`: the agent protocol: enrollment, job polling, status reports, results and files.
//! - `progress`: the live progress stream of an action and its aggregated results.
//!
//! Identifiers: scripts have a 32-hex-digit `script_uid`, endpoints a 32-hex-digit
//! `endpoint_id`, actions an integer `action_id` (so the consoles' API can carry them unchanged).

pub mod actions;
pub mod agent;
pub mod endpoints;
pub mod people;
pub mod progress;
pub mod scripts;

/// The version prefix of every route of ward's own API.
pub const PREFIX: &str = "/api/v1";

/// The header that carries a user's API key (`ward_<key id>_<secret>`) or an agent's token.
pub const AUTH_HEADER: &str = "authorization";

/// `POST /api/v1/test/clock` (only on a server started with `--test-clock`, administrators only):
/// moves the server's clock forward and runs the background sweeps at once.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvanceClock {
    pub advance_secs: i64,
}
