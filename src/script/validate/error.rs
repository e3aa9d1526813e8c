//! What can be wrong with a script at upload, each message giving the line and the fix, and the
//! error for when the checks themselves could not be made.

use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use thiserror::Error;

use super::{MAX_SCRIPT_BYTES, SyntaxFault};
use crate::sandbox::SandboxError;
use crate::script::{ManifestError, ManifestErrors};

/// One problem with a script or its manifest.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScriptError {
    #[error(
        "the script is {size} bytes, over the limit of {MAX_SCRIPT_BYTES}: move data out of the \
         code, or split the script"
    )]
    TooLarge { size: usize },
    #[error("{}", syntax_message(.0))]
    Syntax(SyntaxFault),
    #[error(
        "line {line}: module `{module}` does not work in the sandbox: {reason}; \
         `ward script modules` lists the modules that do"
    )]
    UnsupportedModule {
        module: String,
        line: usize,
        reason: String,
    },
    #[error(
        "line {line}: there is no module `{module}` in the sandbox: scripts can import the \
         standard library and ward's modules (ward, psutil, winreg), nothing installed \
         separately; `ward script modules` lists them"
    )]
    UnknownModule { module: String, line: usize },
    #[error(
        "line {line}: relative import `{module}`: a script is a single file with no package \
         around it; import by absolute name"
    )]
    RelativeImport { module: String, line: usize },
    #[error(
        "the entry point `{name}` is not defined: write `def {name}(...)` at the top level of \
         the script, or name an existing function in the manifest's `entry_point`"
    )]
    MissingEntryPoint { name: String },
    #[error(
        "line {line}: the entry point `{name}` is `async def`, but it is called as a plain \
         function: make it a plain `def`"
    )]
    AsyncEntryPoint { name: String, line: usize },
    #[error(
        "line {line}: the entry point `{name}` contains `yield`, so it would return a generator \
         rather than a value: build a list and return it"
    )]
    GeneratorEntryPoint { name: String, line: usize },
    #[error(
        "line {line}: the manifest declares parameter `{param}`, but `{function}` has no such \
         parameter: add it to the `def` line, or remove it from input_params"
    )]
    UnknownParameter {
        function: String,
        param: String,
        line: usize,
    },
    #[error(
        "line {line}: parameter `{param}` of `{function}` has no default and is not in the \
         manifest, so every run would fail: declare it in input_params, or give it a default"
    )]
    UndeclaredParameter {
        function: String,
        param: String,
        line: usize,
    },
    #[error(
        "line {line}: parameter `{param}` of `{function}` is positional-only (before `/`), but \
         parameters are passed by name: move the `/` before it, or remove it"
    )]
    PositionalOnlyParameter {
        function: String,
        param: String,
        line: usize,
    },
    #[error(
        "line {line}: `{function}` never returns a value, but the manifest declares its output \
         as {declared}: return the value, or declare the output as auto_detect"
    )]
    NoReturnValue {
        function: String,
        line: usize,
        declared: String,
    },
    #[error(
        "line {line}: this returns {found}, but the manifest declares the output as \
         {declared}: return {declared}, or change output_params"
    )]
    OutputMismatch {
        line: usize,
        found: String,
        declared: String,
    },
    #[error(
        "line {line}: the dictionary returned here has no key `{field}`, which the manifest \
         declares as an output field (\"{friendly_name}\"): add the key, or remove the field"
    )]
    MissingOutputField {
        line: usize,
        field: String,
        friendly_name: String,
    },
    #[error("manifest: {0}")]
    Manifest(ManifestError),
}

fn syntax_message(fault: &SyntaxFault) -> String {
    let place = match (fault.line, fault.column) {
        (Some(line), Some(column)) => format!("line {line}, column {column}: "),
        (Some(line), None) => format!("line {line}: "),
        _ => String::new(),
    };
    let hint = match fault.kind.as_str() {
        "TabError" => "indent with spaces only (4 per level)",
        "IndentationError" if fault.message.starts_with("unexpected indent") => {
            "remove the indentation: this line does not start a block"
        }
        "IndentationError" if fault.message.starts_with("expected an indented block") => {
            "indent the block one level more than the line that opens it"
        }
        "IndentationError" => "align the line with the block it belongs to",
        "RecursionError" | "MemoryError" => {
            "split deeply nested or very long expressions into smaller statements"
        }
        _ if fault.message.contains("null bytes") => "save the script as plain UTF-8 text",
        _ => "fix the statement; scripts run on Python 3.12",
    };
    format!("{place}{}: {}: {hint}", fault.kind, fault.message)
}

