//! The in-process server the server, console-compatibility and progress suites all start: a
//! private data directory, a frozen clock, an administrator and an enrollment secret, requests
//! sent straight to `router(state)`, agents simulated over ward's agent API, and the values
//! those requests are built from. Each suite wraps [`Ward`] with what only it needs.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;
use ward::api::people::Role;
use ward::sandbox::{Outcome, RunResult};
use ward::server::{AppState, Clock, Config, add_user, new_enrollment_secret, router};
use ward::status::Status;

/// The frozen clock's start, Unix seconds.
pub const T0: i64 = 1_800_000_000;

/// A Linux script whose entry point `run(path)` returns `{"size": ...}`; see [`manifest`].
pub const CODE: &str = "import os\n\ndef run(path):\n    return {'size': os.stat(path).st_size}\n";

/// A server of its own, opened on a fresh data directory at [`T0`]; the calls it offers are
/// made as the administrator unless they take a key.
pub struct Ward {
    pub state: AppState,
    pub router: Router,
    /// The first administrator's API key.
    pub admin: String,
    pub secret: String,
    /// Removed with the server.
    pub dir: tempfile::TempDir,
}

/// What the server answered; `body` is `Null` when the bytes are not JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: HeaderMap,
    pub bytes: Bytes,
}

/// An enrolled endpoint, driven by the test through the agent API.
#[derive(Debug, Clone)]
pub struct Agent {
    pub id: String,
    pub token: String,
}

impl Ward {
    /// A server with the test clock route on (`Config::test_clock`).
    pub async fn start() -> Ward {
        Ward::with(|_| {}).await
    }

    /// [`Ward::start`] with `adjust` applied to the configuration after the test clock.
    pub async fn with(adjust: impl FnOnce(&mut Config)) -> Ward {
        Ward::open(|config| {
            config.test_clock = true;
            adjust(config);
        })
        .await
    }

    /// A server with `adjust` applied to the configuration as `Config::new` makes it.
    pub async fn open(adjust: impl FnOnce(&mut Config)) -> Ward {
        let dir = tempfile::Builder::new()
            .prefix("ward-server-test-")
            .tempdir()
            .expect("a temporary directory");
        let mut config = Config::new(dir.path().join("data"));
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
        Ward {
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
        let response = self.router.clone().oneshot(request).await;
        let response = response.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the body reads");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            headers,
            bytes,
        }
    }

    /// `method` on `/api/v1{path}` with `key` as bearer credential.
    pub async fn api(&self, method: &str, path: &str, key: Option<&str>, body: Body) -> Reply {
        self.send(request(method, path, key, body)).await
    }

    /// [`Ward::api`] with `body` sent as JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        self.api(method, path, key, body).await
    }

    pub async fn get(&self, path: &str, key: &str) -> Reply {
        self.call("GET", path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> Reply {
        self.call("POST", path, Some(key), Some(body)).await
    }

    /// A new endpoint tagged "lab".
    pub async fn enroll(&self, name: &str, platform: &str) -> Agent {
        self.enroll_tagged(name, platform, &["lab"]).await
    }

    /// Enrolls a new endpoint at 10.0.0.7 with the secret.
    pub async fn enroll_tagged(&self, name: &str, platform: &str, tags: &[&str]) -> Agent {
        let body = json!({"secret": self.secret, "name": name, "platform": platform,
                          "ip": "10.0.0.7", "tags": tags});
        let reply = self.call("POST", "/agent/enroll", None, Some(body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        Agent {
            id: reply.body["endpoint_id"]
                .as_str()
                .expect("an id")
                .to_owned(),
            token: reply.body["token"].as_str().expect("a token").to_owned(),
        }
    }

    /// Uploads a script as the administrator; returns its uid.
    pub async fn upload(&self, code: &str, manifest: Value) -> String {
        let body = json!({"code": code, "manifest": manifest});
        let reply = self.post("/scripts", &self.admin, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.body["script_uid"].as_str().expect("a uid").to_owned()
    }
}

impl Agent {
    pub async fn poll(&self, ward: &Ward) -> Value {
        let reply = ward
            .call("GET", "/agent/jobs?wait=0", Some(&self.token), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        reply.body
    }

    /// Polls and returns the one job handed over.
    pub async fn pull_one(&self, ward: &Ward) -> Value {
        let poll = self.poll(ward).await;
        let jobs = poll["jobs"].as_array().cloned().unwrap_or_default();
        assert_eq!(jobs.len(), 1, "{poll}");
        jobs[0].clone()
    }

    pub async fn report(
        &self,
        ward: &Ward,
        job_id: &str,
        status: &str,
        reason: Option<&str>,
    ) -> Reply {
        let path = format!("/agent/jobs/{job_id}/status");
        let body = json!({"status": status, "reason": reason});
        ward.call("POST", &path, Some(&self.token), Some(body))
            .await
    }

    pub async fn result(&self, ward: &Ward, job_id: &str, result: &RunResult) -> Reply {
        let path = format!("/agent/jobs/{job_id}/result");
        let body = json!({"result": result, "failed_files": []});
        ward.call("PUT", &path, Some(&self.token), Some(body)).await
    }

    pub async fn upload(
        &self,
        ward: &Ward,
        job_id: &str,
        path: &str,
        sha256: &str,
        content: &[u8],
    ) -> Reply {
        let uri = format!(
            "/agent/jobs/{job_id}/files?path={}&sha256={sha256}",
            encode(path)
        );
        let body = Body::from(content.to_vec());
        ward.api("PUT", &uri, Some(&self.token), body).await
    }
}

/// `method` on `/api/v1{path}` as JSON, with `key` as bearer credential.
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

/// A run that ended with `status` and returned `value`, printing "hello".
pub fn run_result(status: Status, value: Value) -> RunResult {
    RunResult {
        run_id: "test-run".into(),
        status,
        outcome: Outcome::Exited { code: 0 },
        error: (status != Status::CompletedSuccessfully).then(|| format!("the run ended {status}")),
        return_value: value,
        exception: None,
        exit_code: Some(0),
        stdout: "hello\n".into(),
        stdout_truncated: false,
        stderr: String::new(),
        stderr_truncated: false,
        files_to_get: Vec::new(),
        duration_ms: 5,
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Percent-encodes everything but letters and digits, for query strings.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A one-line manifest for an entry point `run(path)` returning a dictionary, as [`CODE`] has.
pub fn manifest(name: &str, outcome: &str, platform: &str) -> Value {
    json!({
        "name": name, "description": "A test script.", "outcome": outcome,
        "platform": platform, "timeout": 60, "entry_point": "run",
        "entry_point_definition": {
            "input_params": [{"name": "path", "type": "string"}],
            "output_params": {"type": "JSON", "value": [
                {"name": "size", "friendly_name": "Size", "type": "number"}
            ]}
        }
    })
}
