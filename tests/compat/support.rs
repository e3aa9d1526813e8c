//! The console's client as automation drives it (one set of auth headers per command run,
//! reused by every request of that run), over the shared in-process server
//! (`crate::common::server`) with its administrator's key in parts; agents are simulated over
//! ward's agent API and report results with this suite's error text.

use std::ops::Deref;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use ward::api::people::Role;
use ward::sandbox::RunResult;
use ward::status::Status;

pub use crate::common::server::{Agent, Reply, T0, sha256};
use crate::common::server::{CODE, Ward, manifest, run_result};

/// A [`Ward`] whose administrator key is known in its parts; the rest of [`Ward`] is reached
/// through it.
pub struct Server {
    ward: Ward,
    pub admin: Key,
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

impl Deref for Server {
    type Target = Ward;

    fn deref(&self) -> &Ward {
        &self.ward
    }
}

impl Server {
    pub async fn start() -> Server {
        let ward = Ward::start().await;
        Server {
            admin: Key::parse(ward.admin.clone()),
            ward,
        }
    }

    /// A new user with `role`.
    pub async fn key(&self, role: Role) -> Key {
        Key::parse(self.ward.key(role).await)
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

    /// A new Linux endpoint.
    pub async fn enroll(&self, name: &str) -> Agent {
        self.enroll_as(name, "Linux").await
    }

    pub async fn enroll_as(&self, name: &str, platform: &str) -> Agent {
        self.ward.enroll_tagged(name, platform, &[]).await
    }

    /// Uploads, as the administrator, a Linux script `run(path)` returning `{"size": ...}`.
    pub async fn upload(&self, name: &str) -> String {
        let mut manifest = manifest(name, "Standard", "Linux");
        manifest["description"] = json!("Sizes a path.");
        self.ward.upload(CODE, manifest).await
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

/// What only this suite's agents do; the rest of [`Agent`] is shared with the other suites.
impl Agent {
    /// Reports the final result of `job`: `status`, returning `value`, printing "hello".
    pub async fn finish(&self, server: &Server, job: &Value, status: Status, value: Value) {
        let result = RunResult {
            error: (status != Status::CompletedSuccessfully).then(|| "it broke".to_owned()),
            ..run_result(status, value)
        };
        let job_id = job["job_id"].as_str().unwrap_or("");
        let reply = self.result(server, job_id, &result).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    }
}

/// 64 letters and digits, as the console's client sends (upper and lower case mixed).
pub fn nonce() -> String {
    let upper = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .to_ascii_uppercase();
    format!("{upper}{}", uuid::Uuid::new_v4().simple())
}
