//! Asking the guest interpreter about a script: the call into the `ward_validate` guest module
//! and the description it returns.
//!
//! The guest runs with whatever host access the sandbox was given, but its validation functions
//! touch nothing outside the interpreter; a run's audit records, if any, name the script
//! `ward_validate`.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ValidationError;
use crate::policy::Risk;
use crate::sandbox::{Job, Limits, Mode, Outcome, RunResult, Sandbox};
use crate::status::Status;

/// A description of a script, as the guest interpreter reads it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ScriptOutline {
    /// `None` when the script parses and compiles.
    pub syntax_error: Option<SyntaxFault>,
    /// Every import in the script, in source order; empty when it does not parse.
    pub imports: Vec<Import>,
    /// The functions defined at module level (also inside a top-level `if`, `try` or `with`),
    /// in source order; empty when the script does not parse.
    pub functions: Vec<Function>,
    pub warnings: Vec<SourceWarning>,
}

/// The error CPython's parser or compiler raised for the script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntaxFault {
    /// `SyntaxError`, `IndentationError` or `TabError`; `RecursionError` or `MemoryError` for
    /// a script nested too deeply for the interpreter to compile.
    pub kind: String,
    /// 1-based; `None` for errors about the text as a whole (a null byte).
    pub line: Option<usize>,
    /// 1-based, in characters.
    pub column: Option<usize>,
    pub message: String,
    /// The line at fault, as written.
    pub text: Option<String>,
}

/// One import: a statement, or `__import__`/`importlib.import_module` with a constant name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    /// The dotted name without its leading dots; empty for `from . import x`.
    pub module: String,
    /// The number of leading dots; 0 for an absolute import.
    pub level: usize,
    /// The names of a `from ... import` statement; empty otherwise.
    pub names: Vec<String>,
    pub line: usize,
    /// Inside a `try:` whose handlers catch `ImportError` (or a parent of it): the script copes
    /// with the module's absence, so the import is not held against it.
    pub guarded: bool,
}

impl Import {
    /// The module as written, leading dots included.
    pub fn written(&self) -> String {
        format!("{}{}", ".".repeat(self.level), self.module)
    }
}

/// A function defined at the top level of a script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    /// The line of the `def`.
    pub line: usize,
    pub is_async: bool,
    /// Contains `yield`, so calling it returns a generator rather than its value.
    pub is_generator: bool,
    /// Has decorators; its parameters are still read from its `def` line.
    pub decorated: bool,
    pub params: Vec<Param>,
    /// Its own `return` statements, not those of functions nested in it.
    pub returns: Vec<ReturnShape>,
}

/// One parameter of a function, as written in its `def` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
    /// The annotation's source text, such as `list[str]`.
    pub annotation: Option<String>,
    /// The default's source text, such as `5`.
    pub default: Option<String>,
}

/// Where a parameter sits in the signature, which decides how it can be passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// Before `/`: cannot be passed by name.
    PositionalOnly,
    Positional,
    /// `*args`.
    VarPositional,
    /// After `*` or `*args`.
    KeywordOnly,
    /// `**kwargs`.
    VarKeyword,
}

/// What one `return` statement gives back, as far as its text tells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnShape {
    pub line: usize,
    pub kind: ReturnKind,
    /// The keys of a dictionary literal (or `dict(key=...)`) when all are constant strings.
    pub keys: Option<Vec<String>>,
    /// The value of a constant (or of a list of constants), when it is short.
    pub value: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnKind {
    /// A bare `return` or `return None`.
    Nothing,
    Dict,
    /// A list or tuple display, or a list comprehension.
    List,
    /// A string constant or an f-string.
    String,
    Number,
    /// `True`, `False`, a comparison or a `not`.
    Boolean,
    /// Anything the text alone does not tell, such as a call or a name.
    Unknown,
}

/// A warning of CPython's compiler about the script (it does not refuse the script).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceWarning {
    pub line: Option<usize>,
    /// Such as `SyntaxWarning: "is" with a literal. Did you mean "=="?`.
    pub message: String,
}

/// How long the guest may take to describe one script.
const OUTLINE_TIMEOUT: Duration = Duration::from_secs(30);

/// Describes `code` with the guest interpreter, in one sandbox run.
///
/// A script nested too deeply for the interpreter to compile crashes it, here as it would in a
/// run; that is reported as the script's `RecursionError`, not as a failure of the check.
///
/// # Errors
///
/// [`ValidationError`] when the run could not be made or the guest did not answer as expected.
pub async fn outline(
    sandbox: &Sandbox,
    filename: &str,
    code: &str,
) -> Result<ScriptOutline, ValidationError> {
    let mut params = Map::new();
    params.insert("source".into(), Value::from(code));
    params.insert("filename".into(), Value::from(filename));
    let result = run(sandbox, "validate", params, OUTLINE_TIMEOUT).await?;
    if matches!(result.outcome, Outcome::Crashed { .. }) {
        return Ok(ScriptOutline {
            syntax_error: Some(SyntaxFault {
                kind: "RecursionError".into(),
                line: None,
                column: None,
                message: "the interpreter ran out of stack while compiling the script, as it \
                          would when running it"
                    .into(),
                text: None,
            }),
            imports: Vec::new(),
            functions: Vec::new(),
            warnings: Vec::new(),
        });
    }
    answer("validate", result)
}

/// Calls `function` of the `ward_validate` guest module with `params` and reads its answer.
pub(super) async fn call<T: DeserializeOwned>(
    sandbox: &Sandbox,
    function: &str,
    params: Map<String, Value>,
    timeout: Duration,
) -> Result<T, ValidationError> {
    let result = run(sandbox, function, params, timeout).await?;
    answer(function, result)
}

async fn run(
    sandbox: &Sandbox,
    function: &str,
    params: Map<String, Value>,
    timeout: Duration,
) -> Result<RunResult, ValidationError> {
    let job = Job {
        run_id: format!("validate-{}", uuid::Uuid::new_v4()),
        filename: "ward_validate".into(),
        code: format!("from ward_validate import {function}"),
        mode: Mode::EntryPoint {
            name: function.into(),
            params,
        },
        risk: Risk::Standard,
    };
    let limits = Limits {
        timeout,
        ..Limits::default()
    };
    Ok(sandbox.run(&job, &limits, std::future::pending()).await?)
}

/// The guest function's return value, read as `T`.
fn answer<T: DeserializeOwned>(function: &str, result: RunResult) -> Result<T, ValidationError> {
    if result.status != Status::CompletedSuccessfully {
        let reason = result
            .error
            .unwrap_or_else(|| format!("the run ended with status {}", result.status));
        return Err(ValidationError::Guest {
            function: function.into(),
            reason,
        });
    }
    serde_json::from_value(result.return_value).map_err(|e| ValidationError::Guest {
        function: function.into(),
        reason: format!("its answer is malformed: {e}"),
    })
}
