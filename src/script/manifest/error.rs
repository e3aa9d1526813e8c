//! Everything that can be wrong with a manifest, each message naming the field
//! and the fix, and the list that carries all of them out of the parser.

use std::fmt;

use thiserror::Error;

use super::{MAX_MANIFEST_BYTES, MAX_TIMEOUT_SECS, Platform};
use crate::script::params::ParamType;

/// One problem in a manifest.
///
/// [`field`](Self::field) gives the path of the field at fault, such as
/// `entry_point_definition.input_params[1].name`, for the problems that have
/// one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ManifestError {
    #[error("the manifest is empty: write the definitions as one JSON object")]
    Empty,
    #[error(
        "the manifest is {size} bytes, over the limit of {MAX_MANIFEST_BYTES}: \
         shorten the description"
    )]
    TooLarge { size: usize },
    #[error("the manifest is not UTF-8 text (invalid byte at offset {offset}): save it as UTF-8")]
    NotUtf8 { offset: usize },
    #[error(
        "the manifest spans {lines} lines: write the whole JSON object on a single line \
         (one line break at the very end is fine)"
    )]
    MultiLine { lines: usize },
    #[error(
        "the manifest has a tab character at line {line}, column {column} \
         (byte offset {offset}){}: replace tabs with spaces",
        more_tabs(.count)
    )]
    Tab {
        offset: usize,
        line: usize,
        column: usize,
        count: usize,
    },
    #[error("the manifest is not valid JSON at line {line}, column {column}: {reason}")]
    Syntax {
        line: usize,
        column: usize,
        reason: String,
    },
    #[error("the manifest must be one JSON object `{{...}}`, but it is {found}")]
    NotObject { found: &'static str },
    #[error("field `{field}` appears more than once: keep only one")]
    DuplicateField { field: String },
    #[error("mandatory field `{field}` is missing: add it")]
    MissingField { field: String },
    #[error("unknown field `{field}`: remove it; the fields allowed here are {}", quoted(.allowed))]
    UnknownField {
        field: String,
        allowed: &'static [&'static str],
    },
    #[error("field `{field}` must be {expected}, but it is {found}")]
    WrongType {
        field: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("field `name` is empty: give the script a name")]
    EmptyName,
    #[error("field `outcome` is `{given}`: write `Standard` or `High Risk`, spelled exactly so")]
    UnknownOutcome { given: String },
    #[error(
        "field `platform` lists `{given}`, which is not a platform: \
         use Windows, macOS or Linux, spelled exactly so"
    )]
    UnknownPlatform { given: String },
    #[error(
        "field `platform` has an empty entry: list platforms separated by commas, \
         such as Windows,macOS,Linux"
    )]
    EmptyPlatform,
    #[error("field `platform` lists {platform} more than once: list each platform once")]
    DuplicatePlatform { platform: Platform },
    #[error(
        "field `timeout` is {given}, not a whole number of seconds: write an integer such as 600"
    )]
    TimeoutNotInteger { given: String },
    #[error("field `timeout` is {given}: a script needs at least 1 second, such as 600")]
    TimeoutNotPositive { given: String },
    #[error(
        "field `timeout` is {given} seconds, over the limit of {MAX_TIMEOUT_SECS} (24 hours): \
         lower it"
    )]
    TimeoutTooLong { given: u64 },
    #[error(
        "field `{field}` is `{given}`, not a parameter type: use one of {}",
        ParamType::names()
    )]
    UnknownType { field: String, given: String },
    #[error(
        "field `{field}` is `{given}`, not an output type: use JSON for a dictionary, \
         or one of {}",
        ParamType::names()
    )]
    UnknownOutputType { field: String, given: String },
    #[error(
        "field `{field}` is `{given}`, which has upper-case letters: \
         names are lower case, such as `{}`",
        .given.to_ascii_lowercase()
    )]
    UpperCaseName { field: String, given: String },
    #[error(
        "field `{field}` is `{given}`, not a valid name: start with a lower-case letter \
         or `_`, then use only lower-case letters, digits and `_`"
    )]
    InvalidName { field: String, given: String },
    #[error("field `{field}` is `{given}`, a Python keyword: choose another name")]
    KeywordName { field: String, given: String },
    #[error("field `{field}` repeats the name `{given}`: give each one its own name")]
    DuplicateName { field: String, given: String },
    #[error(
        "field `entry_point` is `{given}`, not a Python function name: use letters, digits \
         and `_`, not starting with a digit, and no Python keyword; leave it empty to run \
         the script from top to bottom"
    )]
    InvalidEntryPoint { given: String },
    #[error(
        "field `entry_point_definition.input_params` lists parameters, but `entry_point` is \
         empty: name the function that takes them, or remove input_params"
    )]
    InputsWithoutEntryPoint,
    #[error(
        "field `entry_point_definition.output_params` is given, but `entry_point` is empty, \
         so the script returns nothing: name the function, or remove output_params"
    )]
    OutputWithoutEntryPoint,
    #[error(
        "field `entry_point_definition.output_params.value` is missing: a JSON output lists \
         its fields as [{{\"name\": ..., \"friendly_name\": ..., \"type\": ...}}]"
    )]
    MissingOutputFields,
    #[error(
        "field `entry_point_definition.output_params.value` lists fields, but the output \
         type is {output_type}: set \"type\" to \"JSON\" for a dictionary, or leave the list \
         empty"
    )]
    UnexpectedOutputFields { output_type: ParamType },
    #[error("field `{field}` is empty: give the title shown for this output field")]
    EmptyFriendlyName { field: String },
}

