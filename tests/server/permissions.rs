//! The permission matrix of ward's own API (`/api/v1`): every route of `router()` in
//! `src/server/mod.rs` is a row of [`ROWS`], called without a credential, with forged ones, with
//! an agent token in place of a user key (and every role's user key in place of an agent
//! token), and as every role, each answer checked for its exact status; every refusal in
//! ward's error shape. `matrix` checks that the rows name every route the router serves, makes
//! each row's requests (`matrix::calls`), and holds the console API's matrix.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::json;
use ward::api::people::Role;

use super::matrix::calls::{Fixture, Target};
use super::matrix::short;
use super::support::{Seen, TestServer, request};

pub const ROLES: [Role; 5] = [
    Role::Administrator,
    Role::Responder,
    Role::Analyst,
    Role::Viewer,
    Role::Suspended,
];
/// The roles granted `view_scripts_and_results`.
pub const VIEW: &[Role] = &[
    Role::Administrator,
    Role::Responder,
    Role::Analyst,
    Role::Viewer,
];
pub const RUN_STANDARD: &[Role] = &[Role::Administrator, Role::Responder, Role::Analyst];
pub const RUN_HIGH_RISK: &[Role] = &[Role::Administrator, Role::Responder];
/// Script configuration, snippets (which also need high risk) and administration.
pub const ADMIN: &[Role] = &[Role::Administrator];

