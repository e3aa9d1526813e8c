//! What administrators and analysts do through the API: read and upload scripts, list endpoints,
//! create and steer actions, read results and download retrieved files. Every call needs a user's
//! API key ([`Client::with_api_key`]); the server refuses one whose role lacks the permission.

use std::path::Path;

use reqwest::Method;
use tokio::io::AsyncWriteExt;

use super::agent::segment;
use super::{Client, ClientError, TRANSFER_TIMEOUT};
use crate::api::actions::{
    ActionStatus, CreateAction, CreatedAction, EndpointFilter, EndpointResult, SelectEndpoints,
};
use crate::api::endpoints::EndpointInfo;
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
