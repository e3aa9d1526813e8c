//! Upload-time checks of a script and its manifest, reporting every problem at once.
//!
//! The script is never run. Its text goes to the guest interpreter (the `ward_validate` guest
//! module, called in entry-point mode), which parses it with the grammar that will run it and
//! describes it: its syntax error, or its imports and top-level functions ([`outline`]). The host
//! then decides:
//!
//! - syntax and indentation: the guest's own `SyntaxError`, `IndentationError` or `TabError`,
//!   with line and column;
//! - imports: each one against [`SupportedModules`], the standard-library modules that work in
//!   the sandbox plus ward's guest modules, itself computed by the guest once per process;
//! - the entry point, when a manifest names one: the function exists, takes exactly the declared
//!   parameters, and what it visibly returns fits the declared output (see `entry`).
//!
//! These checks tell an author early what would fail in a run; they are not a security
//! boundary (a script can still reach a module by a computed name, and the sandbox, not this
//! module, decides what a run can do). Each check is one sandbox run of about 50-100 ms.

mod entry;
mod error;
mod guest;
mod modules;
mod returns;

use serde::Serialize;

use crate::sandbox::Sandbox;
use crate::script::Manifest;

pub use entry::draft_manifest;
pub use error::{DraftError, ScriptError, ScriptErrors, ValidationError};
pub use guest::{
    Function, Import, Param, ParamKind, ReturnKind, ReturnShape, ScriptOutline, SourceWarning,
    SyntaxFault, outline,
};
pub use modules::{ModuleOrigin, SupportedModules, supported_modules};

/// Largest script accepted, in bytes. The consoles' scripts are a few kilobytes; the bound keeps
/// a mistaken upload from being sent to the guest.
pub const MAX_SCRIPT_BYTES: usize = 1 << 20;

/// What validating a script found. The script is accepted when [`errors`](Self::errors) is
/// empty; warnings never refuse it.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    /// Every problem, the script's in line order first, then the manifest's.
    pub errors: Vec<ScriptError>,
    /// What the compiler warns about (`SyntaxWarning`, `DeprecationWarning`).
    pub warnings: Vec<SourceWarning>,
    /// Empty when the script does not parse.
    pub imports: Vec<Import>,
    /// Empty when the script does not parse.
    pub functions: Vec<Function>,
    /// The manifest, when one was given and it is valid.
    #[serde(skip)]
    pub manifest: Option<Manifest>,
}

impl ValidationReport {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Validates `code` (shown as `filename` in messages) and, when given, the bytes of its
/// manifest, with one run of `sandbox` (plus, once per process, the run that lists the
/// supported modules).
///
/// Without a manifest only syntax and imports are checked. The entry point is checked only when
/// the script parses and the manifest is valid, as there is nothing to compare otherwise.
///
/// # Errors
///
/// [`ValidationError`] when the sandbox could not carry out the checks; problems with the
/// script or the manifest are not errors but entries of [`ValidationReport::errors`].
pub async fn validate_script(
    sandbox: &Sandbox,
    filename: &str,
    code: &str,
    manifest: Option<&[u8]>,
) -> Result<ValidationReport, ValidationError> {
    let (manifest, manifest_errors) = match manifest.map(Manifest::parse) {
        Some(Ok(manifest)) => (Some(manifest), Vec::new()),
        Some(Err(errors)) => (None, errors.0),
        None => (None, Vec::new()),
    };
    let mut report = ValidationReport {
        errors: Vec::new(),
        warnings: Vec::new(),
        imports: Vec::new(),
        functions: Vec::new(),
        manifest,
    };

    if code.len() > MAX_SCRIPT_BYTES {
        report
            .errors
            .push(ScriptError::TooLarge { size: code.len() });
    } else {
        let outline = outline(sandbox, filename, code).await?;
        check_outline(sandbox, &outline, &mut report).await?;
        report.warnings = outline.warnings;
        report.imports = outline.imports;
        report.functions = outline.functions;
    }

    report
        .errors
        .extend(manifest_errors.into_iter().map(ScriptError::Manifest));
    Ok(report)
}

async fn check_outline(
    sandbox: &Sandbox,
    outline: &ScriptOutline,
    report: &mut ValidationReport,
) -> Result<(), ValidationError> {
    if let Some(fault) = &outline.syntax_error {
        report.errors.push(ScriptError::Syntax(fault.clone()));
        return Ok(());
    }

    let modules = supported_modules(sandbox).await?;
    report.errors.extend(
        outline
            .imports
            .iter()
            .filter(|import| !import.guarded)
            .filter_map(|import| modules.check(import)),
    );

    let entry_point = report.manifest.as_ref().and_then(Manifest::entry_point);
    if let Some(entry_point) = entry_point {
        entry::check(entry_point, &outline.functions, &mut report.errors);
    }
    report.errors.sort_by_key(ScriptError::line);
    Ok(())
}
