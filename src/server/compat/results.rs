//! `scripts/get_script_execution_results`: what each endpoint's run produced, in the console's
//! result shape.
//!
//! Each endpoint's item carries the console's fixed fields; the returned value follows them the
//! way the console's clients expect it: a dictionary output spreads its keys into the item
//! (`"size": 12`), any other value sits under `_return_value`. A dictionary with a key that
//! would overwrite a fixed field is kept whole under `_return_value` instead. ward has no
//! Windows domains, so `domain` is always empty.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use super::super::library::stored_manifest;
use super::super::targets::is_connected;
use super::super::{ApiError, AppState};
use super::auth::Caller;
use super::status::{action, console_name};
use super::wire::{Int, reply, request};
use crate::api::agent::ResultReport;
use crate::api::people::Permission;
use crate::db::{ActionRow, EndpointRow, JobView};
use crate::script::{FILES_TO_GET, OutputSpec};

#[derive(Deserialize)]
struct ResultsRequest {
    action_id: Int,
}

/// `scripts/get_script_execution_results`.
pub async fn execution_results(
    State(state): State<AppState>,
    Caller(user): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let ResultsRequest { action_id } = request(body)?;
    let action = action(&state, action_id).await?;
    let jobs = state.db().jobs_for_action(action.id).await?;
    let endpoints: HashMap<String, EndpointRow> = state
        .db()
        .endpoints_all()
        .await?
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    let manifest = match action.action.manifest.as_deref() {
        Some(text) => Some(stored_manifest(text)?),
        None => None,
    };
    let output = manifest
        .as_ref()
        .and_then(|m| m.entry_point())
        .map(|e| e.output());

    let retention = state.config().file_retention_secs;
    let results: Vec<Value> = jobs
        .iter()
        .map(|view| {
            let connected = endpoints
                .get(&view.job.endpoint_id)
                .map(|e| is_connected(&state, e));
            item(view, connected, output, retention).into()
        })
        .collect();
    let parameters: Vec<Value> = action
        .action
        .parameters
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    Ok(reply(json!({
        "script_name": script_name(&action),
        "script_description": manifest.as_ref().map(|m| m.description()),
        "script_parameters": parameters,
        "date_created": date(action.created_at),
        "scope": scope(&jobs),
        "error_message": "",
        "results": results,
    })))
}

/// The console names snippets `snippet script`; scripts keep their name.
fn script_name(action: &ActionRow) -> &str {
    if action.action.snippet {
        "snippet script"
    } else {
        &action.action.script_name
    }
}

/// One endpoint's result item; `connected` is `None` when the endpoint is no longer known.
/// Retrieved files are kept `retention` seconds after the run.
fn item(
    view: &JobView,
    connected: Option<bool>,
    output: Option<&OutputSpec>,
    retention: i64,
) -> Map<String, Value> {
    let report = report(view);
    let endpoint_status = match connected {
        Some(true) => "CONNECTED",
        Some(false) => "DISCONNECTED",
        None => "UNKNOWN",
    };
    let retention = view
        .job
        .pulled_at
        .filter(|_| view.files_retrieved > 0)
        .map(|ran| (ran + retention) * 1000);
    let mut item = Map::new();
    item.insert("endpoint_id".into(), view.job.endpoint_id.clone().into());
    item.insert("endpoint_name".into(), view.endpoint_name.clone().into());
    item.insert("endpoint_ip_address".into(), json!([view.endpoint_ip]));
    item.insert("endpoint_status".into(), endpoint_status.into());
    item.insert("domain".into(), "".into());
    item.insert(
        "execution_status".into(),
        console_name(view.job.status).into(),
    );
    item.insert(
        "standard_output".into(),
        report.as_ref().map(output_text).into(),
    );
    item.insert("retrieved_files".into(), view.files_retrieved.into());
    let failed = report.as_ref().map_or(0, |r| r.failed_files.len());
    item.insert("failed_files".into(), failed.into());
    item.insert("retention_date".into(), retention.into());

    let returned = report.map_or(Value::Null, |r| r.result.return_value);
    match (output, returned) {
        (_, Value::Null) => {}
        (Some(OutputSpec::Dictionary(_)), Value::Object(fields))
            if !fields.keys().any(|k| item.contains_key(k)) =>
        {
            let shown = fields.into_iter().filter(|(k, _)| k != FILES_TO_GET);
            item.extend(shown);
        }
        (_, value) => {
            item.insert("_return_value".into(), value);
        }
    }
    item
}

/// Standard output then standard error, as the console shows them together; an exception the
/// error stream does not already show is added at the end.
fn output_text(report: &ResultReport) -> String {
    let result = &report.result;
    let mut text = format!("{}{}", result.stdout, result.stderr);
    if let Some(exception) = &result.exception
        && !result.stderr.contains(&exception.message)
    {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        match exception.traceback.trim() {
            "" => text.push_str(&format!("{}: {}", exception.kind, exception.message)),
            traceback => text.push_str(traceback),
        }
    }
    text
}

/// The agent's result report of a job, if it delivered one that reads.
pub fn report(view: &JobView) -> Option<ResultReport> {
    let text = view.job.result.as_deref()?;
    serde_json::from_str(text)
        .map_err(|e| tracing::warn!(job_id = %view.job.job_id, error = %e, "a stored result does not read"))
        .ok()
}

/// `YYYY-MM-DD HH:MM:SS` in UTC, as the console writes `date_created`.
fn date(unix_secs: i64) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::from_unix_timestamp(unix_secs)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

/// The endpoint's name for one endpoint, `<first> and N other endpoints` for more.
fn scope(jobs: &[JobView]) -> String {
    match jobs {
        [] => String::new(),
        [one] => one.endpoint_name.clone(),
        [first, rest @ ..] => format!("{} and {} other endpoints", first.endpoint_name, rest.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_the_console_writes_them() {
        assert_eq!(date(1_602_655_681), "2020-10-14 06:08:01");
    }
}
