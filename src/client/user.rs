//! What administrators and analysts do through the API: read and upload scripts, list endpoints,
//! create and steer actions, read results and download retrieved files. Every call needs a user's
//! API key ([`Client::with_api_key`]); the server refuses one whose role lacks the permission.

use std::path::Path;
use std::time::Duration;

use reqwest::{Method, Response};
use tokio::io::AsyncWriteExt;

use super::agent::segment;
use super::{Client, ClientError, TRANSFER_TIMEOUT};
use crate::api::actions::{
    ActionStatus, CreateAction, CreatedAction, EndpointFilter, EndpointResult, SelectEndpoints,
};
use crate::api::endpoints::EndpointInfo;
use crate::api::progress::{Aggregate, ProgressEvent};
use crate::api::scripts::{ScriptInfo, UploadScript};

impl Client {
    /// The script library, built-in scripts included.
    pub async fn scripts_list(&self) -> Result<Vec<ScriptInfo>, ClientError> {
        let builder = self.request(Method::GET, "/scripts");
        self.json("list the scripts", builder).await
    }

    /// One script's details (manifest, who created it, when).
    pub async fn scripts_show(&self, uid: &str) -> Result<ScriptInfo, ClientError> {
        let path = format!("/scripts/{}", segment(uid));
        let builder = self.request(Method::GET, &path);
        self.json("show the script", builder).await
    }

    /// One script's Python source.
    pub async fn scripts_code(&self, uid: &str) -> Result<String, ClientError> {
        let path = format!("/scripts/{}/code", segment(uid));
        let response = self
            .send("fetch the script's code", self.request(Method::GET, &path))
            .await?;
        response.text().await.map_err(|e| self.transport_error(&e))
    }

    /// Uploads a script with its manifest; the server validates both and answers with the stored
    /// script.
    pub async fn scripts_upload(&self, upload: &UploadScript) -> Result<ScriptInfo, ClientError> {
        let builder = self.request(Method::POST, "/scripts").json(upload);
        self.json("upload the script", builder).await
    }

    /// The enrolled endpoints, those matching `filter` only when one is given.
    pub async fn endpoints_list(
        &self,
        filter: &EndpointFilter,
    ) -> Result<Vec<EndpointInfo>, ClientError> {
        let builder = self.request(Method::GET, "/endpoints").query(filter);
        self.json("list the endpoints", builder).await
    }

    pub async fn actions_create(
        &self,
        request: &CreateAction,
    ) -> Result<CreatedAction, ClientError> {
        let builder = self.request(Method::POST, "/actions").json(request);
        self.json("create the action", builder).await
    }

    /// The general status, the counts per status and each endpoint's status.
    pub async fn actions_status(&self, id: i64) -> Result<ActionStatus, ClientError> {
        let builder = self.request(Method::GET, &format!("/actions/{id}"));
        self.json("read the action's status", builder).await
    }

    pub async fn actions_results(&self, id: i64) -> Result<Vec<EndpointResult>, ClientError> {
        let builder = self.request(Method::GET, &format!("/actions/{id}/results"));
        self.json("read the action's results", builder).await
    }

    /// The per-endpoint results table as tab-separated values (a header row, then one row per
    /// endpoint; tabs and line breaks inside values are escaped).
    pub async fn actions_results_tsv(&self, id: i64) -> Result<String, ClientError> {
        let builder = self.request(Method::GET, &format!("/actions/{id}/results.tsv"));
        let response = self.send("export the action's results", builder).await?;
        response.text().await.map_err(|e| self.transport_error(&e))
    }

    /// For each returned field, the endpoints per value; over the endpoints in `endpoints`
    /// only, when it is not empty.
    pub async fn actions_aggregate(
        &self,
        id: i64,
        endpoints: &[String],
    ) -> Result<Aggregate, ClientError> {
        let query: Vec<(&str, &str)> = endpoints
            .iter()
            .map(|e| ("endpoint_id", e.as_str()))
            .collect();
        let builder = self
            .request(Method::GET, &format!("/actions/{id}/aggregate"))
            .query(&query);
        self.json("aggregate the action's results", builder).await
    }

    /// Follows an action's progress: the counts and the endpoints already final at once, then
    /// each change, until `done`.
    pub async fn actions_events(&self, id: i64) -> Result<ProgressStream, ClientError> {
        // The stream lasts as long as the action; silence is watched per read instead.
        let builder = self
            .request(Method::GET, &format!("/actions/{id}/events"))
            .timeout(Duration::from_secs(365 * 24 * 60 * 60));
        let response = self.send("follow the action's progress", builder).await?;
        Ok(ProgressStream {
            client: self.clone(),
            response,
            buffer: Vec::new(),
        })
    }

