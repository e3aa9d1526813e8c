//! `PUT /agent/jobs/{job_id}/files?path=P&sha256=H`: one retrieved file as the raw body.
//!
//! The body is streamed to a temporary file in the file store while its SHA-256 is computed
//! and its size counted, then kept under a generated name: the path the agent gives is only
//! recorded, never used on the server's disk. A body over the size cap is 413, a hash that does
//! not match is 422; either way nothing is kept.

use std::path::{Path as FsPath, PathBuf};
use std::pin::Pin;

use axum::Json;
use axum::body::{Body, HttpBody};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::agent::no_job;
use super::auth::Agent;
use super::{ApiError, AppState, input};
use crate::api::agent::{Accepted, FileUpload};
use crate::db::{FileInsert, NewFile};

/// Longest path recorded for a retrieved file, in bytes.
const MAX_PATH: usize = 4096;

pub async fn agents_upload_file(
    State(state): State<AppState>,
    Agent(endpoint): Agent,
    job_id: Result<Path<String>, PathRejection>,
    query: Result<Query<FileUpload>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let job_id = input::path(job_id)?;
    let FileUpload { path, sha256 } = input::query(query)?;
    let declared = sha256.to_ascii_lowercase();
    if declared.len() != 64 || !declared.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::unprocessable(
            "`sha256` must be 64 hexadecimal digits",
            "send the SHA-256 of the file's content",
        ));
    }
    if path.is_empty() || path.len() > MAX_PATH || path.contains('\0') {
        return Err(ApiError::unprocessable(
            format!("`path` must hold between 1 and {MAX_PATH} bytes, without NUL"),
            "send the file's path on the endpoint, as the script asked for it",
        ));
    }
    let job = state
        .db()
        .jobs_owned(&job_id, &endpoint.id)
        .await?
        .ok_or_else(|| no_job(&job_id))?;
    let Some(ran_at) = job.pulled_at else {
        return Err(ApiError::conflict(
            format!(
                "the job is `{}`: it never ran, so it has no files",
                job.status
            ),
            "upload the files of a job this agent pulled",
        ));
    };

    let cap = state.config().max_file_bytes;
    let declared_len = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_len.is_some_and(|len| len > cap) {
        return Err(too_large(cap));
    }

    let stored_name = uuid::Uuid::new_v4().simple().to_string();
    let part = Part(state.files_dir().join(format!("{stored_name}.part")));
    let (size, actual) = receive(body, &part.0, cap).await?;
    if actual != declared {
        return Err(ApiError::unprocessable(
            format!("the file's SHA-256 is {actual}, not {declared} as declared; it was not kept"),
            "send the file again; it may have changed or been damaged on the way",
        ));
    }
    let final_path = state.files_dir().join(&stored_name);
    tokio::fs::rename(&part.0, &final_path)
        .await
        .map_err(|e| ApiError::io("could not keep a retrieved file", &e))?;

    let file = NewFile {
        job_id: job_id.clone(),
        path,
        sha256: declared,
        size,
        stored_name,
        retention_until: ran_at + state.config().file_retention_secs,
    };
    let now = state.now();
    let outcome = state.db().files_insert(file, now).await;
    if !matches!(outcome, Ok(FileInsert::Stored)) {
        // The store does not need this copy: a resend, a conflict or a failure.
        let _ = tokio::fs::remove_file(&final_path).await;
    }
    match outcome? {
        FileInsert::Stored => Ok((StatusCode::CREATED, Json(Accepted { accepted: true }))),
        FileInsert::AlreadyStored => Ok((StatusCode::OK, Json(Accepted { accepted: false }))),
        FileInsert::Conflict { stored_sha256 } => Err(ApiError::conflict(
            format!("this job already has that path, with SHA-256 {stored_sha256}"),
            "a retrieved file is uploaded once; the content stored first is kept",
        )),
    }
}

/// Streams `body` into `path`; returns its size and SHA-256 (hex).
async fn receive(mut body: Body, path: &FsPath, cap: u64) -> Result<(u64, String), ApiError> {
    let io = |e: std::io::Error| ApiError::io("could not write a retrieved file", &e);
    let mut file = tokio::fs::File::create(path).await.map_err(io)?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| {
            ApiError::bad_request(format!("the upload broke off: {e}"), "send the file again")
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        size += data.len() as u64;
        if size > cap {
            return Err(too_large(cap));
        }
        hasher.update(&data);
        file.write_all(&data).await.map_err(io)?;
    }
    file.sync_all().await.map_err(io)?;
    Ok((size, hex::encode(hasher.finalize())))
}

fn too_large(cap: u64) -> ApiError {
    ApiError::too_large(
        format!("the file is over this server's limit of {cap} bytes; it was not kept"),
        "the server's operator sets the limit; report the file as failed",
    )
}

/// A temporary file removed when dropped, whatever happened (renamed away, it is gone already).
struct Part(PathBuf);

impl Drop for Part {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
