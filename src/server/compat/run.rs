//! Starting runs the console's way: `scripts/run_script` (a library script with
//! `parameters_values`) and `scripts/run_snippet_code_script` (a snippet), on the endpoints an
//! `endpoint_id_list` filter names.
//!
//! Both become one `POST /api/v1/actions` request handled by ward's own handler, so the
//! permissions, parameter checks, timeout bounds and target rules are ward's, unchanged. What
//! the console has and ward has not: `incident_id` is accepted and only logged; a `timeout` of
//! 0 means the script's own (a snippet's is 600 seconds); a snippet is read as plain code (the
//! console also takes Base64, which cannot be told apart from code reliably, so it is not
//! decoded).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::super::actions::actions_create;
use super::super::auth::User;
use super::super::plan::RUN_ANY;
use super::super::{ApiError, AppState};
use super::auth::Caller;
use super::library::ward_uid;
use super::wire::{Filter, Int, reply, request};
use crate::api::actions::{CreateAction, CreatedAction, Targets};

/// The console's limit of endpoints in one call.
const MAX_ENDPOINTS: usize = 1000;

#[derive(Deserialize)]
struct RunScript {
    script_uid: String,
    #[serde(default)]
    timeout: Option<Int>,
    #[serde(default)]
    filters: Vec<Filter>,
    #[serde(default)]
    parameters_values: Option<Map<String, Value>>,
    #[serde(default)]
    incident_id: Option<Value>,
}

#[derive(Deserialize)]
struct RunSnippet {
    snippet_code: String,
    #[serde(default)]
    timeout: Option<Int>,
    #[serde(default)]
    filters: Vec<Filter>,
    #[serde(default)]
    incident_id: Option<Value>,
}

/// `scripts/run_script`: `{"action_id", "endpoints_count"}`.
pub async fn run_script(
    state: State<AppState>,
    Caller(user): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    user.require_any(RUN_ANY)?;
    let run: RunScript = request(body)?;
    let action = CreateAction {
        script_uid: Some(ward_uid(&run.script_uid)),
        snippet: None,
        parameters: run.parameters_values.unwrap_or_default(),
        timeout: seconds(run.timeout)?,
        targets: targets(&run.filters)?,
    };
    launch(state, user, action, run.incident_id).await
}

/// `scripts/run_snippet_code_script`: `{"action_id", "endpoints_count"}`.
pub async fn run_snippet(
    state: State<AppState>,
    Caller(user): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    user.require_any(RUN_ANY)?;
    let run: RunSnippet = request(body)?;
    let action = CreateAction {
        script_uid: None,
        snippet: Some(run.snippet_code),
        parameters: Map::new(),
        timeout: seconds(run.timeout)?,
        targets: targets(&run.filters)?,
    };
    launch(state, user, action, run.incident_id).await
}

/// Hands `action` to ward's handler. An action that reaches no endpoint is refused with ward's
/// reasons, in the console's words (an empty action would leave the console's pollers with
/// nothing to read).
async fn launch(
    state: State<AppState>,
    user: User,
    action: CreateAction,
    incident_id: Option<Value>,
) -> Result<Json<Value>, ApiError> {
    let body = serde_json::to_vec(&action).map_err(ApiError::internal)?;
    let (_, Json(created)) = actions_create(state, user, Ok(Bytes::from(body))).await?;
    let CreatedAction {
        action_id,
        endpoints_count,
        skipped,
    } = created;
    if let Some(incident) = incident_id {
        tracing::info!(action_id, %incident, "action started for an incident");
    }
    if endpoints_count == 0 {
        let reasons: Vec<String> = skipped
            .iter()
            .map(|s| format!("{}: {}", s.endpoint_name, s.reason))
            .collect();
        return Err(ApiError::unprocessable(
            format!(
                "no endpoint was found for creating the requested action ({}); action {action_id} \
                 was recorded with no endpoint",
                reasons.join("; ")
            ),
            "choose endpoints whose platform the script supports and where script execution \
             is enabled",
        ));
    }
    Ok(reply(json!({
        "action_id": action_id,
        "endpoints_count": endpoints_count,
    })))
}

/// The endpoints of an `endpoint_id_list` `in` filter, the only filter these calls take.
fn targets(filters: &[Filter]) -> Result<Targets, ApiError> {
    let mut endpoint_ids: Vec<String> = Vec::new();
    for filter in filters {
        if !filter.field.eq_ignore_ascii_case("endpoint_id_list") || filter.op() != "in" {
            return Err(filter.unsupported("`endpoint_id_list` with operator `in`"));
        }
        endpoint_ids.extend(filter.texts());
    }
    if endpoint_ids.len() > MAX_ENDPOINTS {
        return Err(ApiError::unprocessable(
            format!(
                "{} endpoints were given; one call takes at most {MAX_ENDPOINTS}",
                endpoint_ids.len()
            ),
            "split the endpoints over several calls",
        ));
    }
    if endpoint_ids.is_empty() {
        return Err(ApiError::unprocessable(
            "no endpoint was given",
            "send `filters: [{\"field\": \"endpoint_id_list\", \"operator\": \"in\", \
             \"value\": [...]}]` with ward's endpoint ids",
        ));
    }
    Ok(Targets {
        endpoint_ids,
        filter: None,
    })
}

/// A timeout in seconds; absent or 0 means the default.
fn seconds(timeout: Option<Int>) -> Result<Option<u64>, ApiError> {
    match timeout {
        None | Some(Int(0)) => Ok(None),
        Some(Int(secs)) => u64::try_from(secs).map(Some).map_err(|_| {
            ApiError::unprocessable(
                format!("a timeout of {secs} seconds is out of range"),
                "give a number of seconds, or 0 for the script's own timeout",
            )
        }),
    }
}