    /// Cancels the pending endpoints of an action (all of them, or those in `select`) and
    /// answers with the action's status after it.
    pub async fn actions_cancel(
        &self,
        id: i64,
        select: &SelectEndpoints,
    ) -> Result<ActionStatus, ClientError> {
        let builder = self
            .request(Method::POST, &format!("/actions/{id}/cancel"))
            .json(select);
        self.json("cancel the action", builder).await
    }

    /// Aborts the in-progress endpoints of an action (all of them, or those in `select`) and
    /// answers with the action's status after it.
    pub async fn actions_abort(
        &self,
        id: i64,
        select: &SelectEndpoints,
    ) -> Result<ActionStatus, ClientError> {
        let builder = self
            .request(Method::POST, &format!("/actions/{id}/abort"))
            .json(select);
        self.json("abort the action", builder).await
    }

    /// Runs the action again: same parameters, targets and timeout, current script version.
    pub async fn actions_rerun(&self, id: i64) -> Result<CreatedAction, ClientError> {
        let builder = self.request(Method::POST, &format!("/actions/{id}/rerun"));
        self.json("rerun the action", builder).await
    }

    /// Downloads the retrieved files of an action (of one endpoint when `endpoint` is given) as a
    /// ZIP archive into `out`, and returns its size in bytes.
    pub async fn actions_files(
        &self,
        id: i64,
        endpoint: Option<&str>,
        out: &Path,
    ) -> Result<u64, ClientError> {
        let path = match endpoint {
            Some(endpoint) => format!("/actions/{id}/endpoints/{}/files", segment(endpoint)),
            None => format!("/actions/{id}/files"),
        };
        let builder = self.request(Method::GET, &path).timeout(TRANSFER_TIMEOUT);
        let mut response = self.send("download the retrieved files", builder).await?;
        let io = |what: &str, source| ClientError::Io {
            what: format!("{what} `{}`", out.display()),
            source,
        };
        let mut file = tokio::fs::File::create(out)
            .await
            .map_err(|e| io("create", e))?;
        let mut size = 0u64;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(&e))?
        {
            file.write_all(&chunk).await.map_err(|e| io("write", e))?;
            size += chunk.len() as u64;
        }
        file.flush().await.map_err(|e| io("write", e))?;
        Ok(size)
    }
}

/// How long the progress stream may stay silent before it counts as lost; the server sends a
/// keep-alive comment every 15 seconds.
const STREAM_SILENCE: Duration = Duration::from_secs(60);

/// The longest progress event read; events are a few hundred bytes.
const MAX_EVENT_BYTES: usize = 1 << 20;

/// An action's progress events as they arrive ([`Client::actions_events`]).
#[derive(Debug)]
pub struct ProgressStream {
    client: Client,
    response: Response,
    /// Bytes received and not yet read as whole events, without carriage returns.
    buffer: Vec<u8>,
}

impl ProgressStream {
    /// The next event, waiting for it; `Ok(None)` once the server has ended the stream (after
    /// `done`, or earlier if it stopped).
    pub async fn next(&mut self) -> Result<Option<ProgressEvent>, ClientError> {
        loop {
            while let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let frame: Vec<u8> = self.buffer.drain(..end + 2).collect();
                if let Some(event) = self.read_frame(&frame)? {
                    return Ok(Some(event));
                }
            }
            let chunk = tokio::time::timeout(STREAM_SILENCE, self.response.chunk())
                .await
                .map_err(|_| ClientError::TimedOut {
                    url: self.client.server().to_owned(),
                    cause: format!(
                        "the progress stream was silent for {} seconds",
                        STREAM_SILENCE.as_secs()
                    ),
                })?
                .map_err(|e| self.client.transport_error(&e))?;
            match chunk {
                Some(bytes) => self.buffer.extend(bytes.iter().filter(|b| **b != b'\r')),
                None => return Ok(None),
            }
            if self.buffer.len() > MAX_EVENT_BYTES {
                return Err(ClientError::Decode {
                    what: "follow the action's progress".into(),
                    url: self.client.server().to_owned(),
                    cause: format!("an event is over {MAX_EVENT_BYTES} bytes"),
                });
            }
        }
    }

    /// One server-sent event: its `event:` name and `data:` lines. Comments (keep-alives) and
    /// events this version does not know are `None`.
    fn read_frame(&self, frame: &[u8]) -> Result<Option<ProgressEvent>, ClientError> {
        let text = String::from_utf8_lossy(frame);
        let mut name = "message";
        let mut data: Vec<&str> = Vec::new();
        for line in text.lines() {
            if let Some(value) = line.strip_prefix("event:") {
                name = value.trim();
            } else if let Some(value) = line.strip_prefix("data:") {
                data.push(value.strip_prefix(' ').unwrap_or(value));
            }
        }
        if data.is_empty() {
            return Ok(None);
        }
        ProgressEvent::parse(name, &data.join("\n")).map_err(|e| ClientError::Decode {
            what: "follow the action's progress".into(),
            url: self.client.server().to_owned(),
            cause: e.to_string(),
        })
    }
}
