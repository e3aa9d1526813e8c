//! The server suite's names for the shared in-process server (`crate::common::server`), and
//! the calls on it that only this suite makes: built-in scripts, actions and their statuses,
//! moving the test clock, and the requests of the permission matrix. They extend the shared
//! type itself so that tests can still build a `TestServer` from its fields.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;

pub use crate::common::server::Agent as TestAgent;
pub use crate::common::server::Ward as TestServer;
pub use crate::common::server::{CODE, T0, manifest, request, run_result, sha256};

pub const DAY: i64 = 24 * 60 * 60;

impl TestServer {
    /// The uid of the built-in `name`.
    pub async fn builtin(&self, name: &str) -> String {
        let list = self.get("/scripts", &self.admin).await.body;
        let script = list
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["name"] == name);
        script.expect("the built-in is listed")["script_uid"]
            .as_str()
            .expect("a uid")
            .to_owned()
    }

    /// Creates an action as the administrator; returns its id.
    pub async fn run(&self, body: Value) -> i64 {
        let reply = self.post("/actions", &self.admin, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.body["action_id"].as_i64().expect("an id")
    }

    /// Each endpoint's status in action `id`, by endpoint id.
    pub async fn statuses(&self, id: i64) -> Vec<(String, String)> {
        let reply = self.get(&format!("/actions/{id}"), &self.admin).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        let endpoints = reply.body["endpoints"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        endpoints
            .iter()
            .map(|e| {
                (
                    e["endpoint_id"].as_str().unwrap_or("").to_owned(),
                    e["status"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    pub async fn status_of(&self, id: i64, agent: &TestAgent) -> String {
        let all = self.statuses(id).await;
        all.into_iter()
            .find(|(e, _)| *e == agent.id)
            .map(|(_, s)| s)
            .expect("the endpoint is in the action")
    }

    pub fn advance(&self, secs: i64) {
        self.state
            .clock()
            .advance(secs)
            .expect("the test clock moves");
    }
}

/// What a matrix request got back.
#[derive(Debug)]
pub struct Seen {
    pub status: StatusCode,
    /// `Null` for an event stream (never read: it lasts as long as the action) or for bytes
    /// that are not JSON.
    pub body: Value,
}

impl TestServer {
    /// Sends `request`, reading the body unless it is an event stream.
    pub async fn fetch(&self, request: Request<Body>) -> Seen {
        let response = self.router.clone().oneshot(request).await;
        let response = response.expect("infallible");
        let status = response.status();
        let stream = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        if stream {
            return Seen {
                status,
                body: Value::Null,
            };
        }
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the body reads");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Seen { status, body }
    }

    /// A job of a new action of `script` on `agent`, pulled by it; returns the job's id.
    pub async fn pulled_job(&self, script: &str, agent: &TestAgent) -> String {
        let body = serde_json::json!({"script_uid": script, "parameters": {"path": "/etc/hostname"},
                                      "targets": {"endpoint_ids": [agent.id]}});
        self.run(body).await;
        let job = agent.pull_one(self).await;
        job["job_id"].as_str().expect("a job id").to_owned()
    }
}
