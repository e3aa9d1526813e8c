//! The agent's side of the protocol in [`crate::api::agent`]: enrollment, the long poll, status
//! changes, results and retrieved files. Every call but [`Client::enroll`] needs the agent's token
//! ([`Client::with_agent_token`]).

use std::path::Path;
use std::time::Duration;

use super::{Client, ClientError, TRANSFER_TIMEOUT};
use crate::api::agent::{Accepted, Disabled, Enroll, Enrolled, Poll, ResultReport, StatusReport};
use reqwest::Method;

/// How much longer than the server's own wait a long poll may take before it counts as lost.
const POLL_GRACE: Duration = Duration::from_secs(15);

impl Client {
    /// Enrolls this machine with the secret the server printed, and returns its id and token.
    pub async fn enroll(&self, request: &Enroll) -> Result<Enrolled, ClientError> {
        let builder = self.request(Method::POST, "/agent/enroll").json(request);
        self.json("enroll the agent", builder).await
    }

    /// Waits up to `wait` (the server caps it at 30 s) for jobs or aborts for this agent. With
    /// `resume`, the jobs the server already counts as this agent's `In Progress` come again.
    pub async fn poll(&self, wait: Duration, resume: bool) -> Result<Poll, ClientError> {
        let builder = self
            .request(Method::GET, "/agent/jobs")
            .query(&[
                ("wait", wait.as_secs().to_string()),
                ("resume", resume.to_string()),
            ])
            .timeout(wait + POLL_GRACE);
        self.json("poll for jobs", builder).await
    }

    /// Reports a status change of one job (`In Progress` when it starts).
    pub async fn report_status(
        &self,
        job_id: &str,
        report: &StatusReport,
    ) -> Result<(), ClientError> {
        let path = format!("/agent/jobs/{}/status", segment(job_id));
        let builder = self.request(Method::POST, &path).json(report);
        self.send("report the job's status", builder)
            .await
            .map(drop)
    }

    /// Delivers the final result of one job. `Ok(false)` means the server already had it, which
    /// counts as delivered just the same.
    pub async fn report_result(
        &self,
        job_id: &str,
        report: &ResultReport,
    ) -> Result<bool, ClientError> {
        let path = format!("/agent/jobs/{}/result", segment(job_id));
        let builder = self.request(Method::PUT, &path).json(report);
        let answer: Accepted = self.json("deliver the job's result", builder).await?;
        Ok(answer.accepted)
    }

    /// Uploads one retrieved file, read from `file`, as `path` with its SHA-256 `sha256` (hex),
    /// which the server checks against what it receives.
    pub async fn upload_file(
        &self,
        job_id: &str,
        path: &str,
        sha256: &str,
        file: &Path,
    ) -> Result<(), ClientError> {
        let body = tokio::fs::File::open(file)
            .await
            .map_err(|source| ClientError::Io {
                what: format!("open the staged file `{}`", file.display()),
                source,
            })?;
        let route = format!("/agent/jobs/{}/files", segment(job_id));
        let builder = self
            .request(Method::PUT, &route)
            .query(&[("path", path), ("sha256", sha256)])
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .timeout(TRANSFER_TIMEOUT)
            .body(body);
        self.send("upload a retrieved file", builder)
            .await
            .map(drop)
    }

    /// Tells the server that script execution was disabled on this endpoint for good.
    pub async fn report_disabled(&self, report: &Disabled) -> Result<(), ClientError> {
        let builder = self.request(Method::POST, "/agent/disable").json(report);
        self.send("report that scripts are disabled", builder)
            .await
            .map(drop)
    }
}

/// `text` made safe as one segment of a URL path: anything but letters, digits, `-` and `_` is
/// percent-encoded.
pub(super) fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