impl ScriptError {
    /// The script line at fault, for the problems that have one.
    pub fn line(&self) -> Option<usize> {
        match self {
            ScriptError::Syntax(fault) => fault.line,
            ScriptError::UnsupportedModule { line, .. }
            | ScriptError::UnknownModule { line, .. }
            | ScriptError::RelativeImport { line, .. }
            | ScriptError::AsyncEntryPoint { line, .. }
            | ScriptError::GeneratorEntryPoint { line, .. }
            | ScriptError::UnknownParameter { line, .. }
            | ScriptError::UndeclaredParameter { line, .. }
            | ScriptError::PositionalOnlyParameter { line, .. }
            | ScriptError::NoReturnValue { line, .. }
            | ScriptError::OutputMismatch { line, .. }
            | ScriptError::MissingOutputField { line, .. } => Some(*line),
            ScriptError::TooLarge { .. }
            | ScriptError::MissingEntryPoint { .. }
            | ScriptError::Manifest(_) => None,
        }
    }

    /// A stable name for the kind of problem, for programs reading `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            ScriptError::TooLarge { .. } => "too_large",
            ScriptError::Syntax(_) => "syntax",
            ScriptError::UnsupportedModule { .. } => "unsupported_module",
            ScriptError::UnknownModule { .. } => "unknown_module",
            ScriptError::RelativeImport { .. } => "relative_import",
            ScriptError::MissingEntryPoint { .. } => "missing_entry_point",
            ScriptError::AsyncEntryPoint { .. } => "async_entry_point",
            ScriptError::GeneratorEntryPoint { .. } => "generator_entry_point",
            ScriptError::UnknownParameter { .. } => "unknown_parameter",
            ScriptError::UndeclaredParameter { .. } => "undeclared_parameter",
            ScriptError::PositionalOnlyParameter { .. } => "positional_only_parameter",
            ScriptError::NoReturnValue { .. } => "no_return_value",
            ScriptError::OutputMismatch { .. } => "output_mismatch",
            ScriptError::MissingOutputField { .. } => "missing_output_field",
            ScriptError::Manifest(_) => "manifest",
        }
    }
}

/// Serialized as `{"code", "line", "column", "field", "message"}`: `column` for syntax errors,
/// `field` (the manifest field at fault) for manifest problems, both `null` otherwise.
impl Serialize for ScriptError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let column = match self {
            ScriptError::Syntax(fault) => fault.column,
            _ => None,
        };
        let field = match self {
            ScriptError::Manifest(error) => error.field(),
            _ => None,
        };
        let mut out = serializer.serialize_struct("ScriptError", 5)?;
        out.serialize_field("code", self.code())?;
        out.serialize_field("line", &self.line())?;
        out.serialize_field("column", &column)?;
        out.serialize_field("field", &field)?;
        out.serialize_field("message", &self.to_string())?;
        out.end()
    }
}

/// Every problem that refused a script, in the order found; never empty when returned.
///
/// Displayed one problem per line.
#[derive(Debug, Clone, PartialEq, Error)]
pub struct ScriptErrors(pub Vec<ScriptError>);

impl fmt::Display for ScriptErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// Why no manifest could be drafted for a script.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DraftError {
    #[error("the script does not parse, so its functions cannot be read: {0}")]
    Syntax(ScriptError),
    #[error(
        "the script defines no top-level function `{name}`: {}",
        defined_list(.defined)
    )]
    NoSuchFunction { name: String, defined: Vec<String> },
    #[error("the draft is not a valid manifest:\n{0}")]
    Manifest(ManifestErrors),
}

fn defined_list(defined: &[String]) -> String {
    if defined.is_empty() {
        return "it defines none; leave out the entry point to draft a script that just runs"
            .to_owned();
    }
    let quoted: Vec<String> = defined.iter().map(|n| format!("`{n}`")).collect();
    format!("name one of {}", quoted.join(", "))
}

/// The checks could not be made; this says nothing about the script.
#[derive(Debug, Error)]
pub enum ValidationError {
    #[error("failed to start the sandbox run that checks the script: {0}")]
    Sandbox(#[from] SandboxError),
    #[error(
        "the guest check `ward_validate.{function}` failed: {reason}; this is a fault of ward, \
         not of the script: report it with the script attached"
    )]
    Guest { function: String, reason: String },
}
