//! Reading an action: its general status with the count per status, and each endpoint's
//! result with the returned value shaped by the manifest the action ran with.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde_json::Value;

use super::auth::User;
use super::library::stored_manifest;
use super::{ApiError, AppState, input};
use crate::api::actions::{ActionStatus, EndpointResult, EndpointStatus};
use crate::api::agent::ResultReport;
use crate::api::people::Permission;
use crate::db::{ActionRow, JobView};
use crate::script::OutputSpec;
use crate::status::Status;

/// `GET /actions/{id}`.
pub async fn actions_get(
    State(state): State<AppState>,
    user: User,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<ActionStatus>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let action = find(&state, &input::path(id)?).await?;
    Ok(Json(status(&state, &action).await?))
}

/// `GET /actions/{id}/results`: one entry per endpoint, by endpoint name.
pub async fn actions_results(
    State(state): State<AppState>,
    user: User,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Vec<EndpointResult>>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let action = find(&state, &input::path(id)?).await?;
    let output = match action.action.manifest.as_deref() {
        Some(text) => stored_manifest(text)?
            .entry_point()
            .map(|e| e.output().clone()),
        None => None,
    };
    let jobs = state.db().jobs_for_action(action.id).await?;
    let retention = state.config().file_retention_secs;
    let results = jobs
        .into_iter()
        .map(|view| {
            let report = view.job.result.as_deref().and_then(|text| {
                serde_json::from_str::<ResultReport>(text)
                    .map_err(|e| tracing::warn!(job_id = %view.job.job_id, error = %e, "a stored result does not read"))
                    .ok()
            });
            let returned = report.as_ref().map_or(Value::Null, |r| {
                let value = r.result.return_value.clone();
                match &output {
                    Some(spec) => shaped(spec, value),
                    None => value,
                }
            });
            let exception = report.as_ref().and_then(|r| r.result.exception.as_ref()).map(|e| {
                if e.traceback.trim().is_empty() {
                    format!("{}: {}", e.kind, e.message)
                } else {
                    e.traceback.clone()
                }
            });
            let reason = view
                .job
                .reason
                .clone()
                .or_else(|| report.as_ref().and_then(|r| r.result.error.clone()));
            EndpointResult {
                endpoint_id: view.job.endpoint_id,
                endpoint_name: view.endpoint_name,
                endpoint_ip: view.endpoint_ip,
                status: view.job.status,
                reason,
                execution_time: view.job.pulled_at,
                returned,
                standard_output: report.as_ref().map(|r| r.result.stdout.clone()).unwrap_or_default(),
                exception,
                retrieved_files: view.files_retrieved,
                failed_files: report.as_ref().map_or(0, |r| r.failed_files.len()),
                retention_date: view.job.pulled_at.map(|t| t + retention),
            }
        })
        .collect();
    Ok(Json(results))
}

/// The returned value as its declaration shapes it (`{"kind": "single" | "dictionary" |
/// "unshaped", ...}`), with a `mismatches` list when the value does not fit the declaration.
fn shaped(spec: &OutputSpec, returned: Value) -> Value {
    let shaped = spec.shape(returned);
    let mut value = serde_json::to_value(&shaped.value).unwrap_or(Value::Null);
    if let (Value::Object(object), false) = (&mut value, shaped.mismatches.is_empty()) {
        object.insert("mismatches".to_owned(), Value::from(shaped.mismatches));
    }
    value
}

/// The action whose id is `text`, or 404.
pub async fn find(state: &AppState, text: &str) -> Result<ActionRow, ApiError> {
    let id = input::action_id(text)?;
    state
        .db()
        .actions_get(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no action {id}"), input::LIST_ACTIONS))
}

/// The general status, the count per status and each endpoint's status.
pub async fn status(state: &AppState, action: &ActionRow) -> Result<ActionStatus, ApiError> {
    let jobs = state.db().jobs_for_action(action.id).await?;
    let mut counts: BTreeMap<String, usize> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    for view in &jobs {
        *counts
            .entry(view.job.status.as_str().to_owned())
            .or_default() += 1;
    }
    Ok(ActionStatus {
        action_id: action.id,
        script_name: action.action.script_name.clone(),
        general_status: general_status(&jobs).to_owned(),
        counts,
        endpoints: jobs.into_iter().map(endpoint_status).collect(),
    })
}

/// `Completed` once every endpoint is final, `In Progress` while one runs, else `Pending`.
fn general_status(jobs: &[JobView]) -> &'static str {
    if jobs.iter().all(|v| v.job.status.is_final()) {
        "Completed"
    } else if jobs
        .iter()
        .any(|v| matches!(v.job.status, Status::InProgress | Status::PendingAbort))
    {
        "In Progress"
    } else {
        "Pending"
    }
}

fn endpoint_status(view: JobView) -> EndpointStatus {
    EndpointStatus {
        endpoint_id: view.job.endpoint_id,
        endpoint_name: view.endpoint_name,
        status: view.job.status,
        reason: view.job.reason,
    }
}
