//! A server of its own for each test (private data directory, frozen clock, an administrator)
//! and the calls tests make to it, as users and as agents.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;
use ward::api::people::Role;
use ward::sandbox::RunResult;
use ward::server::{AppState, Clock, Config, add_user, new_enrollment_secret, router};

use super::fixtures::encode;
pub use super::fixtures::{CODE, manifest, run_result, sha256};

/// The frozen clock's start, Unix seconds.
pub const T0: i64 = 1_800_000_000;
pub const DAY: i64 = 24 * 60 * 60;

pub struct TestServer {
    pub state: AppState,
    pub router: Router,
    pub admin: String,
    pub secret: String,
    /// Removed with the server.
    pub dir: tempfile::TempDir,
}

#[derive(Debug, Clone)]
pub struct TestAgent {
    pub id: String,
    pub token: String,
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub bytes: Bytes,
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::with(|_| {}).await
    }

    pub async fn with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::Builder::new()
            .prefix("ward-server-test-")
            .tempdir()
            .expect("a temporary directory");
        let mut config = Config::new(dir.path().join("data"));
        config.test_clock = true;
        adjust(&mut config);
        let state = AppState::open(config, Clock::frozen(T0), None)
            .await
            .expect("the server opens its data directory");
        let admin = add_user(state.db(), "admin", Role::Administrator, T0)
            .await
            .expect("the first administrator is added")
            .api_key;
        let secret = new_enrollment_secret(state.db(), T0)
            .await
            .expect("a secret");
        TestServer {
            router: router(state.clone()),
            state,
            admin,
            secret,
            dir,
        }
    }

    /// The API key of a new user with `role`.
    pub async fn key(&self, role: Role) -> String {
        let name = format!("{role:?}-{}", uuid::Uuid::new_v4().simple());
        add_user(self.state.db(), &name, role, T0)
            .await
            .expect("a user")
            .api_key
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the body reads");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            bytes,
        }
    }

    /// `method` on `/api/v1{path}` with `key` as bearer credential and `body` as JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        self.send(request(method, path, key, body)).await
    }

    pub async fn get(&self, path: &str, key: &str) -> Reply {
        self.call("GET", path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> Reply {
        self.call("POST", path, Some(key), Some(body)).await
    }

    pub async fn enroll(&self, name: &str, platform: &str) -> TestAgent {
        let body = json!({"secret": self.secret, "name": name, "platform": platform,
                          "ip": "10.0.0.7", "tags": ["lab"]});
        let reply = self.call("POST", "/agent/enroll", None, Some(body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        TestAgent {
            id: reply.body["endpoint_id"]
                .as_str()
                .expect("an id")
                .to_owned(),
            token: reply.body["token"].as_str().expect("a token").to_owned(),
        }
    }

    /// Uploads a script as the administrator; returns its uid.
    pub async fn upload(&self, code: &str, manifest: Value) -> String {
        let reply = self
            .post(
                "/scripts",
                &self.admin,
                json!({"code": code, "manifest": manifest}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.body["script_uid"].as_str().expect("a uid").to_owned()
    }

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

impl TestAgent {
    pub async fn poll(&self, server: &TestServer) -> Value {
        let reply = server
            .call("GET", "/agent/jobs?wait=0", Some(&self.token), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        reply.body
    }

    /// Polls and returns the one job handed over.
    pub async fn pull_one(&self, server: &TestServer) -> Value {
        let poll = self.poll(server).await;
        let jobs = poll["jobs"].as_array().cloned().unwrap_or_default();
        assert_eq!(jobs.len(), 1, "{poll}");
        jobs[0].clone()
    }

    pub async fn report(
        &self,
        server: &TestServer,
        job_id: &str,
        status: &str,
        reason: Option<&str>,
    ) -> Reply {
        let path = format!("/agent/jobs/{job_id}/status");
        let body = json!({"status": status, "reason": reason});
        server
            .call("POST", &path, Some(&self.token), Some(body))
            .await
    }

    pub async fn result(&self, server: &TestServer, job_id: &str, result: &RunResult) -> Reply {
        let path = format!("/agent/jobs/{job_id}/result");
        let body = json!({"result": result, "failed_files": []});
        server
            .call("PUT", &path, Some(&self.token), Some(body))
            .await
    }

    pub async fn upload(
        &self,
        server: &TestServer,
        job_id: &str,
        path: &str,
        sha256: &str,
        content: &[u8],
    ) -> Reply {
        let uri = format!(
            "/agent/jobs/{job_id}/files?path={}&sha256={sha256}",
            encode(path)
        );
        let req = request("PUT", &uri, Some(&self.token), Body::from(content.to_vec()));
        server.send(req).await
    }
}

pub fn request(method: &str, path: &str, key: Option<&str>, body: Body) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"))
        .header("content-type", "application/json");
    if let Some(key) = key {
        builder = builder.header("authorization", format!("Bearer {key}"));
    }
    builder.body(body).expect("a valid request")
}
