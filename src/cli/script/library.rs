//! `ward script add|list|show|code|manifest|duplicate|edit|delete`: the library in a local
//! folder. The names match what a server-backed CLI offers, so that scripts move between them
//! without new habits.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};
use ward::script::{FolderStorage, Library, LibraryError, ScriptRecord};

use super::{Shared, current_user, emit, print_json, read_text, runtime, write_out};

fn open(shared: &Shared) -> anyhow::Result<Library<FolderStorage>> {
    Ok(Library::new(FolderStorage::new(shared.library_dir()))?)
}

pub fn add(
    shared: &Shared,
    script: &Path,
    manifest: &Path,
    created_by: Option<String>,
) -> anyhow::Result<ExitCode> {
    let code = read_text(script, "script")?;
    let manifest = read_text(manifest, "manifest")?;
    let library = open(shared)?;
    let sandbox = shared.sandbox()?;
    let added = runtime()?.block_on(library.add(
        &sandbox,
        &code,
        manifest.as_bytes(),
        &current_user(created_by),
    ));
    report_change(shared, "added", added)
}

pub fn list(shared: &Shared) -> anyhow::Result<ExitCode> {
    let records = open(shared)?.list()?;
    if shared.json {
        print_json(&records)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = format!(
        "{:<36}  {:<24}  {:<9}  {:<19}  {:<12}  MODIFIED\n",
        "ID", "NAME", "OUTCOME", "PLATFORMS", "CREATED BY"
    );
    for record in &records {
        writeln!(
            out,
            "{:<36}  {:<24}  {:<9}  {:<19}  {:<12}  {}{}",
            record.id,
            record.name(),
            record.manifest.outcome().as_str(),
            platforms(record),
            record.created_by,
            record.modified_rfc3339(),
            if record.builtin { "  (built-in)" } else { "" }
        )?;
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn show(shared: &Shared, key: &str) -> anyhow::Result<ExitCode> {
    let script = open(shared)?.get(key)?;
    let manifest: Value = serde_json::from_str(&script.record.manifest.to_single_line_json())?;
    if shared.json {
        let mut value = serde_json::to_value(&script.record)?;
        value["manifest"] = manifest;
        print_json(&value)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = render_record(&script.record)?;
    writeln!(
        out,
        "manifest:    {}",
        script.record.manifest.to_single_line_json()
    )?;
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn code(shared: &Shared, key: &str, output: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let script = open(shared)?.get(key)?;
    if shared.json {
        let value = json!({
            "id": script.record.id,
            "name": script.record.name(),
            "sha256": script.record.sha256,
            "code": script.code,
        });
        write_out(
            &format!("{}\n", serde_json::to_string_pretty(&value)?),
            output.as_deref(),
        )?;
    } else {
        write_out(&script.code, output.as_deref())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `ward script manifest ID`: the definitions file of a library script.
pub fn definitions(
    shared: &Shared,
    key: &str,
    output: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let script = open(shared)?.get(key)?;
    let text = if shared.json {
        let value: Value = serde_json::from_str(&script.record.manifest.to_single_line_json())?;
        format!("{}\n", serde_json::to_string_pretty(&value)?)
    } else {
        script.definitions()
    };
    write_out(&text, output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

pub fn duplicate(
    shared: &Shared,
    key: &str,
    name: Option<&str>,
    created_by: Option<String>,
) -> anyhow::Result<ExitCode> {
    let library = open(shared)?;
    let copy = library.duplicate(key, &current_user(created_by), name);
    report_change(shared, "added", copy)
}

pub fn edit(
    shared: &Shared,
    key: &str,
    code: Option<&Path>,
    manifest: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let code = code.map(|path| read_text(path, "script")).transpose()?;
    let manifest = manifest
        .map(|path| read_text(path, "manifest"))
        .transpose()?;
    let library = open(shared)?;
    let sandbox = shared.sandbox()?;
    let edited = runtime()?.block_on(library.edit(
        &sandbox,
        key,
        code.as_deref(),
        manifest.as_deref().map(str::as_bytes),
    ));
    report_change(shared, "changed", edited)
}

pub fn delete(shared: &Shared, key: &str) -> anyhow::Result<ExitCode> {
    let deleted = open(shared)?.delete(key);
    report_change(shared, "deleted", deleted)
}

/// Prints what a change did; a refused script is listed problem by problem and exits 1, any
/// other failure is returned as an error.
fn report_change(
    shared: &Shared,
    done: &str,
    result: Result<ScriptRecord, LibraryError>,
) -> anyhow::Result<ExitCode> {
    match result {
        Ok(record) if shared.json => {
            print_json(&record)?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(record) => {
            emit(&format!("{done} `{}` ({})\n", record.name(), record.id))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(LibraryError::Invalid(errors)) => {
            if shared.json {
                print_json(&json!({"refused": true, "errors": errors.0}))?;
            } else {
                let mut out = String::new();
                for error in &errors.0 {
                    writeln!(out, "{error}")?;
                }
                match errors.0.len() {
                    1 => out.push_str("the script was refused (1 problem)\n"),
                    n => writeln!(out, "the script was refused ({n} problems)")?,
                }
                emit(&out)?;
            }
            Ok(ExitCode::FAILURE)
        }
        Err(other) => Err(other.into()),
    }
}

fn render_record(record: &ScriptRecord) -> Result<String, std::fmt::Error> {
    let manifest = &record.manifest;
    let entry_point = manifest
        .entry_point()
        .map_or("(none: runs from top to bottom)", |e| e.name());
    let mut out = String::new();
    writeln!(out, "id:          {}", record.id)?;
    writeln!(out, "name:        {}", manifest.name())?;
    writeln!(out, "description: {}", manifest.description())?;
    writeln!(out, "outcome:     {}", manifest.outcome())?;
    writeln!(out, "platforms:   {}", platforms(record))?;
    writeln!(out, "timeout:     {} s", manifest.timeout().as_secs())?;
    writeln!(out, "entry point: {entry_point}")?;
    writeln!(out, "created by:  {}", record.created_by)?;
    writeln!(out, "modified:    {}", record.modified_rfc3339())?;
    writeln!(out, "sha256:      {}", record.sha256)?;
    writeln!(
        out,
        "built-in:    {}",
        if record.builtin { "yes" } else { "no" }
    )?;
    Ok(out)
}

/// The platforms as the manifest writes them: `Windows,macOS,Linux`.
fn platforms(record: &ScriptRecord) -> String {
    let names: Vec<&str> = record
        .manifest
        .platforms()
        .iter()
        .map(|p| p.as_str())
        .collect();
    names.join(",")
}
