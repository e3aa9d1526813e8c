//! Retrieved files the console's way: `scripts/get_script_execution_results_files` answers a
//! link, and `GET /public_api/v1/download/<token>` answers a ZIP of one endpoint's files for
//! one action (ward's own archive, under the console's `Content-Disposition`).
//!
//! The token is signed, not stored: `<key id>.<action id>.<endpoint id>.<expiry>.<mac>`, the
//! mac an HMAC-SHA256 keyed with the requesting key's verifier. It expires after
//! [`LINK_SECS`] and dies with the key. The link works on its own, as a signed link does for
//! the console's older clients; when the console's auth headers come with it, as the current
//! client sends them, they are checked too. Whoever downloads needs the permission to view
//! results, checked again at download time. Links carry no `download` before their path (the
//! client cuts the link at the first `download`), so a host whose name holds the word gets
//! a link without scheme and host.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::super::archive::actions_endpoint_files;
use super::super::auth::User;
use super::super::{ApiError, AppState, input};
use super::auth::{AUTH_ID, Caller, authenticate, same};
use super::status::action;
use super::wire::{Int, reply, request};
use crate::api::people::Permission;

/// How long a download link works, in seconds: ten minutes, as the console's links.
pub const LINK_SECS: i64 = 10 * 60;
/// Keeps these macs apart from any other use of the same key.
const CONTEXT: &[u8] = b"ward public_api download link\0";

#[derive(Deserialize)]
struct FilesRequest {
    action_id: Int,
    endpoint_id: String,
}

/// `scripts/get_script_execution_results_files`: `{"DATA": "<link>"}`.
pub async fn result_files(
    State(state): State<AppState>,
    Caller(user): Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let FilesRequest {
        action_id,
        endpoint_id,
    } = request(body)?;
    let action = action(&state, action_id).await?;
    let jobs = state.db().jobs_for_action(action.id).await?;
    if !jobs.iter().any(|view| view.job.endpoint_id == endpoint_id) {
        return Err(ApiError::not_found(
            format!(
                "action {} was not sent to endpoint `{}`",
                action.id,
                input::shorten(&endpoint_id)
            ),
            "get_script_execution_results lists the action's endpoints",
        ));
    }
    let payload = format!(
        "{}.{}.{}.{}",
        user.0.key_id,
        action.id,
        endpoint_id,
        state.now() + LINK_SECS
    );
    let mac = sign(&user.0.key_hash, &payload);
    let link = format!(
        "{}/public_api/v1/download/{payload}.{mac}",
        origin(&headers)
    );
    Ok(reply(json!({ "DATA": link })))
}

/// `GET /public_api/v1/download/<token>`: the ZIP, named `<action id>-<endpoint id>.zip`.
pub async fn download(
    State(state): State<AppState>,
    token: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if headers.contains_key(AUTH_ID) {
        authenticate(&state, &headers).await?;
    }
    let token = input::path(token)?;
    let invalid = || {
        ApiError::unauthorized(
            "the download link is not valid",
            "ask get_script_execution_results_files for a new link",
        )
    };
    let link = Link::parse(&token).ok_or_else(invalid)?;
    let row = state
        .db()
        .users_by_key_id(link.key_id)
        .await?
        .ok_or_else(invalid)?;
    if !same(&sign(&row.key_hash, link.payload), link.mac) {
        return Err(invalid());
    }
    if link.expires < state.now() {
        return Err(ApiError::unauthorized(
            "the download link expired",
            format!("links work for {LINK_SECS} seconds; ask for a new one"),
        ));
    }
    let user = User(row);
    user.require(Permission::ViewScriptsAndResults)?;

    let ids = (link.action_id.to_string(), link.endpoint_id.to_owned());
    let mut response = actions_endpoint_files(State(state), user, Ok(Path(ids))).await?;
    let name = format!(
        "attachment; filename={}-{}.zip",
        link.action_id, link.endpoint_id
    );
    if let Ok(value) = HeaderValue::from_str(&name) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// A token split into its parts, each checked for its form.
struct Link<'a> {
    payload: &'a str,
    key_id: &'a str,
    action_id: i64,
    endpoint_id: &'a str,
    expires: i64,
    mac: &'a str,
}

impl<'a> Link<'a> {
    fn parse(token: &'a str) -> Option<Link<'a>> {
        let hex =
            |s: &str| !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_hexdigit());
        let (payload, mac) = token.rsplit_once('.')?;
        let mut parts = payload.split('.');
        let (key_id, action_id, endpoint_id, expires) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let link = Link {
            payload,
            key_id,
            action_id: action_id.parse().ok()?,
            endpoint_id,
            expires: expires.parse().ok()?,
            mac,
        };
        let well_formed = parts.next().is_none()
            && hex(key_id)
            && hex(endpoint_id)
            && mac.len() == 64
            && hex(mac);
        well_formed.then_some(link)
    }
}

/// `http(s)://host` from the request, or nothing (a path-only link) when the host is missing,
/// odd, or holds `download`. The scheme is `https` behind a proxy that says so.
fn origin(headers: &HeaderMap) -> String {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let Some(host) = text(header::HOST.as_str()) else {
        return String::new();
    };
    let plain = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    if !plain || host.contains("download") {
        return String::new();
    }
    let https = text("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// The mac of a link's `payload` under a key's verifier.
fn sign(verifier: &str, payload: &str) -> String {
    hex::encode(hmac_sha256(
        verifier.as_bytes(),
        &[CONTEXT, payload.as_bytes()].concat(),
    ))
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut padded = [0u8; BLOCK];
    if key.len() > BLOCK {
        padded[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        padded[..key.len()].copy_from_slice(key);
    }
    let inner = Sha256::new()
        .chain_update(padded.map(|b| b ^ 0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(padded.map(|b| b ^ 0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mac_is_hmac_sha256_as_rfc_4231_tests_it() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let long_key = [0xaa; 131];
        let mac = hmac_sha256(
            &long_key,
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            hex::encode(mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn tokens_read_back_only_when_every_part_has_its_form() {
        let mac = "ab".repeat(32);
        let token = format!("0a1b.42.{}.1800000600.{mac}", "c".repeat(32));
        let link = Link::parse(&token).unwrap_or_else(|| panic!("{token} reads"));
        assert_eq!(
            (link.key_id, link.action_id, link.expires),
            ("0a1b", 42, 1_800_000_600)
        );
        assert!(Link::parse(&token.replace(".42.", ".x.")).is_none());
        assert!(Link::parse(&format!("{token}0")).is_none());
        assert!(Link::parse("0a1b.42").is_none());
    }

    #[test]
    fn links_never_hold_download_before_their_path() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("ward.example:8080"));
        assert_eq!(origin(&headers), "http://ward.example:8080");
        headers.insert(header::HOST, HeaderValue::from_static("download.example"));
        assert_eq!(origin(&headers), "");
    }
}
