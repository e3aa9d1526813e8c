//! The envelopes of the console API: every request is `{"request_data": {...}}`, every answer
//! `{"reply": ...}`, and every refusal `{"reply": {"err_code", "err_msg", "err_extra"}}`.
//!
//! Handlers of this API fail with ward's own [`ApiError`], like every other route; one
//! response layer ([`contract_errors`]) rewrites those errors into the console's shape, so the
//! status code and ward's explanation reach the client in the form its parser expects.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

use super::super::{ApiError, input};

/// What the console says on a 401, word for word; clients match on it.
const UNAUTHORIZED: &str = "Public API request unauthorized";
/// What the console says on a 5xx.
const INTERNAL: &str = "An error occurred while processing XDR public API";
/// Longest error body read back when rewriting it (ward's errors are a few hundred bytes).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Reads `{"request_data": T}`; fields `T` does not know are ignored, as other clients of the
/// console send fields this server has no use for.
///
/// # Errors
///
/// 413 over the body limit, 400 when the body is not the envelope or `T` does not fit it.
pub fn request<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    #[derive(Deserialize)]
    struct Envelope<T> {
        request_data: T,
    }
    let bytes = input::body(body)?;
    serde_json::from_slice::<Envelope<T>>(&bytes)
        .map(|envelope| envelope.request_data)
        .map_err(|e| {
            ApiError::bad_request(
                format!("the request does not fit this call: {e}"),
                "send a JSON object `{\"request_data\": {...}}` with the fields the call takes",
            )
        })
}

/// `{"reply": value}`.
pub fn reply(value: impl Serialize) -> Json<Value> {
    Json(json!({ "reply": value }))
}

/// An integer as the console's clients send it: a JSON number, or a string of digits (the same
/// client sends `action_id` both ways).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Int(pub i64);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Int, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(i64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(n) => Ok(Int(n)),
            Raw::Text(text) => text.trim().parse().map(Int).map_err(|_| {
                D::Error::custom(format!("`{}` is not an integer", input::shorten(&text)))
            }),
        }
    }
}

/// One entry of a `filters` list: `{"field", "operator", "value"}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Filter {
    pub field: String,
    pub operator: String,
    pub value: Value,
}

impl Filter {
    /// The operator, lower case (clients send `in`, the documentation also `IN`).
    pub fn op(&self) -> String {
        self.operator.to_ascii_lowercase()
    }

    /// The values of an `in` filter as text: list items, or the one value when it is not a
    /// list. Booleans and numbers become their JSON text (`true`, `5`).
    pub fn texts(&self) -> Vec<String> {
        let one = |value: &Value| match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        match &self.value {
            Value::Array(items) => items.iter().map(one).collect(),
            Value::Null => Vec::new(),
            other => vec![one(other)],
        }
    }

    /// 400 naming this filter, for a field or operator this call does not take.
    pub fn unsupported(&self, supported: &str) -> ApiError {
        ApiError::bad_request(
            format!(
                "the filter `{}` `{}` is not supported by this call",
                input::shorten(&self.field),
                input::shorten(&self.operator)
            ),
            format!("this call filters on: {supported}"),
        )
    }
}

/// Rewrites any refusal into the console's error shape, keeping its status code. `err_msg` is
/// the console's own sentence for 401 and 5xx (clients compare it) and ward's error otherwise;
/// `err_extra` carries the rest of ward's explanation.
pub async fn contract_errors(response: Response) -> Response {
    let status = response.status();
    if status.is_success() || status.is_redirection() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_ERROR_BODY)
        .await
        .unwrap_or_default();
    let ward: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let reason = status.canonical_reason().unwrap_or("refused");
    let error = ward["error"].as_str().unwrap_or(reason).to_owned();
    let hint = ward["hint"].as_str().map(str::to_owned);
    let both = || match &hint {
        Some(hint) => format!("{error}; {hint}"),
        None => error.clone(),
    };
    let (message, extra) = if status == StatusCode::UNAUTHORIZED {
        (UNAUTHORIZED.to_owned(), Some(both()))
    } else if status.is_server_error() {
        (INTERNAL.to_owned(), Some(both()))
    } else {
        (error.clone(), hint.clone())
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let body = json!({"reply": {
        "err_code": status.as_u16(),
        "err_msg": message,
        "err_extra": extra,
    }});
    (parts, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_read_from_numbers_and_from_strings() {
        let read = |text: &str| serde_json::from_str::<Int>(text).ok();
        assert_eq!(read("22519813685366"), Some(Int(22_519_813_685_366)));
        assert_eq!(read("\"22519813685366\""), Some(Int(22_519_813_685_366)));
        assert_eq!(read("\"twelve\""), None);
        assert_eq!(read("1.5"), None);
    }

    #[test]
    fn filter_values_become_text_whatever_their_json_type() {
        let filter: Filter = serde_json::from_value(
            json!({"field": "is_high_risk", "operator": "IN", "value": ["true", false, 5]}),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(filter.op(), "in");
        assert_eq!(filter.texts(), ["true", "false", "5"]);
    }
}
