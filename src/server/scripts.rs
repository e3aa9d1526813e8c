//! Routes of the script library: list, show, code, upload, edit, delete. Built-ins are
//! read-only; deleting is soft, so old actions still show their script.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::auth::User;
use super::library::{check_upload, info};
use super::{ApiError, AppState, input};
use crate::api::people::Permission;
use crate::api::scripts::{ScriptInfo, UploadScript};
use crate::db::ScriptRow;

const LIST_HINT: &str = "`ward script list` shows the library with each script's uid";

/// `GET /scripts`: the live scripts, by name.
pub async fn scripts_list(
    State(state): State<AppState>,
    user: User,
) -> Result<Json<Vec<ScriptInfo>>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let rows = state.db().scripts_list().await?;
    Ok(Json(rows.iter().map(info).collect()))
}

/// `GET /scripts/{uid}`: one script's metadata and manifest, deleted ones included.
pub async fn scripts_get(
    State(state): State<AppState>,
    user: User,
    uid: Result<Path<String>, PathRejection>,
) -> Result<Json<ScriptInfo>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let row = find(&state, &input::path(uid)?).await?;
    Ok(Json(info(&row)))
}

/// `GET /scripts/{uid}/code`: the code, as `text/x-python`.
pub async fn scripts_code(
    State(state): State<AppState>,
    user: User,
    uid: Result<Path<String>, PathRejection>,
) -> Result<impl IntoResponse, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let row = find(&state, &input::path(uid)?).await?;
    let content_type = [(header::CONTENT_TYPE, "text/x-python; charset=utf-8")];
    Ok((content_type, row.script.code))
}

/// `POST /scripts`: a new script, validated first. 201 with its metadata.
pub async fn scripts_create(
    State(state): State<AppState>,
    user: User,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ScriptInfo>), ApiError> {
    user.require(Permission::ScriptConfiguration)?;
    let upload: UploadScript = input::json(&input::body(body)?)?;
    let script = check_upload(&state, upload, user.name()).await?;
    let uid = uuid::Uuid::new_v4().simple().to_string();
    let now = state.now();
    state.db().scripts_insert(&uid, script, now).await?;
    tracing::info!(script_uid = %uid, user = %user.name(), "script uploaded");
    let row = find(&state, &uid).await?;
    Ok((StatusCode::CREATED, Json(info(&row))))
}

/// `PUT /scripts/{uid}`: replaces a script's code and manifest, validated first. Its uid and
/// author stay; actions already run keep the version they ran.
pub async fn scripts_update(
    State(state): State<AppState>,
    user: User,
    uid: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ScriptInfo>, ApiError> {
    user.require(Permission::ScriptConfiguration)?;
    let uid = input::path(uid)?;
    writable(&find(&state, &uid).await?)?;
    let upload: UploadScript = input::json(&input::body(body)?)?;
    let script = check_upload(&state, upload, user.name()).await?;
    let now = state.now();
    if !state.db().scripts_update(&uid, script, now).await? {
        return Err(gone(&uid));
    }
    tracing::info!(script_uid = %uid, user = %user.name(), "script edited");
    Ok(Json(info(&find(&state, &uid).await?)))
}

/// `DELETE /scripts/{uid}`: 204. The script leaves the list but stays readable by uid.
pub async fn scripts_delete(
    State(state): State<AppState>,
    user: User,
    uid: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    user.require(Permission::ScriptConfiguration)?;
    let uid = input::path(uid)?;
    writable(&find(&state, &uid).await?)?;
    let now = state.now();
    if !state.db().scripts_delete(&uid, now).await? {
        return Err(gone(&uid));
    }
    tracing::info!(script_uid = %uid, user = %user.name(), "script deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// The script `uid`, deleted or not, or 404.
pub async fn find(state: &AppState, uid: &str) -> Result<ScriptRow, ApiError> {
    state.db().scripts_get(uid).await?.ok_or_else(|| {
        ApiError::not_found(
            format!("there is no script `{}`", input::shorten(uid)),
            LIST_HINT,
        )
    })
}

/// Refuses changes to built-ins and to deleted scripts.
fn writable(row: &ScriptRow) -> Result<(), ApiError> {
    if row.script.builtin {
        return Err(ApiError::conflict(
            format!(
                "`{}` is a built-in script and cannot be changed",
                row.script.name
            ),
            "upload a changed copy under another name",
        ));
    }
    if row.deleted {
        return Err(gone(&row.uid));
    }
    Ok(())
}

fn gone(uid: &str) -> ApiError {
    ApiError::conflict(format!("the script `{uid}` was deleted"), LIST_HINT)
}
