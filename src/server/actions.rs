//! Creating actions: a library script (its current version) or a snippet, with checked
//! parameters, sent to the targeted endpoints that can run it; and rerunning an action the
//! same way, with its filter evaluated again.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::auth::User;
use super::library::stored_manifest;
use super::plan::{Plan, RUN_ANY, bind, risk_of, run_permissions, script_plan, snippet_plan};
use super::scripts::find;
use super::targets::{refusal, resolve, runnable};
use super::{ApiError, AppState, input};
use crate::api::actions::{CreateAction, CreatedAction, SkippedEndpoint};
use crate::db::EndpointRow;
use crate::policy::Risk;
use crate::script::Platform;

/// `POST /actions`: 201 with the action's id, how many endpoints got it and which were left
/// out, with why.
pub async fn actions_create(
    State(state): State<AppState>,
    user: User,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<CreatedAction>), ApiError> {
    user.require_any(RUN_ANY)?;
    let request: CreateAction = input::json(&input::body(body)?)?;
    let CreateAction {
        script_uid,
        snippet,
        parameters,
        timeout,
        targets,
    } = request;
    let plan = match (script_uid, snippet) {
        (Some(uid), None) => {
            let row = find(&state, &uid).await?;
            let manifest = stored_manifest(&row.script.manifest)?;
            user.require_all(run_permissions(false, risk_of(&manifest)))?;
            if row.deleted {
                return Err(ApiError::not_found(
                    format!("the script `{}` was deleted", row.script.name),
                    "`ward script list` shows the scripts that can run",
                ));
            }
            let parameters = bind(&manifest, &parameters).map_err(|problems| {
                ApiError::unprocessable(
                    format!(
                        "the parameters do not fit the script:\n{}",
                        problems.join("\n")
                    ),
                    "`ward script show` lists the script's parameters and their types",
                )
            })?;
            script_plan(
                &row.uid,
                &row.script.code,
                &manifest,
                parameters,
                timeout,
                targets,
                &user,
            )?
        }
        (None, Some(code)) => {
            user.require_all(run_permissions(true, Risk::Standard))?;
            snippet_plan(code, &parameters, timeout, targets, &user)?
        }
        _ => {
            return Err(ApiError::unprocessable(
                "give exactly one of `script_uid` and `snippet`",
                "`script_uid` runs a script of the library; `snippet` runs the code given",
            ));
        }
    };
    let endpoints = resolve(&state, &plan.action.targets).await?;
    let created = launch(&state, plan, endpoints).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `POST /actions/{id}/rerun`: the same parameters, targets and timeout, with the script's
/// current version and the filter evaluated again. 409 with the reason when the script was
/// deleted, its parameters changed, or its platforms changed so that a target is left out.
pub async fn actions_rerun(
    State(state): State<AppState>,
    user: User,
    id: Result<Path<String>, PathRejection>,
) -> Result<(StatusCode, Json<CreatedAction>), ApiError> {
    user.require_any(RUN_ANY)?;
    let old = super::actions_view::find(&state, &input::path(id)?).await?;
    let before = old.action.clone();
    let plan = match &before.script_uid {
        None => {
            user.require_all(run_permissions(true, before.risk))?;
            snippet_plan(
                before.code,
                &before.parameters,
                Some(before.timeout_secs),
                before.targets,
                &user,
            )?
        }
        Some(uid) => {
            let row = find(&state, uid).await?;
            let manifest = stored_manifest(&row.script.manifest)?;
            user.require_all(run_permissions(false, risk_of(&manifest)))?;
            if row.deleted {
                return Err(ApiError::conflict(
                    format!(
                        "the script `{}` was deleted, so action {} cannot run again",
                        row.script.name, old.id
                    ),
                    "run another script of the library with `ward action run`",
                ));
            }
            let parameters = bind(&manifest, &before.parameters).map_err(|problems| {
                ApiError::conflict(
                    format!(
                        "the script `{}` changed since action {} and its parameters no longer fit:\n{}",
                        row.script.name, old.id, problems.join("\n")
                    ),
                    "run it again with `ward action run` and the new parameters",
                )
            })?;
            let timeout = Some(before.timeout_secs);
            script_plan(
                uid,
                &row.script.code,
                &manifest,
                parameters,
                timeout,
                before.targets,
                &user,
            )?
        }
    };

    let endpoints = resolve(&state, &plan.action.targets).await?;
    if let (Some(then), Some(now)) = (before.manifest.as_deref(), plan.platforms.as_deref()) {
        let then = stored_manifest(then)?;
        if then.platforms() != now {
            platforms_still_fit(&endpoints, now, &plan.action.script_name)?;
        }
    }
    let created = launch(&state, plan, endpoints).await?;
    tracing::info!(
        rerun_of = old.id,
        action_id = created.action_id,
        "action rerun"
    );
    Ok((StatusCode::CREATED, Json(created)))
}

/// Refuses a rerun when a target runs on a platform the script dropped.
fn platforms_still_fit(
    endpoints: &[EndpointRow],
    platforms: &[Platform],
    name: &str,
) -> Result<(), ApiError> {
    let dropped: Vec<String> = endpoints
        .iter()
        .filter(|e| !e.scripts_disabled && refusal(e, Some(platforms)).is_some())
        .map(|e| format!("{} ({})", e.name, e.platform))
        .collect();
    if dropped.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = platforms.iter().map(|p| p.as_str()).collect();
    Err(ApiError::conflict(
        format!(
            "the platforms of the script `{name}` changed (now {}), so these targets are no longer supported: {}",
            names.join(", "),
            dropped.join(", ")
        ),
        "run the script again with `ward action run` on the endpoints it supports",
    ))
}

/// Stores the action with one job per endpoint that can run it, and wakes their agents.
async fn launch(
    state: &AppState,
    plan: Plan,
    endpoints: Vec<EndpointRow>,
) -> Result<CreatedAction, ApiError> {
    let (kept, skipped): (Vec<EndpointRow>, Vec<SkippedEndpoint>) =
        runnable(endpoints, plan.platforms.as_deref());
    let ids: Vec<String> = kept.iter().map(|e| e.id.clone()).collect();
    let now = state.now();
    let action_id = state
        .db()
        .actions_insert(plan.action, ids.clone(), now)
        .await?;
    for id in &ids {
        state.wakers().wake(id);
    }
    tracing::info!(
        action_id,
        endpoints = ids.len(),
        skipped = skipped.len(),
        "action created"
    );
    Ok(CreatedAction {
        action_id,
        endpoints_count: ids.len(),
        skipped,
    })
}
