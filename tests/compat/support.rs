//! A server of its own for each test (private data directory, frozen clock, an administrator),
//! the console's client as automation drives it (one set of auth headers per command run,
//! reused by every request of that run), and agents simulated over ward's agent API.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;
use ward::api::people::Role;
use ward::sandbox::{Outcome, RunResult};
use ward::server::{AppState, Clock, Config, add_user, new_enrollment_secret, router};
use ward::status::Status;

/// The frozen clock's start, Unix seconds.
pub const T0: i64 = 1_800_000_000;

pub struct Server {
    pub state: AppState,
    pub router: Router,
    pub admin: Key,
    secret: String,
    /// Removed with the server.
    _dir: tempfile::TempDir,
}

/// A ward user key, `ward_<id>_<secret>`, in its parts.
#[derive(Debug, Clone)]
pub struct Key {
    pub full: String,
    pub id: String,
    pub secret: String,
}

/// How the console's client proves its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `Authorization` is the full ward key.
    Standard,
    /// `Authorization` is SHA-256 of the key's verifier, the nonce and the timestamp.
    Advanced,
}

/// One command run of the console's client: its headers, computed once.
pub struct Console<'a> {
    server: &'a Server,
    pub headers: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: axum::http::HeaderMap,
    pub bytes: Bytes,
}

#[derive(Debug, Clone)]
pub struct Agent {
    pub id: String,
    pub token: String,
}

impl Key {
    fn parse(full: String) -> Key {
        let rest = full.strip_prefix("ward_").expect("a ward key");
        let (id, secret) = rest.split_once('_').expect("an id and a secret");
        let (id, secret) = (id.to_owned(), secret.to_owned());
        Key { full, id, secret }
    }

    /// What the server keeps of the key, and what the advanced scheme hashes.
    pub fn verifier(&self) -> String {
        sha256(self.secret.as_bytes())
    }
}

impl Server {
    pub async fn start() -> Server {
        let dir = tempfile::Builder::new()
            .prefix("ward-compat-test-")
            .tempdir()
            .expect("a temporary directory");
        let mut config = Config::new(dir.path().join("data"));
        config.test_clock = true;
        let state = AppState::open(config, Clock::frozen(T0), None)
            .await
            .expect("the server opens its data directory");
        let admin = add_user(state.db(), "admin", Role::Administrator, T0)
            .await
            .expect("the first administrator is added");
        let secret = new_enrollment_secret(state.db(), T0)
            .await
            .expect("a secret");
        Server {
            router: router(state.clone()),
            state,
            admin: Key::parse(admin.api_key),
            secret,
            _dir: dir,
        }
    }

    /// A new user with `role`.
    pub async fn key(&self, role: Role) -> Key {
        let name = format!("{role:?}-{}", uuid::Uuid::new_v4().simple());
        let created = add_user(self.state.db(), &name, role, T0).await;
        Key::parse(created.expect("a user").api_key)
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

    /// A command run of the console's client with `key`, headers made now.
    pub fn console(&self, key: &Key, scheme: Scheme) -> Console<'_> {
        let nonce = nonce();
        let timestamp = (self.state.now() * 1000).to_string();
        let authorization = match scheme {
            Scheme::Standard => key.full.clone(),
            Scheme::Advanced => sha256(format!("{}{nonce}{timestamp}", key.verifier()).as_bytes()),
        };
        self.console_with(&[
            ("x-xdr-auth-id", key.id.clone()),
            ("authorization", authorization),
            ("x-xdr-nonce", nonce),
            ("x-xdr-timestamp", timestamp),
        ])
    }

