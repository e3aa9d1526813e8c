//! The per-endpoint results table as tab-separated values, for spreadsheets:
//! `GET /actions/{id}/results.tsv`.
//!
//! One header row, then one row per endpoint, with the returned fields in columns of their own.
//! So that each endpoint stays one row whatever its script printed, a value never holds a raw
//! tab or line break: backslash, tab, line feed and carriage return are written `\\`, `\t`,
//! `\n` and `\r`. A value that a spreadsheet would take for a formula or a quoted field (it
//! starts with `=`, `+`, `-`, `@`, `'` or `"` and is not a number) is written after a `'`,
//! which reading it back removes. The rows come from the same results as
//! `GET /actions/{id}/results`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::format_description;

use super::actions_view::actions_results;
use super::aggregate::{Field, fields};
use super::auth::User;
use super::{ApiError, AppState, input};
use crate::api::actions::EndpointResult;
use crate::api::people::Permission;

/// The columns before the returned fields.
const LEADING: [&str; 6] = [
    "endpoint_name",
    "endpoint_id",
    "endpoint_ip",
    "status",
    "reason",
    "execution_time_utc",
];

/// The columns after the returned fields.
const TRAILING: [&str; 5] = [
    "standard_output",
    "exception",
    "retrieved_files",
    "failed_files",
    "retention_date_utc",
];

/// `GET /actions/{id}/results.tsv`, as a download named `action-ID-results.tsv`.
pub async fn actions_results_tsv(
    State(state): State<AppState>,
    user: User,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let id = input::path(id)?;
    let action_id = input::action_id(&id)?;
    let axum::Json(results) = actions_results(State(state), user, Ok(Path(id))).await?;
    let disposition = format!("attachment; filename=\"action-{action_id}-results.tsv\"");
    let headers = [
        (
            CONTENT_TYPE,
            "text/tab-separated-values; charset=utf-8".to_owned(),
        ),
        (CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, table(&results)).into_response())
}

/// The whole table, each row ended by a line feed.
pub fn table(results: &[EndpointResult]) -> String {
    let per_endpoint: Vec<Vec<Field>> = results.iter().map(|r| fields(&r.returned)).collect();

    // The returned fields' columns, in order of first appearance, titled by their friendly
    // name unless that would repeat a title.
    let mut keys: Vec<String> = Vec::new();
    let mut titles: Vec<String> = LEADING.iter().map(|t| (*t).to_owned()).collect();
    for field in per_endpoint.iter().flatten() {
        if keys.contains(&field.name) {
            continue;
        }
        keys.push(field.name.clone());
        let friendly = field.friendly_name.clone().unwrap_or(field.name.clone());
        let title = if titles.contains(&friendly) || TRAILING.contains(&friendly.as_str()) {
            format!("returned.{}", field.name)
        } else {
            friendly
        };
        titles.push(title);
    }
    titles.extend(TRAILING.iter().map(|t| (*t).to_owned()));

    let mut out = row(titles.iter().map(String::as_str));
    for (result, found) in results.iter().zip(&per_endpoint) {
        let returned = keys.iter().map(|key| {
            found
                .iter()
                .find(|f| &f.name == key)
                .map_or_else(String::new, |f| text(&f.value))
        });
        let cells: Vec<String> = [
            result.endpoint_name.clone(),
            result.endpoint_id.clone(),
            result.endpoint_ip.clone(),
            result.status.as_str().to_owned(),
            result.reason.clone().unwrap_or_default(),
            result.execution_time.map(utc).unwrap_or_default(),
        ]
        .into_iter()
        .chain(returned)
        .chain([
            result.standard_output.clone(),
            result.exception.clone().unwrap_or_default(),
            result.retrieved_files.to_string(),
            result.failed_files.to_string(),
            result.retention_date.map(utc).unwrap_or_default(),
        ])
        .collect();
        out.push_str(&row(cells.iter().map(String::as_str)));
    }
    out
}

fn row<'a>(cells: impl Iterator<Item = &'a str>) -> String {
    let mut line = cells.map(cell).collect::<Vec<_>>().join("\t");
    line.push('\n');
    line
}

/// One value made safe for a cell (see the module's documentation).
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    let risky = text.starts_with(['=', '+', '-', '@', '\'', '"']);
    if risky && text.parse::<f64>().is_err() {
        out.push('\'');
    }
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// A returned value as a cell shows it: text as it is, nothing for null, else JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS` in UTC, which spreadsheets read as a date.
fn utc(unix: i64) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_never_hold_a_raw_tab_or_line_break() {
        assert_eq!(cell("a\tb\nc\r\\d"), "a\\tb\\nc\\r\\\\d");
    }

    #[test]
    fn formulas_are_kept_as_text_but_numbers_stay_numbers() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("\"quoted"), "'\"quoted");
        assert_eq!(cell("-12.5"), "-12.5");
        assert_eq!(cell("-rf"), "'-rf");
    }

    #[test]
    fn times_read_as_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
    }
}
