//! Actions: one script (or snippet) run on many endpoints, and what each endpoint reported.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::status::Status;

/// Which endpoints an action targets: listed ids, or a filter evaluated when the action is
/// created (and again on rerun). Every filter field that is given must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoint_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<EndpointFilter>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointFilter {
    /// Glob on the endpoint's name (`web-*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Windows`, `macOS` or `Linux`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Endpoints carrying this tag (or group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// `connected` or `disconnected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `POST /api/v1/actions`: run a library script (`script_uid`) or a snippet (`snippet`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script_uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// Values for the entry point's declared parameters, checked against their types.
    #[serde(default)]
    pub parameters: Map<String, Value>,
    /// Seconds; default: the script's manifest timeout (600 for a snippet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    pub targets: Targets,
}

/// What creating (or rerunning) an action answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreatedAction {
    pub action_id: i64,
    pub endpoints_count: usize,
    /// Targeted endpoints that were left out, with why (platform not supported, scripts disabled).
    pub skipped: Vec<SkippedEndpoint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedEndpoint {
    pub endpoint_id: String,
    pub endpoint_name: String,
    pub reason: String,
}

/// `GET /api/v1/actions/{id}`: the general status and the count per status.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionStatus {
    pub action_id: i64,
    pub script_name: String,
    /// `Pending`, `In Progress`, or, once every endpoint is final, `Completed`.
    pub general_status: String,
    pub counts: BTreeMap<String, usize>,
    pub endpoints: Vec<EndpointStatus>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointStatus {
    pub endpoint_id: String,
    pub endpoint_name: String,
    pub status: Status,
    /// Why an endpoint failed, was canceled or expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One endpoint's result, as `GET /api/v1/actions/{id}/results` lists them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointResult {
    pub endpoint_id: String,
    pub endpoint_name: String,
    pub endpoint_ip: String,
    pub status: Status,
    /// Why the endpoint failed, was canceled or expired, when no exception says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Unix seconds when the script ran.
    #[serde(default)]
    pub execution_time: Option<i64>,
    /// The returned value, shaped by the script's output definition.
    #[serde(default)]
    pub returned: Value,
    #[serde(default)]
    pub standard_output: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    pub retrieved_files: usize,
    pub failed_files: usize,
    /// Unix seconds after which retrieved files are deleted (90 days from execution).
    #[serde(default)]
    pub retention_date: Option<i64>,
}

/// `POST /api/v1/actions/{id}/cancel` and `/abort`: all endpoints, or the listed ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectEndpoints {
    #[serde(default)]
    pub endpoint_ids: Vec<String>,
}
