//! Who is calling the console API: the console's headers mapped onto ward's user keys.
//!
//! A ward key is `ward_<key id>_<secret>`, and the server keeps only the key id and
//! `SHA-256(secret)` in hex (call it the key's *verifier*). The console sends the key id in
//! `x-xdr-auth-id` and proves the key in `Authorization` in one of two ways:
//!
//! - standard: `Authorization` is the full ward key, or its secret alone, checked against the
//!   verifier exactly as ward's own API checks it. It is also accepted when it is the verifier
//!   itself, so that one client configuration (see below) works in both modes.
//! - advanced: `Authorization` is the lowercase hex SHA-256 of *key* ‖ `x-xdr-nonce` ‖
//!   `x-xdr-timestamp`. The server can only recompute that over a value it knows, so for this
//!   API the *key* hashed is the verifier: a client is configured with the key id and the
//!   verifier (`printf %s <secret> | sha256sum`), never with the secret. The timestamp (epoch
//!   milliseconds) must be within [`FRESH_SECS`] of the server's clock, either way.
//!
//! What this costs: anyone who reads the verifiers out of the database can call this API (not
//! ward's own, which still needs the secret) until the key is replaced, so the database must be
//! kept as secret as the keys. Nonces are not remembered: the console's own client sends the
//! same nonce and timestamp on every request of one command, so a replay is bounded by the
//! freshness window, not refused. Permissions are those of the key's role, as on ward's API.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use sha2::{Digest, Sha256};

use super::super::auth::{User, hash};
use super::super::{ApiError, AppState};

/// The header carrying the key id.
pub const AUTH_ID: &str = "x-xdr-auth-id";
pub const NONCE: &str = "x-xdr-nonce";
/// Epoch milliseconds, as a decimal string.
pub const TIMESTAMP: &str = "x-xdr-timestamp";
/// How far an advanced request's timestamp may be from the server's clock: five minutes.
pub const FRESH_SECS: u64 = 5 * 60;
/// Longest header value looked at; real ones are under 100 bytes.
const MAX_HEADER: usize = 512;
const HINT: &str = "send `x-xdr-auth-id` with the id of your ward key (between `ward_` and the \
                    second `_`) and `Authorization` with the full key; or, with `x-xdr-nonce` \
                    and `x-xdr-timestamp` (epoch milliseconds), the hex SHA-256 of verifier, \
                    nonce and timestamp, the verifier being the hex SHA-256 of the key's secret";

/// A user whose console headers checked out.
pub struct Caller(pub User);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        authenticate(state, &parts.headers).await.map(Caller)
    }
}

/// Checks the console's headers in `headers`.
///
/// # Errors
///
/// 401 saying what did not fit: a missing header, an unknown key id, a key or hash that does
/// not match, a stale timestamp.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<User, ApiError> {
    let key_id = value(headers, AUTH_ID)
        .ok_or_else(|| refused("no `x-xdr-auth-id` header was sent".to_owned()))?;
    let sent = value(headers, header::AUTHORIZATION.as_str())
        .ok_or_else(|| refused("no `Authorization` header was sent".to_owned()))?;
    let user = state
        .db()
        .users_by_key_id(key_id)
        .await?
        .ok_or_else(|| refused("the key id in `x-xdr-auth-id` is not known".to_owned()))?;

    if standard_key_fits(key_id, sent, &user.key_hash) {
        return Ok(User(user));
    }
    let (Some(nonce), Some(timestamp)) = (value(headers, NONCE), value(headers, TIMESTAMP)) else {
        return Err(refused(
            "the key in `Authorization` does not match, and without `x-xdr-nonce` and \
             `x-xdr-timestamp` it cannot be a hash"
                .to_owned(),
        ));
    };
    let expected = advanced_hash(&user.key_hash, nonce, timestamp);
    if !same(&expected, &sent.to_ascii_lowercase()) {
        return Err(refused(
            "the hash in `Authorization` does not match the key, nonce and timestamp".to_owned(),
        ));
    }
    fresh(timestamp, state.now())?;
    Ok(User(user))
}

/// The full key, its secret, or its verifier.
fn standard_key_fits(key_id: &str, sent: &str, verifier: &str) -> bool {
    let secret = match sent
        .strip_prefix("ward_")
        .and_then(|rest| rest.split_once('_'))
    {
        Some((id, _)) if id != key_id => return false,
        Some((_, secret)) => secret,
        None => sent,
    };
    same(&hash(secret), verifier) || same(sent, verifier)
}

/// Lowercase hex SHA-256 of `key` ‖ `nonce` ‖ `timestamp`, the console's advanced key hash.
pub fn advanced_hash(key: &str, nonce: &str, timestamp: &str) -> String {
    let digest = Sha256::new()
        .chain_update(key.as_bytes())
        .chain_update(nonce.as_bytes())
        .chain_update(timestamp.as_bytes())
        .finalize();
    hex::encode(digest)
}

/// Refuses a timestamp more than [`FRESH_SECS`] away from `now` (Unix seconds).
fn fresh(timestamp: &str, now: i64) -> Result<(), ApiError> {
    let millis: i64 = timestamp.parse().map_err(|_| {
        refused(format!(
            "`x-xdr-timestamp` is `{}`, not epoch milliseconds",
            super::super::input::shorten(timestamp)
        ))
    })?;
    let skew = millis.div_euclid(1000).saturating_sub(now).unsigned_abs();
    if skew > FRESH_SECS {
        return Err(ApiError::unauthorized(
            format!(
                "`x-xdr-timestamp` is {skew} seconds away from the server's clock, more than \
                 the {FRESH_SECS} allowed"
            ),
            "compute the headers just before sending, and check the client's clock",
        ));
    }
    Ok(())
}

/// A header's value, trimmed, if it is present, text and of a sane length.
fn value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let text = headers.get(name)?.to_str().ok()?.trim();
    (!text.is_empty() && text.len() <= MAX_HEADER).then_some(text)
}

fn refused(error: String) -> ApiError {
    ApiError::unauthorized(error, HINT)
}

/// Compares two strings in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_advanced_hash_is_sha256_of_key_nonce_and_timestamp_in_order() {
        let whole = hex::encode(Sha256::digest(b"keyNONCE1800000000000"));
        assert_eq!(advanced_hash("key", "NONCE", "1800000000000"), whole);
        assert_ne!(advanced_hash("NONCE", "key", "1800000000000"), whole);
    }

    #[test]
    fn a_standard_key_is_the_full_key_its_secret_or_its_verifier() {
        let verifier = hash("5ec2e7");
        assert!(standard_key_fits("ab12", "ward_ab12_5ec2e7", &verifier));
        assert!(standard_key_fits("ab12", "5ec2e7", &verifier));
        assert!(standard_key_fits("ab12", &verifier, &verifier));
        assert!(!standard_key_fits("cd34", "ward_ab12_5ec2e7", &verifier));
        assert!(!standard_key_fits("ab12", "ward_ab12_000000", &verifier));
    }

    #[test]
    fn timestamps_older_or_newer_than_five_minutes_are_refused() {
        let now = 1_800_000_000;
        assert!(fresh("1800000000000", now).is_ok());
        assert!(fresh("1799999700000", now).is_ok());
        assert!(fresh("1799999699000", now).is_err());
        assert!(fresh("1800000301000", now).is_err());
        assert!(fresh("soon", now).is_err());
    }
}
