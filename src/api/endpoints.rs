//! Endpoints as the server knows them: what each agent said when it enrolled, and how it is now.

use serde::{Deserialize, Serialize};

/// One enrolled endpoint, as `GET /api/v1/endpoints` lists them. The list takes the fields of
/// [`EndpointFilter`](crate::api::actions::EndpointFilter) as query parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointInfo {
    pub endpoint_id: String,
    pub name: String,
    /// `Windows`, `macOS` or `Linux`.
    pub platform: String,
    pub ip: String,
    pub tags: Vec<String>,
    /// Unix seconds.
    pub enrolled_at: i64,
    /// Unix seconds of the agent's last request; `None` before its first poll.
    pub last_seen: Option<i64>,
    /// `connected` (polled within the last minute) or `disconnected`.
    pub status: String,
    pub scripts_disabled: bool,
    /// Why script execution was disabled on the endpoint, as the agent reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scripts_disabled_reason: Option<String>,
}
