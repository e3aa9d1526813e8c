//! `ward script validate`, `ward script manifest SCRIPT.py` and `ward script modules`: checks
//! on script files, made by the guest interpreter.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Value, json};
use ward::script::{
    ModuleOrigin, ScriptError, ValidationReport, draft_manifest, outline, supported_modules,
    validate_script,
};

use super::{Shared, emit, print_json, read_text, runtime, write_out};

pub fn validate(
    shared: &Shared,
    script: &Path,
    manifest: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let code = read_text(script, "script")?;
    let manifest_bytes = manifest
        .map(|path| {
            std::fs::read(path).map_err(|e| {
                anyhow::anyhow!("failed to read the manifest `{}`: {e}", path.display())
            })
        })
        .transpose()?;
    let sandbox = shared.sandbox()?;
    let report = runtime()?.block_on(validate_script(
        &sandbox,
        &file_name(script),
        &code,
        manifest_bytes.as_deref(),
    ))?;

    if shared.json {
        let mut value = serde_json::to_value(&report)?;
        value["valid"] = Value::from(report.is_valid());
        print_json(&value)?;
    } else {
        emit(&render_report(&report, script, manifest)?)?;
    }
    Ok(exit_code(report.is_valid()))
}

/// Problems on standard output, one per line with the file at fault; compiler warnings on
/// standard error.
fn render_report(
    report: &ValidationReport,
    script: &Path,
    manifest: Option<&Path>,
) -> anyhow::Result<String> {
    let script_name = script.display();
    for warning in &report.warnings {
        match warning.line {
            Some(line) => eprintln!("{script_name}: warning: line {line}: {}", warning.message),
            None => eprintln!("{script_name}: warning: {}", warning.message),
        }
    }
    let mut out = String::new();
    for error in &report.errors {
        match (error, manifest) {
            (ScriptError::Manifest(inner), Some(path)) => {
                writeln!(out, "{}: {inner}", path.display())?
            }
            _ => writeln!(out, "{script_name}: {error}")?,
        }
    }
    match report.errors.len() {
        0 => writeln!(
            out,
            "{script_name}: valid ({}, {}{})",
            count(report.imports.len(), "import"),
            count(report.functions.len(), "top-level function"),
            if manifest.is_some() {
                ", manifest consistent"
            } else {
                "; no manifest checked"
            }
        )?,
        n => writeln!(out, "{}: the script would be refused", count(n, "problem"))?,
    }
    Ok(out)
}

/// `ward script manifest SCRIPT.py`: a draft manifest from the entry point's signature, checked
/// against the script like an uploaded one.
pub fn draft(
    shared: &Shared,
    script: &Path,
    entry_point: Option<&str>,
    output: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let code = read_text(script, "script")?;
    let name = script
        .file_stem()
        .map_or("script".into(), |stem| stem.to_string_lossy().into_owned());
    let sandbox = shared.sandbox()?;
    let runtime = runtime()?;
    let outline = runtime.block_on(outline(&sandbox, &file_name(script), &code))?;
    let manifest = draft_manifest(&outline, &name, entry_point)?;
    let text = manifest.to_single_line_json();

    let report = runtime.block_on(validate_script(
        &sandbox,
        &file_name(script),
        &code,
        Some(text.as_bytes()),
    ))?;
    if shared.json {
        let value: Value = serde_json::from_str(&text)?;
        write_out(
            &format!("{}\n", serde_json::to_string_pretty(&value)?),
            output.as_deref(),
        )?;
    } else {
        write_out(&format!("{text}\n"), output.as_deref())?;
    }

    if entry_point.is_none() && !outline.functions.is_empty() {
        let names: Vec<&str> = outline.functions.iter().map(|f| f.name.as_str()).collect();
        eprintln!(
            "note: drafted for a script that runs from top to bottom; it defines {}: pass \
             --entry-point NAME to draft one function's parameters",
            names.join(", ")
        );
    }
    for error in &report.errors {
        eprintln!("{}: {error}", script.display());
    }
    if !report.is_valid() {
        eprintln!("the draft needs changes before the script can be uploaded");
    }
    Ok(exit_code(report.is_valid()))
}

/// `ward script modules`.
pub fn modules(shared: &Shared) -> anyhow::Result<ExitCode> {
    let sandbox = shared.sandbox()?;
    let modules = runtime()?.block_on(supported_modules(&sandbox))?;
    if shared.json {
        let supported: Vec<Value> = modules
            .supported()
            .map(|(name, origin)| json!({"name": name, "origin": origin}))
            .collect();
        let unsupported: Vec<Value> = modules
            .unsupported()
            .map(|(name, reason)| json!({"name": name, "reason": reason}))
            .collect();
        print_json(&json!({"supported": supported, "unsupported": unsupported}))?;
        return Ok(ExitCode::SUCCESS);
    }

    let mut out = String::from("Modules scripts can import:\n");
    for (name, origin) in modules.supported() {
        match origin {
            ModuleOrigin::Ward => {
                writeln!(out, "  {name} (ward: reaches the host through policy)")?
            }
            ModuleOrigin::Stdlib => writeln!(out, "  {name}")?,
        }
    }
    out.push_str("\nStandard-library modules that do not work in the sandbox:\n");
    for (name, reason) in modules.unsupported() {
        writeln!(out, "  {name}: {reason}")?;
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or("script.py".into(), |n| n.to_string_lossy().into_owned())
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn exit_code(valid: bool) -> ExitCode {
    if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
