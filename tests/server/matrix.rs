//! The permission matrix beyond ward's own routes (`permissions` has those, called as
//! `calls` makes them): the console API under `/public_api/v1` (`compat`), its signed download
//! links (`download`), refusals that come before any lookup (`refusals`), and hostile ids and
//! file names on every route that takes one (`traversal`). Here: how the console's headers are
//! made, and the check that the tables name every route `router()` serves, read from the
//! router's source so that a route added without a row fails the suite.

pub mod calls;
mod compat;
mod download;
mod refusals;
mod traversal;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;

use super::permissions::ROWS;
use super::support::{Seen, TestServer, sha256};

/// The router's source, where every route is declared.
const ROUTER: &str = include_str!("../../src/server/mod.rs");
const COMPAT_ROUTER: &str = include_str!("../../src/server/compat/mod.rs");

/// A ward key, `ward_<id>_<secret>`, in its parts.
#[derive(Debug, Clone)]
pub struct Key {
    pub full: String,
    pub id: String,
    pub secret: String,
}

impl Key {
    pub fn parse(full: &str) -> Key {
        let rest = full.strip_prefix("ward_").expect("a ward key");
        let (id, secret) = rest.split_once('_').expect("an id and a secret");
        Key {
            full: full.to_owned(),
            id: id.to_owned(),
            secret: secret.to_owned(),
        }
    }

    /// What the server keeps of the key, and what the advanced scheme hashes.
    pub fn verifier(&self) -> String {
        sha256(self.secret.as_bytes())
    }
}

pub type Headers = Vec<(&'static str, String)>;

/// The console's standard-key headers for `key`.
pub fn standard(key: &Key) -> Headers {
    vec![
        ("x-xdr-auth-id", key.id.clone()),
        ("authorization", key.full.clone()),
    ]
}

/// The console's advanced-key headers for `key` at `now` (Unix seconds).
pub fn advanced(key: &Key, now: i64) -> Headers {
    let nonce = "n".repeat(64);
    let timestamp = (now * 1000).to_string();
    let hash = sha256(format!("{}{nonce}{timestamp}", key.verifier()).as_bytes());
    vec![
        ("x-xdr-auth-id", key.id.clone()),
        ("authorization", hash),
        ("x-xdr-nonce", nonce),
        ("x-xdr-timestamp", timestamp),
    ]
}

/// `method` on `uri` exactly as given, with `headers`.
pub async fn console(
    server: &TestServer,
    method: &str,
    uri: &str,
    headers: &Headers,
    body: Body,
) -> Seen {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    server
        .fetch(builder.body(body).expect("a valid request"))
        .await
}

/// Checks that a refusal has the console's shape and carries its status; `what` names the
/// request and the caller.
pub fn assert_contract_error(seen: &Seen, what: &str) {
    let reply = &seen.body["reply"];
    assert_eq!(
        reply["err_code"].as_u64(),
        Some(u64::from(seen.status.as_u16())),
        "{what}: got {} without the console's error shape: {}",
        seen.status,
        short(&seen.body)
    );
    assert!(
        reply["err_msg"].is_string(),
        "{what}: {}",
        short(&seen.body)
    );
    if seen.status == StatusCode::UNAUTHORIZED {
        assert_eq!(
            reply["err_msg"], "Public API request unauthorized",
            "{what}"
        );
    }
}

/// `body` cut to a length fit for a failure message.
pub fn short(body: &Value) -> String {
    let text = body.to_string();
    text.chars().take(300).collect()
}

/// `METHOD /path` of every route in `code`: each quoted path starting with `/`, with the
/// method routers (`get(`, `post(`...) that follow it up to the next path.
fn declared(code: &str) -> BTreeSet<String> {
    let mut routes = BTreeSet::new();
    let mut path: Option<&str> = None;
    // The pieces alternate between outside and inside quotes.
    let mut inside = false;
    for piece in code.split('"') {
        if inside && piece.starts_with('/') {
            path = Some(piece);
        } else if !inside && let Some(path) = path {
            for method in ["get", "post", "put", "delete", "patch", "any"] {
                let called = piece.match_indices(&format!("{method}(")).any(|(at, _)| {
                    let before = piece[..at].chars().next_back();
                    !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if called {
                    routes.insert(format!("{} {path}", method.to_uppercase()));
                }
            }
        }
        inside = !inside;
    }
    routes
}

/// The part of `code` from `start` to `end`.
fn between<'a>(code: &'a str, start: &str, end: &str) -> &'a str {
    let from = code
        .find(start)
        .expect("the router's source has its start marker");
    let to = code[from..].find(end).expect("and its end marker");
    &code[from..from + to]
}

#[test]
fn every_route_the_router_serves_has_a_row_in_the_matrix() {
    let ward: BTreeSet<String> = ROWS
        .iter()
        .map(|row| format!("{} {}", row.method, row.route))
        .collect();
    let mut console: BTreeSet<String> = compat::ROWS
        .iter()
        .map(|row| format!("POST {}", row.call))
        .collect();
    console.extend([download::ROUTE, compat::UNKNOWN[0], compat::UNKNOWN[1]].map(str::to_owned));

    let tables = [
        ("/api/v1", between(ROUTER, "let mut api", ".nest("), ward),
        (
            "/public_api/v1",
            between(COMPAT_ROUTER, "let calls", ".layer("),
            console,
        ),
    ];
    for (api, code, rows) in tables {
        let served = declared(code);
        let missing: Vec<_> = served.difference(&rows).collect();
        let extra: Vec<_> = rows.difference(&served).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{api}: routes without a row: {missing:?}; rows without a route: {extra:?}"
        );
    }
}
