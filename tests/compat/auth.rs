//! The console's two key schemes mapped onto ward's keys, and every refusal in the console's
//! error shape: a wrong hash, a stale timestamp, an unknown key id, a missing permission.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Value, json};
use ward::api::people::Role;

use super::support::{Reply, Scheme, Server, T0, nonce, sha256};

const UNAUTHORIZED: &str = "Public API request unauthorized";

fn assert_unauthorized(reply: &Reply, extra: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{:?}", reply.body);
    assert_eq!(reply.body["reply"]["err_code"], 401, "{}", reply.body);
    assert_eq!(reply.body["reply"]["err_msg"], UNAUTHORIZED);
    let said = reply.body["reply"]["err_extra"].as_str().unwrap_or("");
    assert!(said.contains(extra), "`{said}` does not say `{extra}`");
}

async fn list(server: &Server, headers: &[(&str, String)]) -> Reply {
    let console = server.console_with(headers);
    console
        .call("/scripts/get_scripts/", json!({"filters": []}))
        .await
}

#[tokio::test]
async fn the_standard_scheme_takes_the_full_key_its_secret_or_its_verifier() {
    let server = Server::start().await;
    let key = &server.admin;
    for authorization in [key.full.clone(), key.secret.clone(), key.verifier()] {
        let reply = list(
            &server,
            &[
                ("x-xdr-auth-id", key.id.clone()),
                ("authorization", authorization),
            ],
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        assert!(reply.body["reply"]["scripts"].is_array());
    }
}

#[tokio::test]
async fn the_advanced_scheme_hashes_the_verifier_nonce_and_timestamp() {
    let server = Server::start().await;
    let console = server.console(&server.admin, Scheme::Advanced);
    let reply = console
        .call("/scripts/get_scripts/", json!({"filters": []}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);

    // Hashing the full key instead of its verifier is not the mapping ward documents.
    let (nonce, timestamp) = (nonce(), (T0 * 1000).to_string());
    let hash = sha256(format!("{}{nonce}{timestamp}", server.admin.full).as_bytes());
    let reply = list(
        &server,
        &[
            ("x-xdr-auth-id", server.admin.id.clone()),
            ("authorization", hash),
            ("x-xdr-nonce", nonce),
            ("x-xdr-timestamp", timestamp),
        ],
    )
    .await;
    assert_unauthorized(&reply, "hash");
}

#[tokio::test]
async fn a_wrong_hash_is_refused_in_the_console_error_shape() {
    let server = Server::start().await;
    let mut console = server.console(&server.admin, Scheme::Advanced);
    console.headers[1].1 = sha256(b"not the right thing");
    let reply = console
        .call("/scripts/get_scripts", json!({"filters": []}))
        .await;
    assert_unauthorized(&reply, "does not match");

    // The same hash with another nonce than it was made with is wrong too.
    let mut console = server.console(&server.admin, Scheme::Advanced);
    console.headers[2].1 = nonce();
    let reply = console
        .call("/scripts/get_scripts", json!({"filters": []}))
        .await;
    assert_unauthorized(&reply, "does not match");
}

#[tokio::test]
async fn a_stale_or_future_timestamp_is_refused_even_with_a_right_hash() {
    let server = Server::start().await;
    for skew in [-301, 301] {
        let nonce = nonce();
        let timestamp = ((T0 + skew) * 1000).to_string();
        let hash = sha256(format!("{}{nonce}{timestamp}", server.admin.verifier()).as_bytes());
        let reply = list(
            &server,
            &[
                ("x-xdr-auth-id", server.admin.id.clone()),
                ("authorization", hash),
                ("x-xdr-nonce", nonce),
                ("x-xdr-timestamp", timestamp),
            ],
        )
        .await;
        assert_unauthorized(&reply, "301 seconds away");
    }

    // Headers made four minutes ago still work.
    let console = server.console(&server.admin, Scheme::Advanced);
    server
        .state
        .clock()
        .advance(240)
        .expect("the test clock moves");
    let reply = console
        .call("/scripts/get_scripts", json!({"filters": []}))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
}

#[tokio::test]
async fn a_nonce_reused_within_one_run_is_accepted() {
    let server = Server::start().await;
    let console = server.console(&server.admin, Scheme::Advanced);
    for _ in 0..3 {
        let reply = console
            .call("/scripts/get_scripts/", json!({"filters": []}))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    }
}

#[tokio::test]
async fn the_standard_scheme_ignores_a_stale_nonce_and_timestamp() {
    // The console's client in "prevent only" mode sends the raw key with both headers.
    let server = Server::start().await;
    let reply = list(
        &server,
        &[
            ("x-xdr-auth-id", server.admin.id.clone()),
            ("authorization", server.admin.full.clone()),
            ("x-xdr-nonce", nonce()),
            ("x-xdr-timestamp", "1000".to_owned()),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
}

#[tokio::test]
async fn missing_headers_and_unknown_or_mismatched_key_ids_are_refused() {
    let server = Server::start().await;
    let key = &server.admin;
    let other = server.key(Role::Viewer).await;
    let cases: [(Vec<(&str, String)>, &str); 4] = [
        (vec![("authorization", key.full.clone())], "x-xdr-auth-id"),
        (vec![("x-xdr-auth-id", key.id.clone())], "Authorization"),
        (
            vec![
                ("x-xdr-auth-id", "00ff00ff".into()),
                ("authorization", key.full.clone()),
            ],
            "not known",
        ),
        (
            vec![
                ("x-xdr-auth-id", other.id.clone()),
                ("authorization", key.full.clone()),
            ],
            "does not match",
        ),
    ];
    for (headers, extra) in cases {
        assert_unauthorized(&list(&server, &headers).await, extra);
    }
}

#[tokio::test]
async fn a_role_without_the_permission_is_refused_with_403_in_the_console_shape() {
    let server = Server::start().await;
    let viewer = server.key(Role::Viewer).await;
    let console = server.console(&viewer, Scheme::Advanced);
    let run = json!({"script_uid": server.upload("sized").await, "timeout": 600,
                     "filters": [{"field": "endpoint_id_list", "operator": "in", "value": ["x"]}],
                     "parameters_values": {"path": "/"}});
    let reply = console.call("/scripts/run_script/", run).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{:?}", reply.body);
    assert_eq!(reply.body["reply"]["err_code"], 403);
    let message = reply.body["reply"]["err_msg"].as_str().unwrap_or("");
    assert!(message.contains("run_standard_scripts"), "{message}");
}

#[tokio::test]
async fn unknown_calls_and_wrong_methods_answer_in_the_console_shape() {
    let server = Server::start().await;
    let console = server.console(&server.admin, Scheme::Standard);
    let reply = console.call("/scripts/no_such_call", json!({})).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["reply"]["err_code"], 404, "{}", reply.body);

    let reply = console
        .send("GET", "/public_api/v1/scripts/get_scripts/", Body::empty())
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.body["reply"]["err_code"], 405, "{}", reply.body);

    let reply = console
        .send(
            "POST",
            "/public_api/v1/scripts/get_scripts",
            Body::from("{}"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let message = reply.body["reply"]["err_msg"].as_str().unwrap_or("");
    assert!(message.contains("request_data"), "{message}");
    assert_ne!(reply.body["reply"]["err_extra"], Value::Null);
}
