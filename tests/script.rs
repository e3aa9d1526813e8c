//! Upload-time validation of scripts and the script library, on the real guest interpreter.

mod cli;
mod entry;
mod faults;
mod library;
mod modules;

use ward::script::{ValidationReport, validate_script};

use crate::common::sandbox;

/// Validates `code`, with `manifest` when given, in the shared engine.
async fn check(code: &str, manifest: Option<&str>) -> ValidationReport {
    validate_script(sandbox(), "script.py", code, manifest.map(str::as_bytes))
        .await
        .expect("the validation runs")
}

/// Each problem as `(code, line)`, in the order reported.
fn problems(report: &ValidationReport) -> Vec<(&'static str, Option<usize>)> {
    report.errors.iter().map(|e| (e.code(), e.line())).collect()
}

/// A valid manifest for entry point `entry_point` with the given definition (the JSON of
/// `entry_point_definition`).
fn manifest(entry_point: &str, definition: &str) -> String {
    format!(
        r#"{{"name": "test_script", "description": "", "outcome": "Standard", "platform": "Linux", "timeout": 60, "entry_point": "{entry_point}", "entry_point_definition": {definition}}}"#
    )
}