/// Who a route lets in.
#[derive(Clone, Copy)]
enum Gate {
    Open,
    Users(&'static [Role]),
    /// Any enrolled agent, for itself.
    Agent,
    /// Only the agent the job was given to; another agent gets 404.
    JobAgent,
    /// The enrollment secret in the body; headers are not looked at.
    Enrollment,
}

/// One route: its method and path as `router()` spells them, how it is called, who it lets in
/// and what they get.
pub struct Row {
    pub method: &'static str,
    pub route: &'static str,
    target: Target,
    gate: Gate,
    success: StatusCode,
}

const fn row(m: &'static str, r: &'static str, t: Target, g: Gate, s: StatusCode) -> Row {
    Row {
        method: m,
        route: r,
        target: t,
        gate: g,
        success: s,
    }
}

use Gate::{Agent, Enrollment, JobAgent, Open, Users};
use StatusCode as S;
use Target::*;

/// Every route of `router()` (`src/server/mod.rs`); `POST /actions` once per kind of run, and
/// stopping or rerunning an action once per kind of action it is.
#[rustfmt::skip]
pub const ROWS: [Row; 35] = [
    row("GET", "/health", Fixed("/health"), Open, S::OK),
    row("POST", "/users", NewUser, Users(ADMIN), S::CREATED),
    row("GET", "/scripts", Fixed("/scripts"), Users(VIEW), S::OK),
    row("POST", "/scripts", NewScript, Users(ADMIN), S::CREATED),
    row("GET", "/scripts/{uid}", Script(""), Users(VIEW), S::OK),
    row("PUT", "/scripts/{uid}", EditScript, Users(ADMIN), S::OK),
    row("DELETE", "/scripts/{uid}", DeleteScript, Users(ADMIN), S::NO_CONTENT),
    row("GET", "/scripts/{uid}/code", Script("/code"), Users(VIEW), S::OK),
    row("GET", "/endpoints", Fixed("/endpoints"), Users(VIEW), S::OK),
    row("POST", "/actions", Run("standard"), Users(RUN_STANDARD), S::CREATED),
    row("POST", "/actions", Run("high risk"), Users(RUN_HIGH_RISK), S::CREATED),
    row("POST", "/actions", Run("snippet"), Users(ADMIN), S::CREATED),
    row("GET", "/actions/{id}", Action(""), Users(VIEW), S::OK),
    row("GET", "/actions/{id}/results", Action("/results"), Users(VIEW), S::OK),
    row("GET", "/actions/{id}/results.tsv", Action("/results.tsv"), Users(VIEW), S::OK),
    row("GET", "/actions/{id}/events", Action("/events"), Users(VIEW), S::OK),
    row("GET", "/actions/{id}/aggregate", Action("/aggregate"), Users(VIEW), S::OK),
    row("POST", "/actions/{id}/cancel", Action("/cancel"), Users(RUN_STANDARD), S::OK),
    row("POST", "/actions/{id}/abort", Action("/abort"), Users(RUN_STANDARD), S::OK),
    row("POST", "/actions/{id}/rerun", Action("/rerun"), Users(RUN_STANDARD), S::CREATED),
    row("POST", "/actions/{id}/cancel", RiskyAction("/cancel"), Users(RUN_HIGH_RISK), S::OK),
    row("POST", "/actions/{id}/abort", RiskyAction("/abort"), Users(RUN_HIGH_RISK), S::OK),
    row("POST", "/actions/{id}/rerun", RiskyAction("/rerun"), Users(RUN_HIGH_RISK), S::CREATED),
    row("POST", "/actions/{id}/cancel", SnippetAction("/cancel"), Users(ADMIN), S::OK),
    row("POST", "/actions/{id}/abort", SnippetAction("/abort"), Users(ADMIN), S::OK),
    row("POST", "/actions/{id}/rerun", SnippetAction("/rerun"), Users(ADMIN), S::CREATED),
    row("GET", "/actions/{id}/files", Action("/files"), Users(VIEW), S::OK),
    row("GET", "/actions/{id}/endpoints/{endpoint_id}/files", EndpointFiles, Users(VIEW), S::OK),
    row("POST", "/agent/enroll", Enroll, Enrollment, S::CREATED),
    row("GET", "/agent/jobs", Poll, Agent, S::OK),
    row("POST", "/agent/jobs/{job_id}/status", JobStatus, JobAgent, S::NO_CONTENT),
    row("PUT", "/agent/jobs/{job_id}/result", JobResult, JobAgent, S::OK),
    row("PUT", "/agent/jobs/{job_id}/files", JobFile, JobAgent, S::CREATED),
    row("POST", "/agent/disable", Disable, Agent, S::NO_CONTENT),
    row("POST", "/test/clock", Clock, Users(ADMIN), S::OK),
];

/// Who sends one request.
#[derive(Debug, Clone)]
enum Caller {
    Nobody,
    Forged(String),
    AgentToken,
    User(Role),
    /// A user key of this role sent to an agent route.
    UserAsAgent(Role),
    OtherAgent,
    OwnAgent,
}

impl Fixture {
    /// Who calls `row`, and the status each one must get.
    async fn callers(&self, row: &Row) -> Vec<(Caller, StatusCode)> {
        let forged = |keys: Vec<String>| keys.into_iter().map(Caller::Forged);
        match row.gate {
            Open => ROLES
                .iter()
                .map(|r| (Caller::User(*r), row.success))
                .chain([
                    (Caller::Nobody, row.success),
                    (Caller::AgentToken, row.success),
                ])
                .collect(),
            Users(allowed) => {
                let wrong = vec![
                    format!("{}0", self.server.admin),
                    "ward_00_11".into(),
                    "nonsense".into(),
                    String::new(),
                ];
                let mut all: Vec<(Caller, StatusCode)> = forged(wrong)
                    .chain([Caller::Nobody, Caller::AgentToken])
                    .map(|c| (c, S::UNAUTHORIZED))
                    .collect();
                all.extend(ROLES.iter().map(|r| {
                    let status = if allowed.contains(r) {
                        row.success
                    } else {
                        S::FORBIDDEN
                    };
                    (Caller::User(*r), status)
                }));
                all
            }
            Agent | JobAgent => {
                let wrong = vec![
                    format!("{}0", self.agent.token),
                    format!("wagent_{}_00", self.agent.id),
                    "nonsense".into(),
                ];
                let mut all: Vec<(Caller, StatusCode)> = forged(wrong)
                    .chain([Caller::Nobody])
                    .chain(ROLES.iter().map(|r| Caller::UserAsAgent(*r)))
                    .map(|c| (c, S::UNAUTHORIZED))
                    .collect();
                if matches!(row.gate, JobAgent) {
                    all.push((Caller::OtherAgent, S::NOT_FOUND));
                }
                all.push((Caller::OwnAgent, row.success));
                all
            }
            Enrollment => [
                Caller::Nobody,
                Caller::AgentToken,
                Caller::User(Role::Suspended),
            ]
            .into_iter()
            .map(|c| (c, row.success))
            .collect(),
        }
    }

