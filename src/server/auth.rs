//! Who is calling: users with API keys (`Authorization: Bearer ward_<key id>_<secret>`) and
//! agents with their tokens (`Authorization: Bearer wagent_<endpoint id>_<secret>`).
//!
//! Only the SHA-256 of a secret is stored; a key or token is shown once, when it is made. A
//! missing or unknown credential is 401; a user whose role lacks a permission is 403.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use super::{ApiError, AppState};
use crate::api::people::Permission;
use crate::db::{EndpointRow, UserRow};

const USER_PREFIX: &str = "ward_";
const AGENT_PREFIX: &str = "wagent_";

/// A user whose API key checked out.
#[derive(Debug, Clone)]
pub struct User(pub UserRow);

/// An agent whose token checked out.
#[derive(Debug, Clone)]
pub struct Agent(pub EndpointRow);

impl User {
    /// # Errors
    ///
    /// 403 when the user's role does not grant `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.0.role.grants(permission) {
            return Ok(());
        }
        Err(ApiError::forbidden(
            format!(
                "the role `{}` of user `{}` does not grant `{}`",
                wire_name(&self.0.role),
                self.0.name,
                wire_name(&permission)
            ),
            "ask an administrator for a key with a role that grants it",
        ))
    }

    /// Requires every permission of `permissions`.
    pub fn require_all(&self, permissions: &[Permission]) -> Result<(), ApiError> {
        permissions.iter().try_for_each(|p| self.require(*p))
    }

    /// Requires one permission of `permissions` at least (403 naming the first otherwise):
    /// checked before a lookup whose result decides the exact permission, so that a caller
    /// who has none of them learns nothing from the lookup.
    pub fn require_any(&self, permissions: &[Permission]) -> Result<(), ApiError> {
        if permissions.iter().any(|p| self.0.role.grants(*p)) {
            return Ok(());
        }
        permissions.iter().try_for_each(|p| self.require(*p))
    }

    pub fn name(&self) -> &str {
        &self.0.name
    }
}

/// How a role or permission is spelled in the API (`run_high_risk_scripts`).
fn wire_name<T: serde::Serialize + std::fmt::Debug>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{value:?}"),
    }
}

impl FromRequestParts<AppState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let hint = "send `Authorization: Bearer ward_...` with the API key an administrator made \
                    for you (`ward server add-admin` prints the first one)";
        let token =
            bearer(parts).ok_or_else(|| ApiError::unauthorized("no API key was sent", hint))?;
        let refused = || ApiError::unauthorized("the API key is not valid", hint);
        let (key_id, secret) = split(token, USER_PREFIX).ok_or_else(refused)?;
        let user = state
            .db()
            .users_by_key_id(key_id)
            .await?
            .ok_or_else(refused)?;
        if !same_hash(&hash(secret), &user.key_hash) {
            return Err(refused());
        }
        Ok(User(user))
    }
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let hint = "send `Authorization: Bearer wagent_...` with the token the agent received \
                    when it enrolled; enroll again if it was lost";
        let token =
            bearer(parts).ok_or_else(|| ApiError::unauthorized("no agent token was sent", hint))?;
        let refused = || ApiError::unauthorized("the agent token is not valid", hint);
        let (endpoint_id, secret) = split(token, AGENT_PREFIX).ok_or_else(refused)?;
        let endpoint = state
            .db()
            .endpoints_get(endpoint_id)
            .await?
            .ok_or_else(refused)?;
        if !same_hash(&hash(secret), &endpoint.token_hash) {
            return Err(refused());
        }
        Ok(Agent(endpoint))
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(crate::api::AUTH_HEADER)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// `<prefix><id>_<secret>` into the id and the secret, both non-empty hex.
fn split<'a>(token: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    let (id, secret) = token.strip_prefix(prefix)?.split_once('_')?;
    let hex = |s: &str| !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id) && hex(secret)).then_some((id, secret))
}

/// SHA-256 of `secret`, in hex: what the store keeps of keys, tokens and enrollment secrets.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two hashes in time independent of where they differ.
fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// `bytes` random bytes from the operating system's generator, in hex.
pub fn random_hex(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes * 2);
    while out.len() < bytes * 2 {
        // Version 4 UUIDs take their bits from the operating system's secure generator; the
        // six fixed version and variant bits are dropped by using only 14 bytes of each.
        let uuid = uuid::Uuid::new_v4();
        let random = &uuid.as_bytes()[..6];
        let rest = &uuid.as_bytes()[9..];
        out.push_str(&hex::encode(random));
        out.push_str(&hex::encode(rest));
    }
    out.truncate(bytes * 2);
    out
}

/// A new user API key: (key id, secret, the full key to show once).
pub fn new_user_key() -> (String, String, String) {
    let key_id = random_hex(8);
    let secret = random_hex(32);
    let key = format!("{USER_PREFIX}{key_id}_{secret}");
    (key_id, secret, key)
}

/// A new agent token for `endpoint_id`: (secret, the full token to show once).
pub fn new_agent_token(endpoint_id: &str) -> (String, String) {
    let secret = random_hex(32);
    let token = format!("{AGENT_PREFIX}{endpoint_id}_{secret}");
    (secret, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_into_id_and_secret() {
        let (id, secret, key) = new_user_key();
        assert_eq!(
            split(&key, USER_PREFIX),
            Some((id.as_str(), secret.as_str()))
        );
        assert_eq!(split(&key, AGENT_PREFIX), None);
        assert_eq!(split("ward_zz_11", USER_PREFIX), None);
        assert_eq!(split("ward__11", USER_PREFIX), None);
    }

    #[test]
    fn random_hex_has_the_length_asked_and_differs_each_time() {
        let a = random_hex(32);
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_hex(32));
    }
}
