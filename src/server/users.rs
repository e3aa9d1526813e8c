//! People and enrollment: `POST /users` for administrators, and the two operations the
//! `ward server add-admin` and `ward server enrollment-secret` commands run on the database
//! directly before any administrator exists.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;

use super::auth::{User, hash, new_user_key, random_hex};
use super::{ApiError, AppState, input};
use crate::api::people::{CreateUser, CreatedUser, Role};
use crate::db::{Db, DbError};

/// `POST /users` (administrators only): 201 with the new user's API key, shown once.
pub async fn users_create(
    State(state): State<AppState>,
    user: User,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<CreatedUser>), ApiError> {
    require_administrator(&user)?;
    let request: CreateUser = input::json(&input::body(body)?)?;
    let name = request.name.trim();
    if name.is_empty() || name.len() > 128 || name.chars().any(char::is_control) {
        return Err(ApiError::unprocessable(
            "a user name must hold between 1 and 128 bytes, without control characters",
            "choose another name",
        ));
    }
    let created = add_user(state.db(), name, request.role, state.now()).await?;
    tracing::info!(user = %created.name, by = %user.name(), "user created");
    Ok((StatusCode::CREATED, Json(created)))
}

/// Refuses everyone but administrators (user management is no console permission, only a role).
pub fn require_administrator(user: &User) -> Result<(), ApiError> {
    if user.0.role == Role::Administrator {
        return Ok(());
    }
    Err(ApiError::forbidden(
        format!("user `{}` is not an administrator", user.name()),
        "ask an administrator to do this",
    ))
}

/// Adds a user with a new API key; the key is in the answer and nowhere else.
///
/// # Errors
///
/// [`DbError::Duplicate`] when the name is taken.
pub async fn add_user(db: &Db, name: &str, role: Role, now: i64) -> Result<CreatedUser, DbError> {
    let (key_id, secret, api_key) = new_user_key();
    let row = db
        .users_insert(name, role, &key_id, &hash(&secret), now)
        .await?;
    Ok(CreatedUser {
        name: row.name,
        role: row.role,
        api_key,
    })
}

/// Makes a new enrollment secret, valid for any number of agents; only its hash is kept.
pub async fn new_enrollment_secret(db: &Db, now: i64) -> Result<String, DbError> {
    let secret = format!("wenroll_{}", random_hex(32));
    db.enrollment_insert(&hash(&secret), now).await?;
    Ok(secret)
}