    async fn send(&self, row: &Row, caller: &Caller) -> Seen {
        let call = self.prepare(row.target).await;
        let key = match caller {
            Caller::Nobody => None,
            Caller::Forged(key) => Some(key.clone()),
            Caller::AgentToken | Caller::OtherAgent => Some(self.agent.token.clone()),
            Caller::User(role) | Caller::UserAsAgent(role) => Some(self.server.key(*role).await),
            Caller::OwnAgent => call.own.as_ref().map(|a| a.token.clone()),
        };
        let request = request(
            row.method,
            &call.path,
            key.as_deref(),
            Body::from(call.body),
        );
        self.server.fetch(request).await
    }
}

#[tokio::test]
async fn every_route_answers_each_caller_with_its_exact_status() {
    let fixture = Fixture::new().await;
    for row in &ROWS {
        for (caller, expected) in fixture.callers(row).await {
            let seen = fixture.send(row, &caller).await;
            let what = format!("{} {} as {caller:?}", row.method, row.route);
            assert_eq!(
                seen.status,
                expected,
                "{what}: got {} {}",
                seen.status,
                short(&seen.body)
            );
            if !seen.status.is_success() {
                let shaped = seen.body["error"].is_string() && seen.body["hint"].is_string();
                assert!(
                    shaped,
                    "{what}: got {} without ward's error shape: {}",
                    seen.status,
                    short(&seen.body)
                );
            }
        }
    }
}

#[tokio::test]
async fn methods_a_route_does_not_serve_are_405_whoever_asks() {
    let fixture = Fixture::new().await;
    for row in &ROWS {
        let served: Vec<&str> = ROWS
            .iter()
            .filter(|other| other.route == row.route)
            .map(|other| other.method)
            .collect();
        let call = fixture.prepare(row.target).await;
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if served.contains(&method) {
                continue;
            }
            for key in [None, Some(fixture.server.admin.as_str())] {
                let request = request(method, &call.path, key, Body::empty());
                let seen = fixture.server.fetch(request).await;
                let what = format!("{method} {} with key {key:?}", row.route);
                assert_eq!(
                    seen.status,
                    S::METHOD_NOT_ALLOWED,
                    "{what}: {}",
                    short(&seen.body)
                );
            }
        }
    }
}

#[tokio::test]
async fn a_wrong_enrollment_secret_is_refused() {
    let server = TestServer::start().await;
    let body = json!({"secret": "0".repeat(64), "name": "x", "platform": "Linux", "ip": "10.0.0.9", "tags": []});
    let seen = server
        .fetch(request(
            "POST",
            "/agent/enroll",
            Some(&server.admin),
            Body::from(body.to_string()),
        ))
        .await;
    assert_eq!(
        seen.status,
        S::UNAUTHORIZED,
        "POST /agent/enroll with a wrong secret: {}",
        seen.body
    );
}

#[tokio::test]
async fn a_key_sent_without_the_bearer_scheme_is_refused() {
    let server = TestServer::start().await;
    let request = axum::http::Request::builder()
        .uri("/api/v1/scripts")
        .header("authorization", server.admin.clone())
        .body(Body::empty())
        .unwrap();
    assert_eq!(server.send(request).await.status, StatusCode::UNAUTHORIZED);
}
