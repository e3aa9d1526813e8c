//! The server suite's names for the shared in-process server (`crate::common::server`), and
//! the calls on it that only this suite makes: built-in scripts, actions and their statuses,
//! and moving the test clock. They extend the shared type itself so that tests can still build a
//! `TestServer` from its fields.

use axum::http::StatusCode;
use serde_json::Value;

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
