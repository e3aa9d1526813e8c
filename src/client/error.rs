//! What can go wrong talking to a ward server, worded so that the person reading it knows what to
//! do next: start the server, fix the credential, ask for a permission, or fix the request.

use super::Credential;

/// The body of every error answer of ward's API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(super) struct ErrorBody {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub hint: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "could not reach the ward server at {url} ({cause}); is `ward server` running at {url}?"
    )]
    Unreachable { url: String, cause: String },

    #[error(
        "the ward server at {url} did not answer in time ({cause}); try again, or check its load"
    )]
    TimedOut { url: String, cause: String },

    #[error("the server refused the credentials: {message}; {}", unauthorized_hint(*.credential))]
    Unauthorized {
        message: String,
        credential: Credential,
    },

    #[error("permission denied: {message}{}", hint_suffix(.hint))]
    Forbidden {
        message: String,
        hint: Option<String>,
    },

    #[error("could not {what} (HTTP {status}): {message}{}", hint_suffix(.hint))]
    Api {
        what: String,
        status: u16,
        message: String,
        hint: Option<String>,
    },

    #[error(
        "could not read the server's answer when trying to {what} ({cause}); is {url} a ward \
         server of the same version?"
    )]
    Decode {
        what: String,
        url: String,
        cause: String,
    },

    #[error("failed to {what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },

    #[error("the server address `{url}` is not valid ({cause}); write it as http://HOST:PORT")]
    BadUrl { url: String, cause: String },
}

impl ClientError {
    /// Whether sending the same request again later may succeed: the server was unreachable,
    /// slow, overloaded or failing inside. Refusals (4xx) are not transient.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable { .. } | ClientError::TimedOut { .. } => true,
            ClientError::Api { status, .. } => *status >= 500 || matches!(status, 408 | 429),
            _ => false,
        }
    }

    /// The HTTP status the server answered with, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Unauthorized { .. } => Some(401),
            ClientError::Forbidden { .. } => Some(403),
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

fn unauthorized_hint(credential: Credential) -> &'static str {
    match credential {
        Credential::ApiKey => {
            "check WARD_API_KEY (or --api-key): it must be a key from `ward server add-admin` or \
             `POST /api/v1/users`"
        }
        Credential::AgentToken => {
            "the agent's token was refused; enroll it again with a new data directory and \
             `--enroll SECRET`"
        }
        Credential::None => "this request needs a credential; set WARD_API_KEY (or --api-key)",
    }
}

fn hint_suffix(hint: &Option<String>) -> String {
    match hint {
        Some(hint) if !hint.is_empty() => format!("; {hint}"),
        _ => String::new(),
    }
}
