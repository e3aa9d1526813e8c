//! The one error type of every route: a status code and a JSON body `{"error", "hint"}` that is
//! safe to show to the caller. When the server itself failed, the caller reads a generic
//! sentence and the cause goes to the server's log.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::db::DbError;

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    error: String,
    hint: String,
    /// For the log only.
    cause: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    hint: &'a str,
}

impl ApiError {
    fn new(status: StatusCode, error: impl Into<String>, hint: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error: error.into(),
            hint: hint.into(),
            cause: None,
        }
    }

    /// 400: the request cannot be read (not JSON, a bad query string).
    pub fn bad_request(error: impl Into<String>, hint: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, error, hint)
    }

    /// 401: no credential, or one the server does not know.
    pub fn unauthorized(error: impl Into<String>, hint: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, error, hint)
    }

    /// 403: a known user whose role lacks the permission.
    pub fn forbidden(error: impl Into<String>, hint: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, error, hint)
    }

    pub fn not_found(error: impl Into<String>, hint: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, error, hint)
    }

    /// 409: the request is understood but the state of things refuses it.
    pub fn conflict(error: impl Into<String>, hint: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, error, hint)
    }

    /// 413: a body over its size limit.
    pub fn too_large(error: impl Into<String>, hint: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, error, hint)
    }

    /// 422: well-formed, but the values are wrong; `error` lists every problem.
    pub fn unprocessable(error: impl Into<String>, hint: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error, hint)
    }

    /// 500: the server failed; `cause` is logged, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        ApiError {
            cause: Some(cause.to_string()),
            ..ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the server failed to handle this request",
                "try again; if it keeps failing, the server's log has the cause",
            )
        }
    }

    /// 507 when the server's disk is full, 503 when it is read-only, 500 otherwise: the first two
    /// tell the caller that nothing was stored and that sending again later will do. `what` (what
    /// the server was doing) and `error` are logged, never sent.
    pub fn io(what: &str, error: &std::io::Error) -> ApiError {
        let cause = format!("{what}: {error}");
        match error.kind() {
            std::io::ErrorKind::StorageFull => ApiError::disk_full(cause),
            std::io::ErrorKind::ReadOnlyFilesystem => ApiError::unwritable(cause),
            _ => ApiError::internal(cause),
        }
    }

    fn disk_full(cause: impl std::fmt::Display) -> ApiError {
        ApiError {
            cause: Some(cause.to_string()),
            ..ApiError::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "the server's disk is full; nothing of this request was stored",
                "send it again later; the server's operator must free space in its data directory",
            )
        }
    }

    fn unwritable(cause: impl std::fmt::Display) -> ApiError {
        ApiError {
            cause: Some(cause.to_string()),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server's disk is failing or read-only; nothing of this request was stored",
                "send it again later; the server's operator must repair the disk under its data \
                 directory",
            )
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.error)
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> ApiError {
        match error {
            DbError::Duplicate { what } => {
                ApiError::conflict(format!("{what} already exists"), "choose another name")
            }
            DbError::IllegalTransition { from, to } => ApiError::conflict(
                format!("the job is `{from}` and cannot become `{to}`"),
                "read the action's status; the job may have ended or been canceled meanwhile",
            ),
            full @ DbError::Full(_) => ApiError::disk_full(full),
            unwritable @ DbError::Unwritable(_) => ApiError::unwritable(unwritable),
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self.cause {
            Some(cause) => tracing::error!(status = %self.status, %cause, "request failed"),
            None => tracing::debug!(status = %self.status, error = %self.error, "request refused"),
        }
        let body = Body {
            error: &self.error,
            hint: &self.hint,
        };
        (self.status, Json(body)).into_response()
    }
}
