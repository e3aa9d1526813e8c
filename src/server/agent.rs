//! The agent protocol apart from polling and files: enrollment with the shared secret, status
//! reports, final results (stored once, acknowledged on every resend), and the report that
//! script execution was disabled on the endpoint. An agent reaches only its own jobs: any
//! other job id is 404.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::auth::{Agent, hash, new_agent_token};
use super::targets::platform;
use super::{ApiError, AppState, input};
use crate::api::agent::{Accepted, Disabled, Enroll, Enrolled, ResultReport, StatusReport};
use crate::db::{EndpointRow, ResultOutcome};
use crate::status::Status;

/// Longest endpoint name, tag or reason kept, in bytes.
const MAX_TEXT: usize = 1024;

/// `POST /agent/enroll`: 201 with the endpoint's id and its token (shown once).
pub async fn agents_enroll(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Enrolled>), ApiError> {
    let request: Enroll = input::json(&input::body(body)?)?;
    if !state
        .db()
        .enrollment_is_valid(&hash(&request.secret))
        .await?
    {
        return Err(ApiError::unauthorized(
            "the enrollment secret is not valid",
            "ask the server's operator for the secret `ward server enrollment-secret` printed",
        ));
    }

    let mut problems = Vec::new();
    if request.name.trim().is_empty() || request.name.len() > MAX_TEXT {
        problems.push(format!("`name` must hold between 1 and {MAX_TEXT} bytes"));
    }
    let platform = platform(&request.platform);
    if platform.is_none() {
        problems.push(format!(
            "`platform` `{}` is none of Windows, macOS, Linux",
            input::shorten(&request.platform)
        ));
    }
    if request.ip.parse::<std::net::IpAddr>().is_err() {
        problems.push(format!(
            "`ip` `{}` is not an IP address",
            input::shorten(&request.ip)
        ));
    }
    if request
        .tags
        .iter()
        .any(|t| t.trim().is_empty() || t.len() > MAX_TEXT)
    {
        problems.push(format!(
            "every tag must hold between 1 and {MAX_TEXT} bytes"
        ));
    }
    let (Some(platform), true) = (platform, problems.is_empty()) else {
        return Err(ApiError::unprocessable(
            format!("the enrollment was refused:\n{}", problems.join("\n")),
            "fix each field listed and enroll again",
        ));
    };

    let endpoint_id = uuid::Uuid::new_v4().simple().to_string();
    let (secret, token) = new_agent_token(&endpoint_id);
    let now = state.now();
    state
        .db()
        .endpoints_insert(EndpointRow {
            id: endpoint_id.clone(),
            name: request.name.trim().to_owned(),
            platform: platform.as_str().to_owned(),
            ip: request.ip,
            tags: request.tags,
            token_hash: hash(&secret),
            enrolled_at: now,
            last_seen: None,
            scripts_disabled: false,
            disabled_reason: None,
        })
        .await?;
    tracing::info!(endpoint = %endpoint_id, name = %request.name.trim(), "agent enrolled");
    Ok((StatusCode::CREATED, Json(Enrolled { endpoint_id, token })))
}

/// `POST /agent/jobs/{job_id}/status`: 204. `In Progress` confirms the agent started the job
/// (and restarts the count towards "silent too long"); `Failed` with a reason refuses a job;
/// `Aborted` ends one the agent stopped without a result. Final results go to `.../result`.
pub async fn agents_report_status(
    State(state): State<AppState>,
    Agent(endpoint): Agent,
    job_id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let job_id = input::path(job_id)?;
    let report: StatusReport = input::json(&input::body(body)?)?;
    if !matches!(
        report.status,
        Status::InProgress | Status::Failed | Status::Aborted
    ) {
        return Err(ApiError::unprocessable(
            format!(
                "an agent cannot report `{}` as a status change",
                report.status
            ),
            "report `In Progress`, `Failed` or `Aborted`; send a finished run's result with \
             PUT /api/v1/agent/jobs/{job_id}/result",
        ));
    }
    let reason = report.reason.map(|r| truncate(r, MAX_TEXT));
    let now = state.now();
    let before = state
        .db()
        .jobs_report_status(&job_id, &endpoint.id, report.status, reason, now)
        .await?;
    let Some(before) = before else {
        return Err(no_job(&job_id));
    };
    tracing::debug!(job_id = %job_id, from = %before, to = %report.status, "agent reported a status");
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /agent/jobs/{job_id}/result`: `{"accepted": true}` the first time, `false` when the
/// server already had a result (or the job had already ended): either way the agent may drop
/// its copy. 409 when the job cannot take this result (never pulled, or an illegal status).
pub async fn agents_put_result(
    State(state): State<AppState>,
    Agent(endpoint): Agent,
    job_id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Accepted>, ApiError> {
    let job_id = input::path(job_id)?;
    let report: ResultReport = input::json(&input::body(body)?)?;
    let status = report.result.status;
    if !status.is_final() || matches!(status, Status::Canceled | Status::Expired) {
        return Err(ApiError::unprocessable(
            format!("`{status}` is not the status of a finished run"),
            "a result's status is `Completed Successfully`, `Failed`, `Timeout` or `Aborted`",
        ));
    }
    let reason = report.result.error.clone().map(|r| truncate(r, MAX_TEXT));
    let stored = serde_json::to_string(&report).map_err(ApiError::internal)?;
    let now = state.now();
    let outcome = state
        .db()
        .jobs_store_result(&job_id, &endpoint.id, status, reason, stored, now)
        .await?
        .ok_or_else(|| no_job(&job_id))?;
    match outcome {
        ResultOutcome::Accepted => {
            tracing::info!(job_id = %job_id, status = %status, "result stored");
            Ok(Json(Accepted { accepted: true }))
        }
        ResultOutcome::AlreadyFinal => Ok(Json(Accepted { accepted: false })),
        ResultOutcome::Refused { from, to } => Err(ApiError::conflict(
            format!("the job is `{from}` and cannot take a result with status `{to}`"),
            "only a job the agent pulled can take a result; an aborted job reports `Aborted`",
        )),
    }
}

/// `POST /agent/disable`: 204. Script execution is disabled on this endpoint for good; new
/// actions leave it out and show the reason.
pub async fn agents_disable(
    State(state): State<AppState>,
    Agent(endpoint): Agent,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    let report: Disabled = input::json(&input::body(body)?)?;
    let reason = truncate(report.reason, MAX_TEXT);
    let now = state.now();
    state
        .db()
        .endpoints_disable(&endpoint.id, &reason, now)
        .await?;
    tracing::warn!(endpoint = %endpoint.id, reason = %reason, "script execution disabled on endpoint");
    Ok(StatusCode::NO_CONTENT)
}

pub fn no_job(job_id: &str) -> ApiError {
    ApiError::not_found(
        format!("this endpoint has no job `{}`", input::shorten(job_id)),
        "an agent can only report on jobs it pulled itself",
    )
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut at = max;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
    }
    text
}
