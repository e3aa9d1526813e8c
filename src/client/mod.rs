//! The HTTP client of ward's own API, shared by the agent and the command line so that both
//! speak to `ward server` the same way: one typed method per route, bodies from [`crate::api`],
//! and errors that say what failed and what to do about it.
//!
//! - `agent`: the agent protocol (enroll, poll, status, result, files, disable).
//! - `user`: what administrators and analysts do (scripts, endpoints, actions, results, files).
//! - `error`: [`ClientError`], with the server's own message and hint when it gave one.

mod agent;
mod error;
#[cfg(test)]
mod tests;
mod user;

use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

pub use error::ClientError;
use error::ErrorBody;
pub use user::ProgressStream;

/// How long an ordinary request may take before it counts as unanswered.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a request carrying a whole file (upload or archive download) may take.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(600);

/// Which kind of credential a client carries; decides what a refusal (401) advises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A user's API key (`ward_<key id>_<secret>`).
    ApiKey,
    /// An agent's token (`wagent_<endpoint id>_<secret>`).
    AgentToken,
    /// No credential: only enrollment works.
    None,
}

/// A connection to one ward server with one credential. Cheap to clone; clones share their
/// connection pool.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    secret: Option<String>,
    credential: Credential,
}

/// Shows the server and the kind of credential, never the credential itself.
impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.base)
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of the server at `server` (`http://HOST:PORT`, a trailing `/` is ignored), with no
    /// credential yet.
    pub fn new(server: &str) -> Result<Self, ClientError> {
        let base = server.trim_end_matches('/').to_string();
        let bad = |cause: String| ClientError::BadUrl {
            url: server.to_string(),
            cause,
        };
        let url = reqwest::Url::parse(&base).map_err(|e| bad(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(bad("it needs an http:// scheme and a host".into()));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("ward/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            http,
            base,
            secret: None,
            credential: Credential::None,
        })
    }

    /// Authenticates every request as the user owning `key`.
    pub fn with_api_key(mut self, key: &str) -> Self {
        self.secret = Some(key.trim().to_string());
        self.credential = Credential::ApiKey;
        self
    }

    /// Authenticates every request as the agent owning `token`.
    pub fn with_agent_token(mut self, token: &str) -> Self {
        self.secret = Some(token.trim().to_string());
        self.credential = Credential::AgentToken;
        self
    }

    /// The server's address as given, without a trailing `/`.
    pub fn server(&self) -> &str {
        &self.base
    }

    /// A request to `path` below the API prefix, with the credential and the ordinary timeout.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = format!("{}{}{path}", self.base, crate::api::PREFIX);
        let builder = self.http.request(method, url).timeout(REQUEST_TIMEOUT);
        match &self.secret {
            Some(secret) => builder.bearer_auth(secret),
            None => builder,
        }
    }

    /// Sends `builder`; any answer but a success becomes the matching [`ClientError`]. `what`
    /// names the request in messages (`create the action`).
    async fn send(&self, what: &str, builder: RequestBuilder) -> Result<Response, ClientError> {
        let response = builder.send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let text = response.text().await.unwrap_or_default();
        let body: ErrorBody = serde_json::from_str(&text).unwrap_or_else(|_| ErrorBody {
            error: shorten(text.trim()),
            hint: None,
        });
        let message = if body.error.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("no message")
                .to_string()
        } else {
            body.error
        };
        Err(match status {
            StatusCode::UNAUTHORIZED => ClientError::Unauthorized {
                message,
                credential: self.credential,
            },
            StatusCode::FORBIDDEN => ClientError::Forbidden {
                message,
                hint: body.hint,
            },
            _ => ClientError::Api {
                what: what.to_string(),
                status: status.as_u16(),
                message,
                hint: body.hint,
            },
        })
    }

    /// Sends `builder` and reads the answer as JSON of type `T`.
    async fn json<T: DeserializeOwned>(
        &self,
        what: &str,
        builder: RequestBuilder,
    ) -> Result<T, ClientError> {
        let response = self.send(what, builder).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e))?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode {
            what: what.to_string(),
            url: self.base.clone(),
            cause: e.to_string(),
        })
    }

    fn transport_error(&self, error: &reqwest::Error) -> ClientError {
        let cause = innermost(error);
        if error.is_timeout() {
            ClientError::TimedOut {
                url: self.base.clone(),
                cause,
            }
        } else if error.is_decode() {
            ClientError::Decode {
                what: "read an answer".into(),
                url: self.base.clone(),
                cause,
            }
        } else {
            ClientError::Unreachable {
                url: self.base.clone(),
                cause,
            }
        }
    }
}

/// The most specific cause of a transport error (`Connection refused (os error 111)`).
fn innermost(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// A non-JSON error body cut to a length that fits in one message.
fn shorten(text: &str) -> String {
    const MAX: usize = 300;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}
