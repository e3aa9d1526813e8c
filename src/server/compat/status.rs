//! How far an action got, as the console's pollers ask: `get_script_execution_status` (a
//! general status and one counter per status) and `get_action_status` (each endpoint's status,
//! with why it failed).
//!
//! Statuses keep their meaning and take the console's spelling: `Completed Successfully`
//! becomes `COMPLETED_SUCCESSFULLY`. The console does not say how the general status is
//! aggregated; the rule here keeps `PENDING` or `IN_PROGRESS` for as long as any endpoint can
//! still change, since anything else ends the client's polling.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::super::actions_view::find;
use super::super::{ApiError, AppState};
use super::auth::Caller;
use super::results::report;
use super::wire::{Int, reply, request};
use crate::api::people::Permission;
use crate::db::{ActionRow, JobView};
use crate::status::Status;

#[derive(Deserialize)]
struct ExecutionRequest {
    action_id: Int,
}

#[derive(Deserialize)]
struct ActionRequest {
    group_action_id: Int,
}

/// `scripts/get_script_execution_status`.
pub async fn execution_status(
    State(state): State<AppState>,
    Caller(user): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let ExecutionRequest { action_id } = request(body)?;
    let action = action(&state, action_id).await?;
    let jobs = state.db().jobs_for_action(action.id).await?;
    let statuses: Vec<Status> = jobs.iter().map(|view| view.job.status).collect();

    let mut answer = Map::new();
    answer.insert("general_status".into(), general_status(&statuses).into());
    for status in Status::ALL {
        let count = statuses.iter().filter(|s| **s == status).count();
        let key = format!("endpoints_{}", console_name(status).to_ascii_lowercase());
        answer.insert(key, count.into());
    }
    answer.insert("error_message".into(), "".into());
    Ok(reply(answer))
}

/// `actions/get_action_status`: each endpoint's status, endpoints still running first (the
/// console's wrappers look only at the first one to decide whether to poll again), and the
/// reason of each endpoint that has one.
pub async fn action_status(
    State(state): State<AppState>,
    Caller(user): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let ActionRequest { group_action_id } = request(body)?;
    let action = action(&state, group_action_id).await?;
    let mut jobs = state.db().jobs_for_action(action.id).await?;
    jobs.sort_by_key(|view| view.job.status.is_final());

    let mut data = Map::new();
    let mut reasons = Map::new();
    for view in &jobs {
        let status = view.job.status;
        data.insert(view.job.endpoint_id.clone(), console_name(status).into());
        if let Some(reason) = reason(view).filter(|_| status != Status::CompletedSuccessfully) {
            reasons.insert(
                view.job.endpoint_id.clone(),
                json!({"errorDescription": reason}),
            );
        }
    }
    let mut answer = Map::new();
    answer.insert("data".into(), data.into());
    if !reasons.is_empty() {
        answer.insert("errorReasons".into(), reasons.into());
    }
    Ok(reply(answer))
}

/// The action `id`, or 404.
pub async fn action(state: &AppState, id: Int) -> Result<ActionRow, ApiError> {
    find(state, &id.0.to_string()).await
}

/// Why an endpoint failed, was canceled or expired: the server's reason, else the run's error.
fn reason(view: &JobView) -> Option<String> {
    view.job
        .reason
        .clone()
        .or_else(|| report(view).and_then(|r| r.result.error))
}

/// The console's spelling of `status`.
pub fn console_name(status: Status) -> String {
    status.as_str().to_ascii_uppercase().replace(' ', "_")
}

/// `PENDING` while no endpoint has started; `IN_PROGRESS` while any can still change; once
/// all are final, the status they share, or `COMPLETED_PARTIAL` when some but not all
/// succeeded, or `FAILED` when none did and they ended differently. An action without
/// endpoints has nothing left to do and is `COMPLETED_SUCCESSFULLY`.
pub fn general_status(statuses: &[Status]) -> String {
    if !statuses.is_empty() && statuses.iter().all(|s| *s == Status::Pending) {
        return console_name(Status::Pending);
    }
    if statuses.iter().any(|s| !s.is_final()) {
        return console_name(Status::InProgress);
    }
    match statuses.split_first() {
        None => console_name(Status::CompletedSuccessfully),
        Some((first, rest)) if rest.iter().all(|s| s == first) => console_name(*first),
        Some(_) if statuses.contains(&Status::CompletedSuccessfully) => {
            "COMPLETED_PARTIAL".to_owned()
        }
        Some(_) => console_name(Status::Failed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn every_status_takes_the_console_spelling() {
        let names: Vec<String> = Status::ALL.into_iter().map(console_name).collect();
        assert_eq!(
            names,
            [
                "PENDING",
                "IN_PROGRESS",
                "COMPLETED_SUCCESSFULLY",
                "FAILED",
                "TIMEOUT",
                "CANCELED",
                "PENDING_ABORT",
                "ABORTED",
                "EXPIRED"
            ]
        );
    }

    #[test]
    fn the_general_status_stays_running_until_every_endpoint_is_final() {
        assert_eq!(general_status(&[Pending, Pending]), "PENDING");
        assert_eq!(general_status(&[Pending, Failed]), "IN_PROGRESS");
        assert_eq!(general_status(&[PendingAbort, Aborted]), "IN_PROGRESS");
        assert_eq!(
            general_status(&[CompletedSuccessfully, CompletedSuccessfully]),
            "COMPLETED_SUCCESSFULLY"
        );
        assert_eq!(general_status(&[Timeout, Timeout]), "TIMEOUT");
        assert_eq!(
            general_status(&[CompletedSuccessfully, Failed]),
            "COMPLETED_PARTIAL"
        );
        assert_eq!(general_status(&[Canceled, Expired]), "FAILED");
        assert_eq!(general_status(&[]), "COMPLETED_SUCCESSFULLY");
    }
}
