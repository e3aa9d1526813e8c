//! The download route's matrix: a signed link works on its own and with any valid console
//! headers, forged headers or a forged, altered or expired link are 401, and the role of the
//! key that signed the link is checked again when it is used (a suspended key's link is 403).
//! Links are asked for as each role; the suspended key, which cannot ask, gets one signed here
//! the way the server signs them, checked first against a link the server made.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};
use ward::api::people::Role;

use super::super::permissions::VIEW;
use super::super::support::{CODE, TestServer, manifest};
use super::{Headers, Key, advanced, assert_contract_error, console, short, standard};

/// The route, as `compat::router()` spells it.
pub const ROUTE: &str = "GET /download/{token}";

/// How long a link works, in seconds.
const LINK_SECS: i64 = 10 * 60;

/// The link path for `key` to the files of `endpoint` in `action`, valid until `expires`.
fn signed(key: &Key, action: i64, endpoint: &str, expires: i64) -> String {
    let payload = format!("{}.{action}.{endpoint}.{expires}", key.id);
    let message = [
        b"ward public_api download link\0".as_slice(),
        payload.as_bytes(),
    ]
    .concat();
    let mac = hmac_sha256(key.verifier().as_bytes(), &message);
    format!("/public_api/v1/download/{payload}.{}", hex::encode(mac))
}

/// HMAC-SHA256 for keys of at most one block, as verifiers are.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut padded = [0u8; 64];
    padded[..key.len()].copy_from_slice(key);
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

#[tokio::test]
async fn download_links_are_checked_again_whoever_uses_them() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let script = server
        .upload(CODE, manifest("sized", "Standard", "Linux"))
        .await;
    let action = server
        .run(
            json!({"script_uid": script, "parameters": {"path": "/etc/hostname"},
                    "targets": {"endpoint_ids": [agent.id]}}),
        )
        .await;
    let now = server.state.now();
    let forged: Headers = vec![
        ("x-xdr-auth-id", Key::parse(&server.admin).id),
        ("authorization", "ward_00_11".to_owned()),
    ];
    let get = |uri: String, headers: Headers| {
        let server = &server;
        async move {
            (
                console(server, "GET", &uri, &headers, Body::empty()).await,
                uri,
            )
        }
    };

    for role in VIEW {
        let key = Key::parse(&server.key(*role).await);
        let data = json!({"request_data": {"action_id": action, "endpoint_id": agent.id}});
        let uri = "/public_api/v1/scripts/get_script_execution_results_files";
        let asked = console(
            &server,
            "POST",
            uri,
            &standard(&key),
            Body::from(data.to_string()),
        )
        .await;
        assert_eq!(
            asked.status,
            StatusCode::OK,
            "{uri} as {role:?}: {}",
            short(&asked.body)
        );
        let link = asked.body["reply"]["DATA"].as_str().unwrap_or_default();
        let path = link[link.find("/public_api").unwrap_or(0)..].to_owned();
        assert_eq!(
            path,
            signed(&key, action, &agent.id, now + LINK_SECS),
            "{role:?}'s link"
        );

        let callers = [
            ("no headers", Vec::new(), StatusCode::OK),
            ("its standard key", standard(&key), StatusCode::OK),
            ("its advanced key", advanced(&key, now), StatusCode::OK),
            ("forged headers", forged.clone(), StatusCode::UNAUTHORIZED),
        ];
        for (who, headers, expected) in callers {
            let (seen, uri) = get(path.clone(), headers).await;
            let what = format!("GET {uri} ({role:?}'s link) with {who}");
            assert_eq!(
                seen.status,
                expected,
                "{what}: got {} {}",
                seen.status,
                short(&seen.body)
            );
            if !expected.is_success() {
                assert_contract_error(&seen, &what);
            }
        }
    }

    let suspended = Key::parse(&server.key(Role::Suspended).await);
    let viewer = Key::parse(&server.key(Role::Viewer).await);
    let unknown = Key {
        id: "00ff".into(),
        ..viewer.clone()
    };
    let valid = signed(&viewer, action, &agent.id, now + 60);
    let cases = [
        (
            "a suspended key's link",
            signed(&suspended, action, &agent.id, now + 60),
            StatusCode::FORBIDDEN,
        ),
        (
            "an expired link",
            signed(&viewer, action, &agent.id, now - 1),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "an unknown key's link",
            signed(&unknown, action, &agent.id, now + 60),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "an altered link",
            valid.replacen(&format!(".{action}."), &format!(".{}.", action + 1), 1),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a link of another action",
            signed(&viewer, action + 1, &agent.id, now + 60),
            StatusCode::NOT_FOUND,
        ),
        (
            "a link to a stranger endpoint",
            signed(&viewer, action, "abcdef", now + 60),
            StatusCode::NOT_FOUND,
        ),
        (
            "no link",
            "/public_api/v1/download/".to_owned(),
            StatusCode::NOT_FOUND,
        ),
        (
            "a token of garbage",
            "/public_api/v1/download/garbage".to_owned(),
            StatusCode::UNAUTHORIZED,
        ),
    ];
    for (who, path, expected) in cases {
        let (seen, uri) = get(path, Vec::new()).await;
        let what = format!("GET {uri} ({who})");
        assert_eq!(
            seen.status,
            expected,
            "{what}: got {} {}",
            seen.status,
            short(&seen.body)
        );
        assert_contract_error(&seen, &what);
    }
}
