//! The script library in the console's shape: `get_scripts` (with its `in` filters),
//! `get_script_metadata` and `get_script_code`.
//!
//! Scripts keep ward's 32-hex-digit uid. The console's clients hard-code the uids of the
//! console's built-in scripts; each one ward ships a counterpart of is answered by ward's
//! built-in (see [`ward_uid`]); the counterparts of those the console's wrappers run
//! (`delete_file`, `file_exists`, `process_kill_name`) take the same parameter names. ward has no numeric script id, so
//! `script_id` is the first 13 hex digits of the uid read as a number: stable, and exact in a
//! JSON double, but not a row number.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::super::library::stored_manifest;
use super::super::scripts::find;
use super::super::{ApiError, AppState};
use super::auth::Caller;
use super::wire::{Filter, reply, request};
use crate::api::people::Permission;
use crate::db::ScriptRow;
use crate::script::{Manifest, Outcome, OutputSpec, Platform, builtin_id};

/// The console's built-in uids that ward answers with its own built-in of the same name.
const CONSOLE_BUILTINS: [(&str, &str); 9] = [
    ("548023b6e4a01ec51a495ba6e5d2a15d", "delete_file"),
    ("414763381b5bfb7b05796c9fe690df46", "file_exists"),
    ("956e8989f67ebcb2c71c4635311e47e4", "get_process_list"),
    ("43973479d389f2ac7e99b6db88eaee40", "list_directories"),
    ("3d928a24f61cd3c1116544900c424098", "process_kill_cpu"),
    ("87d4547df6d4882a3c006ec58c3b8bf4", "process_kill_mem"),
    ("fd0a544a99a9421222b4f57a11839481", "process_kill_name"),
    ("ad36488a20cdbdd1604ec4bec9da5c41", "registry_delete"),
    ("896392a13b2ef0ae75b3f2396125037d", "registry_set"),
];

const FILTER_FIELDS: &str = "`name`, `description`, `created_by`, `script_uid`, \
                             `windows_supported`, `linux_supported`, `macos_supported`, \
                             `is_high_risk` (operator `in`), `modification_date` (`gte`, `lte`)";

#[derive(Deserialize)]
struct ListRequest {
    #[serde(default)]
    filters: Vec<Filter>,
}

#[derive(Deserialize)]
struct ScriptRequest {
    script_uid: String,
}

/// The uid of ward's script for `uid`: ward's built-in for a console built-in uid, else `uid`.
pub fn ward_uid(uid: &str) -> String {
    let uid = uid.trim().to_ascii_lowercase();
    match CONSOLE_BUILTINS.iter().find(|(console, _)| *console == uid) {
        Some((_, name)) => builtin_id(name).simple().to_string(),
        None => uid,
    }
}

/// `scripts/get_scripts`: the live scripts every filter matches (no filter: all of them).
pub async fn get_scripts(
    State(state): State<AppState>,
    Caller(user): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let ListRequest { filters } = request(body)?;
    filters.iter().try_for_each(usable)?;
    let rows = state.db().scripts_list().await?;
    let scripts: Vec<Value> = rows
        .iter()
        .filter(|row| filters.iter().all(|f| matches(f, row)))
        .map(|row| Value::Object(summary(row)))
        .collect();
    Ok(reply(serde_json::json!({
        "total_count": rows.len(),
        "result_count": scripts.len(),
        "scripts": scripts,
    })))
}

/// `scripts/get_script_metadata`: the summary plus the entry point, its inputs and output.
pub async fn get_script_metadata(
    State(state): State<AppState>,
    Caller(user): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let ScriptRequest { script_uid } = request(body)?;
    let row = find(&state, &ward_uid(&script_uid)).await?;
    let manifest = stored_manifest(&row.script.manifest)?;
    let mut metadata = summary(&row);
    metadata.extend(entry_point(&manifest));
    Ok(reply(metadata))
}

/// `scripts/get_script_code`: the code as the bare `reply` string.
pub async fn get_script_code(
    State(state): State<AppState>,
    Caller(user): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let ScriptRequest { script_uid } = request(body)?;
    let row = find(&state, &ward_uid(&script_uid)).await?;
    Ok(reply(row.script.code))
}

