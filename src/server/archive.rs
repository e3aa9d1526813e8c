//! Downloading retrieved files as one ZIP archive, for a whole action or one endpoint, with
//! entries named `<endpoint name>/<path on the endpoint>`. Names come from agents, so each is
//! made harmless before it goes into the archive: no absolute path, no drive, no `..`.
//!
//! Known gap: the archive is built in memory, which matters for actions whose retrieved files
//! add up to more than the server can hold at once; streaming it needs a streaming ZIP writer.

use std::collections::HashSet;
use std::io::{Cursor, Write};
use std::path::PathBuf;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::actions_view::find;
use super::auth::User;
use super::{ApiError, AppState, input};
use crate::api::people::Permission;
use crate::db::FileRow;

/// `GET /actions/{id}/files`: every kept file of the action.
pub async fn actions_files(
    State(state): State<AppState>,
    user: User,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let action = find(&state, &input::path(id)?).await?;
    let files = state.db().files_for_action(action.id, None).await?;
    let name = format!("action-{}-files.zip", action.id);
    respond(&state, files, name).await
}

/// `GET /actions/{id}/endpoints/{endpoint_id}/files`: the kept files of one endpoint.
pub async fn actions_endpoint_files(
    State(state): State<AppState>,
    user: User,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let (id, endpoint_id) = input::path(ids)?;
    let action = find(&state, &id).await?;
    let jobs = state.db().jobs_for_action(action.id).await?;
    if !jobs.iter().any(|v| v.job.endpoint_id == endpoint_id) {
        return Err(ApiError::not_found(
            format!(
                "action {} was not sent to endpoint `{}`",
                action.id,
                input::shorten(&endpoint_id)
            ),
            "`ward action status` lists the action's endpoints",
        ));
    }
    let files = state
        .db()
        .files_for_action(action.id, Some(endpoint_id))
        .await?;
    let name = format!("action-{}-endpoint-files.zip", action.id);
    respond(&state, files, name).await
}

async fn respond(
    state: &AppState,
    files: Vec<FileRow>,
    name: String,
) -> Result<Response, ApiError> {
    let dir = state.files_dir();
    let bytes = tokio::task::spawn_blocking(move || build(&dir, &files))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let headers = [
        (header::CONTENT_TYPE, "application/zip".to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ),
    ];
    Ok((headers, bytes).into_response())
}

/// The archive, in memory. Files are stored as uploaded (no compression).
fn build(dir: &std::path::Path, files: &[FileRow]) -> Result<Vec<u8>, String> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let mut used = HashSet::new();
    for file in files {
        let source: PathBuf = dir.join(&file.file.stored_name);
        let mut reader = std::fs::File::open(&source).map_err(|e| {
            format!(
                "retrieved file `{}` is missing from the store: {e}",
                source.display()
            )
        })?;
        let entry = unique(
            &mut used,
            format!(
                "{}/{}",
                component(&file.endpoint_name),
                relative(&file.file.path)
            ),
        );
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .large_file(file.file.size >= u64::from(u32::MAX));
        zip.start_file(&entry, options).map_err(|e| e.to_string())?;
        std::io::copy(&mut reader, &mut zip).map_err(|e| e.to_string())?;
    }
    let mut cursor = zip.finish().map_err(|e| e.to_string())?;
    cursor.flush().map_err(|e| e.to_string())?;
    Ok(cursor.into_inner())
}

/// An endpoint's name as one safe path component.
fn component(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '\0') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    match cleaned.trim() {
        "" | "." | ".." => "endpoint".to_owned(),
        other => other.to_owned(),
    }
}

/// A path from an endpoint (Unix or Windows) as a relative path with no `..`: `C:\a\b.txt`
/// becomes `C/a/b.txt`, `/etc/../passwd` becomes `etc/passwd`.
fn relative(path: &str) -> String {
    let parts: Vec<String> = path
        .split(['/', '\\'])
        .map(|part| part.trim_end_matches(':'))
        .filter(|part| !part.is_empty() && *part != "." && *part != "..")
        .map(component)
        .collect();
    if parts.is_empty() {
        "file".to_owned()
    } else {
        parts.join("/")
    }
}

/// `name`, or `name (2)`, `name (3)`... if an entry already has it.
fn unique(used: &mut HashSet<String>, name: String) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while !used.insert(candidate.clone()) {
        candidate = format!("{name} ({n})");
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_from_endpoints_cannot_climb_out_of_the_archive() {
        assert_eq!(relative("/etc/../passwd"), "etc/passwd");
        assert_eq!(relative("C:\\Users\\a\\..\\b.txt"), "C/Users/a/b.txt");
        assert_eq!(relative("../../.."), "file");
        assert_eq!(component("../web/01"), ".._web_01");
        assert_eq!(component(".."), "endpoint");
    }
}
