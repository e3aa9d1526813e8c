//! Stopping an action: cancel endpoints that have not pulled it yet, abort those running it.
//! Both take the permission running the action takes, and answer with the action's status.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};

use super::actions_view::{find, status};
use super::auth::User;
use super::plan::{RUN_ANY, run_permissions};
use super::{ApiError, AppState, input};
use crate::api::actions::{ActionStatus, SelectEndpoints};
use crate::status::Status;

/// `POST /actions/{id}/cancel`: `Pending` → `Canceled` for the listed endpoints (all when the
/// list is empty or the body is). Endpoints in another status are left as they are.
pub async fn actions_cancel(
    State(state): State<AppState>,
    user: User,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ActionStatus>, ApiError> {
    let reason = format!("canceled by {}", user.name());
    change(
        state,
        user,
        id,
        body,
        Status::Pending,
        Status::Canceled,
        reason,
    )
    .await
}

/// `POST /actions/{id}/abort`: `In Progress` → `Pending Abort` for the listed endpoints (all
/// when the list is empty); their agents are told on their next poll, stop the script and
/// report `Aborted`.
pub async fn actions_abort(
    State(state): State<AppState>,
    user: User,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ActionStatus>, ApiError> {
    let reason = format!("aborted by {}", user.name());
    change(
        state,
        user,
        id,
        body,
        Status::InProgress,
        Status::PendingAbort,
        reason,
    )
    .await
}

async fn change(
    state: AppState,
    user: User,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
    from: Status,
    to: Status,
    reason: String,
) -> Result<Json<ActionStatus>, ApiError> {
    user.require_any(RUN_ANY)?;
    let action = find(&state, &input::path(id)?).await?;
    user.require_all(run_permissions(action.action.snippet, action.action.risk))?;
    let select: SelectEndpoints = input::json_or_default(&input::body(body)?)?;

    let jobs = state.db().jobs_for_action(action.id).await?;
    let unknown: Vec<&str> = select
        .endpoint_ids
        .iter()
        .filter(|id| !jobs.iter().any(|v| &v.job.endpoint_id == *id))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::unprocessable(
            format!(
                "action {} was not sent to: {}",
                action.id,
                unknown.join(", ")
            ),
            "`ward action status` lists the action's endpoints",
        ));
    }

    let now = state.now();
    let changed = state
        .db()
        .jobs_change_many(action.id, select.endpoint_ids, from, to, Some(reason), now)
        .await?;
    if to == Status::PendingAbort {
        for endpoint_id in &changed {
            state.wakers().wake(endpoint_id);
        }
    }
    tracing::info!(action_id = action.id, to = %to, endpoints = changed.len(), user = %user.name(), "action changed");
    Ok(Json(status(&state, &action).await?))
}