impl ManifestError {
    /// The path of the field at fault; `None` for problems with the text as a
    /// whole (size, encoding, lines, tabs, syntax, top-level type).
    pub fn field(&self) -> Option<&str> {
        match self {
            ManifestError::Empty
            | ManifestError::TooLarge { .. }
            | ManifestError::NotUtf8 { .. }
            | ManifestError::MultiLine { .. }
            | ManifestError::Tab { .. }
            | ManifestError::Syntax { .. }
            | ManifestError::NotObject { .. } => None,
            ManifestError::DuplicateField { field }
            | ManifestError::MissingField { field }
            | ManifestError::UnknownField { field, .. }
            | ManifestError::WrongType { field, .. }
            | ManifestError::UnknownType { field, .. }
            | ManifestError::UnknownOutputType { field, .. }
            | ManifestError::UpperCaseName { field, .. }
            | ManifestError::InvalidName { field, .. }
            | ManifestError::KeywordName { field, .. }
            | ManifestError::DuplicateName { field, .. }
            | ManifestError::EmptyFriendlyName { field } => Some(field),
            ManifestError::EmptyName => Some("name"),
            ManifestError::UnknownOutcome { .. } => Some("outcome"),
            ManifestError::UnknownPlatform { .. }
            | ManifestError::EmptyPlatform
            | ManifestError::DuplicatePlatform { .. } => Some("platform"),
            ManifestError::TimeoutNotInteger { .. }
            | ManifestError::TimeoutNotPositive { .. }
            | ManifestError::TimeoutTooLong { .. } => Some("timeout"),
            ManifestError::InvalidEntryPoint { .. } => Some("entry_point"),
            ManifestError::InputsWithoutEntryPoint => Some("entry_point_definition.input_params"),
            ManifestError::OutputWithoutEntryPoint => Some("entry_point_definition.output_params"),
            ManifestError::MissingOutputFields | ManifestError::UnexpectedOutputFields { .. } => {
                Some("entry_point_definition.output_params.value")
            }
        }
    }
}

fn more_tabs(count: &usize) -> String {
    match *count {
        0 | 1 => String::new(),
        2 => " and 1 more".to_owned(),
        n => format!(" and {} more", n - 1),
    }
}

fn quoted(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

/// Every problem found in a manifest, in the order found; never empty when
/// returned by the parser.
///
/// Displayed one problem per line, so that `ward script validate` can print
/// them all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct ManifestErrors(pub Vec<ManifestError>);

impl ManifestErrors {
    /// Whether any problem is about the field at `path`.
    pub fn mentions(&self, path: &str) -> bool {
        self.0.iter().any(|e| e.field() == Some(path))
    }
}

impl fmt::Display for ManifestErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}