/// Refuses a filter on a field or with an operator this call does not know.
fn usable(filter: &Filter) -> Result<(), ApiError> {
    let op = filter.op();
    let known = match filter.field.to_ascii_lowercase().as_str() {
        "modification_date" => matches!(op.as_str(), "gte" | "lte") && filter.value.is_i64(),
        "name" | "description" | "created_by" | "script_uid" | "windows_supported"
        | "linux_supported" | "macos_supported" | "is_high_risk" => op == "in",
        _ => false,
    };
    if known {
        Ok(())
    } else {
        Err(filter.unsupported(FILTER_FIELDS))
    }
}

/// Whether `row` passes `filter`, a filter [`usable`] accepted. Text compares ignoring case;
/// flags take `true`/`false` as strings or booleans.
fn matches(filter: &Filter, row: &ScriptRow) -> bool {
    let script = &row.script;
    let texts = filter.texts();
    let any_text = |value: &str| texts.iter().any(|t| t.eq_ignore_ascii_case(value));
    let flag = |value: bool| any_text(if value { "true" } else { "false" });
    let supports = |platform| script.platforms.contains(&platform);
    match filter.field.to_ascii_lowercase().as_str() {
        "name" => any_text(&script.name),
        "description" => any_text(&script.description),
        "created_by" => any_text(&script.created_by),
        "script_uid" => texts.iter().any(|t| ward_uid(t) == row.uid),
        "windows_supported" => flag(supports(Platform::Windows)),
        "linux_supported" => flag(supports(Platform::Linux)),
        "macos_supported" => flag(supports(Platform::MacOs)),
        "is_high_risk" => flag(script.outcome == Outcome::HighRisk),
        "modification_date" => {
            let bound = filter.value.as_i64().unwrap_or_default();
            let millis = row.modified_at.saturating_mul(1000);
            if filter.op() == "gte" {
                millis >= bound
            } else {
                millis <= bound
            }
        }
        _ => false,
    }
}

/// What `get_scripts` lists of a script.
fn summary(row: &ScriptRow) -> Map<String, Value> {
    let script = &row.script;
    let supports = |platform| Value::Bool(script.platforms.contains(&platform));
    let script_id = row
        .uid
        .get(..13)
        .and_then(|digits| u64::from_str_radix(digits, 16).ok())
        .unwrap_or_default();
    let mut summary = Map::new();
    summary.insert("script_id".into(), script_id.into());
    summary.insert("script_uid".into(), row.uid.clone().into());
    summary.insert("name".into(), script.name.clone().into());
    summary.insert("description".into(), script.description.clone().into());
    summary.insert("modification_date".into(), (row.modified_at * 1000).into());
    summary.insert("created_by".into(), script.created_by.clone().into());
    summary.insert(
        "is_high_risk".into(),
        (script.outcome == Outcome::HighRisk).into(),
    );
    summary.insert("windows_supported".into(), supports(Platform::Windows));
    summary.insert("linux_supported".into(), supports(Platform::Linux));
    summary.insert("macos_supported".into(), supports(Platform::MacOs));
    summary
}

/// The entry point's fields of the metadata; a script that just runs has an empty entry point
/// and no inputs or outputs.
fn entry_point(manifest: &Manifest) -> Map<String, Value> {
    let mut fields = Map::new();
    let Some(entry) = manifest.entry_point() else {
        fields.insert("entry_point".into(), "".into());
        fields.insert("script_input".into(), Value::Null);
        fields.insert("script_output_type".into(), "".into());
        fields.insert("script_output_dictionary_definitions".into(), Value::Null);
        return fields;
    };
    let inputs: Vec<Value> = entry
        .inputs()
        .iter()
        .map(|p| serde_json::json!({"name": p.name, "type": p.param_type.as_str()}))
        .collect();
    let (output_type, definitions) = match entry.output() {
        OutputSpec::Single(kind) => (kind.as_str(), Value::Null),
        OutputSpec::Dictionary(declared) => (
            "dictionary",
            serde_json::to_value(declared).unwrap_or(Value::Null),
        ),
    };
    fields.insert("entry_point".into(), entry.name().into());
    fields.insert("script_input".into(), inputs.into());
    fields.insert("script_output_type".into(), output_type.into());
    fields.insert("script_output_dictionary_definitions".into(), definitions);
    fields
}