    /// A command run that sends exactly `headers`.
    pub fn console_with(&self, headers: &[(&str, String)]) -> Console<'_> {
        let headers = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.clone()))
            .collect();
        Console {
            server: self,
            headers,
        }
    }

    /// `method` on ward's own `/api/v1{path}` with `token` as bearer credential.
    pub async fn api(&self, method: &str, path: &str, token: Option<&str>, body: Body) -> Reply {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header("content-type", "application/json");
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        self.send(builder.body(body).expect("a valid request"))
            .await
    }

    /// A new Linux endpoint.
    pub async fn enroll(&self, name: &str) -> Agent {
        self.enroll_as(name, "Linux").await
    }

    pub async fn enroll_as(&self, name: &str, platform: &str) -> Agent {
        let body = json!({"secret": self.secret, "name": name, "platform": platform,
                          "ip": "10.0.0.7", "tags": []});
        let reply = self
            .api("POST", "/agent/enroll", None, Body::from(body.to_string()))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        Agent {
            id: reply.body["endpoint_id"]
                .as_str()
                .expect("an id")
                .to_owned(),
            token: reply.body["token"].as_str().expect("a token").to_owned(),
        }
    }

    /// Uploads, as the administrator, a Linux script `run(path)` returning `{"size": ...}`.
    pub async fn upload(&self, name: &str) -> String {
        let manifest = json!({
            "name": name, "description": "Sizes a path.", "outcome": "Standard",
            "platform": "Linux", "timeout": 60, "entry_point": "run",
            "entry_point_definition": {
                "input_params": [{"name": "path", "type": "string"}],
                "output_params": {"type": "JSON", "value": [
                    {"name": "size", "friendly_name": "Size", "type": "number"}
                ]}
            }
        });
        let code = "import os\n\ndef run(path):\n    return {'size': os.stat(path).st_size}\n";
        let body = json!({"code": code, "manifest": manifest}).to_string();
        let reply = self
            .api("POST", "/scripts", Some(&self.admin.full), Body::from(body))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.body["script_uid"].as_str().expect("a uid").to_owned()
    }
}

impl Console<'_> {
    /// `POST /public_api/v1{path}` with `{"request_data": request_data}`.
    pub async fn call(&self, path: &str, request_data: Value) -> Reply {
        let body = json!({ "request_data": request_data }).to_string();
        self.send("POST", &format!("/public_api/v1{path}"), Body::from(body))
            .await
    }

    /// `method` on `uri` as it is, with this run's headers.
    pub async fn send(&self, method: &str, uri: &str, body: Body) -> Reply {
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json");
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        let request = builder.body(body).expect("a valid request");
        self.server.send(request).await
    }
}

impl Agent {
    /// Polls and returns the one job handed over.
    pub async fn pull_one(&self, server: &Server) -> Value {
        let reply = server
            .api(
                "GET",
                "/agent/jobs?wait=0",
                Some(&self.token),
                Body::empty(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        let jobs = reply.body["jobs"].as_array().cloned().unwrap_or_default();
        assert_eq!(jobs.len(), 1, "{}", reply.body);
        jobs[0].clone()
    }

    /// Reports the final result of `job`: `status`, returning `value`, printing "hello".
    pub async fn finish(&self, server: &Server, job: &Value, status: Status, value: Value) {
        let result = RunResult {
            run_id: "test-run".into(),
            status,
            outcome: Outcome::Exited { code: 0 },
            error: (status != Status::CompletedSuccessfully).then(|| "it broke".to_owned()),
            return_value: value,
            exception: None,
            exit_code: Some(0),
            stdout: "hello\n".into(),
            stdout_truncated: false,
            stderr: String::new(),
            stderr_truncated: false,
            files_to_get: Vec::new(),
            duration_ms: 5,
        };
        let path = format!(
            "/agent/jobs/{}/result",
            job["job_id"].as_str().unwrap_or("")
        );
        let body = json!({"result": result, "failed_files": []}).to_string();
        let reply = server
            .api("PUT", &path, Some(&self.token), Body::from(body))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// 64 letters and digits, as the console's client sends (upper and lower case mixed).
pub fn nonce() -> String {
    let upper = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .to_ascii_uppercase();
    format!("{upper}{}", uuid::Uuid::new_v4().simple())
}
