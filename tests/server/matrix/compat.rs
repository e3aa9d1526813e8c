//! The console API's matrix: every call of `compat::router()`, with and without its trailing
//! slash, called without headers, with forged ones, with ward's own bearer scheme, with an
//! agent token, with a stale advanced hash, and as every role with both key schemes; every
//! refusal in the console's error shape with its exact status.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Value, json};
use ward::api::people::Role;

use super::super::permissions::{ADMIN, ROLES, RUN_HIGH_RISK, RUN_STANDARD, VIEW};
use super::super::support::{CODE, TestAgent, TestServer, manifest};
use super::{Headers, Key, advanced, assert_contract_error, console, short, standard};

/// How a call's `request_data` is made.
#[derive(Clone, Copy)]
enum Data {
    Empty,
    Script,
    Run,
    RunRisky,
    Snippet,
    Action(&'static str),
    Files,
}

/// One call of the console API, as `compat::router()` spells it under `/public_api/v1`.
pub struct Row {
    pub call: &'static str,
    data: Data,
    allowed: &'static [Role],
}

const fn row(call: &'static str, data: Data, allowed: &'static [Role]) -> Row {
    Row {
        call,
        data,
        allowed,
    }
}

/// The catch-all routes: any method on any other path under `/public_api` is 404.
pub const UNKNOWN: [&str; 2] = ["ANY /public_api", "ANY /public_api/{*rest}"];

/// Every call of `compat::router()` (`src/server/compat/mod.rs`) but the download.
#[rustfmt::skip]
pub const ROWS: [Row; 10] = [
    row("/scripts/get_scripts", Data::Empty, VIEW),
    row("/scripts/get_script_metadata", Data::Script, VIEW),
    row("/scripts/get_script_code", Data::Script, VIEW),
    row("/scripts/run_script", Data::Run, RUN_STANDARD),
    row("/scripts/run_script", Data::RunRisky, RUN_HIGH_RISK),
    row("/scripts/run_snippet_code_script", Data::Snippet, ADMIN),
    row("/scripts/get_script_execution_status", Data::Action("action_id"), VIEW),
    row("/scripts/get_script_execution_results", Data::Action("action_id"), VIEW),
    row("/scripts/get_script_execution_results_files", Data::Files, VIEW),
    row("/actions/get_action_status", Data::Action("group_action_id"), VIEW),
];

struct Fixture {
    server: TestServer,
    agent: TestAgent,
    script: String,
    risky: String,
    action: i64,
}

impl Fixture {
    fn data(&self, data: Data) -> Value {
        let filters = json!([{"field": "endpoint_id_list", "operator": "in",
                               "value": [self.agent.id]}]);
        match data {
            Data::Empty => json!({}),
            Data::Script => json!({"script_uid": self.script}),
            Data::Run => json!({"script_uid": self.script, "filters": filters,
                                "parameters_values": {"path": "/etc/hostname"}}),
            Data::RunRisky => json!({"script_uid": self.risky, "filters": filters,
                                     "parameters_values": {"path": "/x"}}),
            Data::Snippet => json!({"snippet_code": "print(1)", "filters": filters}),
            Data::Action(field) => json!({ field: self.action }),
            Data::Files => json!({"action_id": self.action, "endpoint_id": self.agent.id}),
        }
    }

