//! How each row of the ward API's matrix (`permissions`) is called: the server, endpoint,
//! scripts and actions the routes act on, and a fresh request per call, with new scripts to
//! delete, new agents to disable and new jobs to report on, so that every caller meets the
//! same state.

use serde_json::{Value, json};
use ward::status::Status;

use super::super::support::{CODE, TestAgent, TestServer, manifest, run_result, sha256};

use Target::*;

/// How a fresh request to a row is made.
#[derive(Clone, Copy)]
pub enum Target {
    Fixed(&'static str),
    NewUser,
    Script(&'static str),
    NewScript,
    EditScript,
    DeleteScript,
    Run(&'static str),
    Action(&'static str),
    RiskyAction(&'static str),
    SnippetAction(&'static str),
    EndpointFiles,
    Enroll,
    Poll,
    JobStatus,
    JobResult,
    JobFile,
    Disable,
    Clock,
}

/// What the routes act on.
pub struct Fixture {
    pub server: TestServer,
    /// The endpoint the fixture's actions run on.
    pub agent: TestAgent,
    pub script: String,
    pub risky: String,
    pub editable: String,
    /// Actions of the standard script, the high-risk one and a snippet.
    pub action: i64,
    pub risky_action: i64,
    pub snippet_action: i64,
}

/// A request made for one call: the path under `/api/v1`, the body, and the agent whose token
/// is its own (for agent routes).
pub struct Call {
    pub path: String,
    pub body: Vec<u8>,
    pub own: Option<TestAgent>,
}

impl Fixture {
    pub async fn new() -> Fixture {
        let server = TestServer::start().await;
        let agent = server.enroll("web-1", "Linux").await;
        let upload = |name: &'static str, outcome: &'static str| {
            server.upload(CODE, manifest(name, outcome, "Linux"))
        };
        let script = upload("sized", "Standard").await;
        let risky = upload("risky", "High Risk").await;
        let editable = upload("editable", "Standard").await;
        let mut fixture = Fixture {
            server,
            agent,
            script,
            risky,
            editable,
            action: 0,
            risky_action: 0,
            snippet_action: 0,
        };
        fixture.action = fixture.server.run(fixture.run("standard")).await;
        fixture.risky_action = fixture.server.run(fixture.run("high risk")).await;
        fixture.snippet_action = fixture.server.run(fixture.run("snippet")).await;
        fixture
    }

    /// The body of a run of `kind` on the fixture's endpoint.
    pub fn run(&self, kind: &str) -> Value {
        let targets = json!({"endpoint_ids": [self.agent.id]});
        match kind {
            "standard" => standard(&self.script, &self.agent),
            "high risk" => json!({"script_uid": self.risky,
                                  "parameters": {"path": "/x"}, "targets": targets}),
            _ => json!({"snippet": "print(1)", "targets": targets}),
        }
    }

    pub async fn prepare(&self, target: Target) -> Call {
        let (server, agent, action) = (&self.server, &self.agent, self.action);
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let call = |path: String, body: Value| Call {
            path,
            body: if body.is_null() {
                Vec::new()
            } else {
                body.to_string().into_bytes()
            },
            own: None,
        };
        match target {
            Fixed(path) => call(path.to_owned(), Value::Null),
            NewUser => call("/users".into(), json!({"name": unique, "role": "viewer"})),
            Script(rest) => call(format!("/scripts/{}{rest}", self.script), Value::Null),
            NewScript => {
                let manifest = manifest(&format!("new-{unique}"), "Standard", "Linux");
                call(
                    "/scripts".into(),
                    json!({"code": CODE, "manifest": manifest}),
                )
            }
            EditScript => {
                let manifest = manifest("editable", "Standard", "Linux,Windows");
                let path = format!("/scripts/{}", self.editable);
                call(path, json!({"code": CODE, "manifest": manifest}))
            }
            DeleteScript => {
                let doomed = manifest(&format!("doomed-{unique}"), "Standard", "Linux");
                let uid = server.upload(CODE, doomed).await;
                call(format!("/scripts/{uid}"), Value::Null)
            }
            Run(kind) => call("/actions".into(), self.run(kind)),
            Action(rest) => call(format!("/actions/{action}{rest}"), Value::Null),
            RiskyAction(rest) => call(format!("/actions/{}{rest}", self.risky_action), Value::Null),
            SnippetAction(rest) => call(
                format!("/actions/{}{rest}", self.snippet_action),
                Value::Null,
            ),
            EndpointFiles => call(
                format!("/actions/{action}/endpoints/{}/files", agent.id),
                Value::Null,
            ),
            Enroll => {
                let body = json!({"secret": server.secret, "name": unique,
                                  "platform": "Linux", "ip": "10.0.0.8", "tags": []});
                call("/agent/enroll".into(), body)
            }
            Clock => call("/test/clock".into(), json!({"advance_secs": 0})),
            Poll => {
                self.own(call("/agent/jobs?wait=0".into(), Value::Null))
                    .await
            }
            Disable => {
                self.own(call("/agent/disable".into(), json!({"reason": "policy"})))
                    .await
            }
            JobStatus | JobResult | JobFile => self.job(target).await,
        }
    }

    /// `call` with a new agent of its own.
    async fn own(&self, mut call: Call) -> Call {
        let name = format!("own-{}", uuid::Uuid::new_v4().simple());
        call.own = Some(self.server.enroll(&name, "Linux").await);
        call
    }

    /// A request on a job a new agent pulled.
    async fn job(&self, target: Target) -> Call {
        let own = self
            .own(Call {
                path: String::new(),
                body: Vec::new(),
                own: None,
            })
            .await;
        let agent = own.own.clone().expect("an agent of its own");
        let job = self.server.pulled_job(&self.script, &agent).await;
        let (path, body) = match target {
            JobStatus => (
                format!("/agent/jobs/{job}/status"),
                json!({"status": "In Progress"}).to_string().into_bytes(),
            ),
            JobResult => {
                let result = run_result(Status::CompletedSuccessfully, json!({"size": 1}));
                let body = json!({"result": result, "failed_files": []});
                (
                    format!("/agent/jobs/{job}/result"),
                    body.to_string().into_bytes(),
                )
            }
            _ => (
                format!(
                    "/agent/jobs/{job}/files?path=%2Fetc%2Fhostname&sha256={}",
                    sha256(b"x")
                ),
                b"x".to_vec(),
            ),
        };
        Call {
            path,
            body,
            own: Some(agent),
        }
    }
}

/// A run of the standard `script` on `agent`.
fn standard(script: &str, agent: &TestAgent) -> Value {
    json!({"script_uid": script, "parameters": {"path": "/etc/hostname"},
           "targets": {"endpoint_ids": [agent.id]}})
}
