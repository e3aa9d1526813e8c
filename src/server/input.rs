//! Reading what a request carries (body, path, query) into typed values, with errors that tell
//! the caller what to fix. Handlers read the body only after checking the caller's permission,
//! so that a refused caller learns nothing from how its body was judged.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use super::ApiError;

/// The body's bytes, or 413 when it is over the route's limit.
pub fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(
                "the request body is over this server's limit",
                "send less at once; retrieved files go to the file upload route",
            )
        } else {
            ApiError::bad_request(
                format!(
                    "the request body could not be read: {}",
                    rejection.body_text()
                ),
                "send the body again",
            )
        }
    })
}

/// The body as JSON of type `T`: 400 when it is not JSON, 422 when it is JSON of the wrong
/// shape (a missing or unknown field, a value of the wrong type).
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        Category::Data => ApiError::unprocessable(
            format!("the request body does not fit this route: {e}"),
            "compare the body with the route's fields in ward's API documentation; unknown \
             fields are refused",
        ),
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
            format!("the request body is not valid JSON: {e}"),
            "send a JSON object with the header `content-type: application/json`",
        ),
    })
}

/// Like [`json`], but an empty body means `T::default()`.
pub fn json_or_default<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    json(body)
}

pub fn path<T>(path: Result<Path<T>, PathRejection>) -> Result<T, ApiError> {
    path.map(|Path(value)| value).map_err(|rejection| {
        ApiError::bad_request(
            format!("the path could not be read: {}", rejection.body_text()),
            "check the identifiers in the URL",
        )
    })
}

pub fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query.map(|Query(value)| value).map_err(|rejection| {
        ApiError::bad_request(
            format!(
                "the query string could not be read: {}",
                rejection.body_text()
            ),
            "check the parameter names and values after `?`",
        )
    })
}

/// An action id from the path: a number, or no such action.
pub fn action_id(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| {
        ApiError::not_found(
            format!("there is no action `{}`", shorten(text)),
            LIST_ACTIONS,
        )
    })
}

/// Where to find action ids.
pub const LIST_ACTIONS: &str = "action ids are the numbers `ward action run` printed";

/// `text` cut to a length fit for an error message.
pub fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}