    /// Who calls, and what each gets: forged callers first, then every role by both schemes.
    async fn callers(&self, allowed: &[Role]) -> Vec<(String, Headers, StatusCode)> {
        let admin = Key::parse(&self.server.admin);
        let now = self.server.state.now();
        let refused = |h: Vec<(&'static str, &str)>| {
            h.into_iter()
                .map(|(n, v)| (n, v.to_owned()))
                .collect::<Headers>()
        };
        let wrong_secret = format!("ward_{}_00", admin.id);
        let bearer = format!("Bearer {}", admin.full);
        let stale = advanced(&admin, now - 10 * 60);
        let mut all: Vec<(String, Headers, StatusCode)> = [
            ("no headers", Vec::new()),
            (
                "only the key id",
                refused(vec![("x-xdr-auth-id", &admin.id)]),
            ),
            (
                "an unknown key id",
                refused(vec![
                    ("x-xdr-auth-id", "00ff"),
                    ("authorization", &admin.full),
                ]),
            ),
            (
                "a wrong secret",
                refused(vec![
                    ("x-xdr-auth-id", &admin.id),
                    ("authorization", &wrong_secret),
                ]),
            ),
            (
                "ward's bearer scheme",
                refused(vec![("authorization", &bearer)]),
            ),
            (
                "an agent token",
                refused(vec![
                    ("x-xdr-auth-id", &self.agent.id),
                    ("authorization", &self.agent.token),
                ]),
            ),
            ("a stale advanced hash", stale),
        ]
        .into_iter()
        .map(|(who, headers)| (who.to_owned(), headers, StatusCode::UNAUTHORIZED))
        .collect();
        for role in ROLES {
            let key = Key::parse(&self.server.key(role).await);
            let status = if allowed.contains(&role) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            all.push((format!("{role:?} (standard key)"), standard(&key), status));
            all.push((
                format!("{role:?} (advanced key)"),
                advanced(&key, now),
                status,
            ));
        }
        all
    }
}

#[tokio::test]
async fn every_console_call_answers_each_caller_in_the_contracts_shape() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let script = server
        .upload(CODE, manifest("sized", "Standard", "Linux"))
        .await;
    let risky = server
        .upload(CODE, manifest("risky", "High Risk", "Linux"))
        .await;
    let action = server
        .run(
            json!({"script_uid": script, "parameters": {"path": "/etc/hostname"},
                    "targets": {"endpoint_ids": [agent.id]}}),
        )
        .await;
    let fixture = Fixture {
        server,
        agent,
        script,
        risky,
        action,
    };

    for row in &ROWS {
        let body = json!({"request_data": fixture.data(row.data)}).to_string();
        for (who, headers, expected) in fixture.callers(row.allowed).await {
            for slash in ["", "/"] {
                let uri = format!("/public_api/v1{}{slash}", row.call);
                let seen = console(
                    &fixture.server,
                    "POST",
                    &uri,
                    &headers,
                    Body::from(body.clone()),
                )
                .await;
                let what = format!("POST {uri} with {who}");
                assert_eq!(
                    seen.status,
                    expected,
                    "{what}: got {} {}",
                    seen.status,
                    short(&seen.body)
                );
                if expected.is_success() {
                    let reply = &seen.body["reply"];
                    assert!(
                        !reply.is_null() && reply.get("err_code").is_none(),
                        "{what}: {}",
                        short(&seen.body)
                    );
                } else {
                    assert_contract_error(&seen, &what);
                }
            }
        }
    }
}

#[tokio::test]
async fn calls_the_console_api_does_not_have_are_404_whoever_asks() {
    let server = TestServer::start().await;
    let admin = standard(&Key::parse(&server.admin));
    for (method, uri) in [
        ("GET", "/public_api"),
        ("POST", "/public_api/v1/scripts/delete_script"),
        ("GET", "/public_api/v1/scripts/get_scripts"),
        ("DELETE", "/public_api/v1/download/x"),
        ("PUT", "/public_api/v2/anything/at/all"),
    ] {
        for (who, headers) in [
            ("no headers", Vec::new()),
            ("the administrator", admin.clone()),
        ] {
            let seen = console(&server, method, uri, &headers, Body::empty()).await;
            let what = format!("{method} {uri} with {who}");
            let refused = [StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED];
            assert!(
                refused.contains(&seen.status),
                "{what}: got {} {}",
                seen.status,
                short(&seen.body)
            );
            assert_contract_error(&seen, &what);
        }
    }
}
