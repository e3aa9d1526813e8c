//! The entry point against its manifest: the function exists, can be called the way a run calls
//! it, and takes exactly the declared parameters; and drafting a manifest from its signature.
//!
//! A run calls the entry point as `name(**params)` with every declared parameter, by name. So:
//!
//! - each declared parameter must be a parameter of the function that can be passed by name
//!   (not positional-only), unless the function takes `**kwargs`;
//! - each parameter of the function without a default must be declared, or every call fails;
//! - a parameter with a default may be left out of the manifest: it keeps its default in every
//!   run. This lets a script keep settings the console never changes, and the call still works;
//! - `*args` is always empty and never needs declaring.
//!
//! Parameters are read from the `def` line as written, decorators notwithstanding.

use super::guest::{Function, ParamKind};
use super::{DraftError, ScriptError, ScriptOutline, returns};
use crate::script::{EntryPoint, Manifest};

/// Adds to `errors` every way `entry` does not match the script's `functions`.
pub(super) fn check(entry: &EntryPoint, functions: &[Function], errors: &mut Vec<ScriptError>) {
    // When a name is defined twice, the last definition is the one the run calls.
    let Some(function) = functions.iter().rev().find(|f| f.name == entry.name()) else {
        errors.push(ScriptError::MissingEntryPoint {
            name: entry.name().to_owned(),
        });
        return;
    };

    if function.is_async {
        errors.push(ScriptError::AsyncEntryPoint {
            name: function.name.clone(),
            line: function.line,
        });
    }
    if function.is_generator {
        errors.push(ScriptError::GeneratorEntryPoint {
            name: function.name.clone(),
            line: function.line,
        });
    }
    check_params(entry, function, errors);
    returns::check(entry.output(), function, errors);
}

fn check_params(entry: &EntryPoint, function: &Function, errors: &mut Vec<ScriptError>) {
    let takes_any = function
        .params
        .iter()
        .any(|p| p.kind == ParamKind::VarKeyword);
    let error_for = |param: &str| (function.name.clone(), param.to_owned(), function.line);

    for declared in entry.inputs() {
        let found = function.params.iter().find(|p| {
            p.name == declared.name
                && !matches!(p.kind, ParamKind::VarPositional | ParamKind::VarKeyword)
        });
        match found.map(|p| p.kind) {
            Some(ParamKind::PositionalOnly) => {
                let (function, param, line) = error_for(&declared.name);
                errors.push(ScriptError::PositionalOnlyParameter {
                    function,
                    param,
                    line,
                });
            }
            Some(_) => {}
            None if takes_any => {}
            None => {
                let (function, param, line) = error_for(&declared.name);
                errors.push(ScriptError::UnknownParameter {
                    function,
                    param,
                    line,
                });
            }
        }
    }

    for param in &function.params {
        let needs_value = matches!(
            param.kind,
            ParamKind::PositionalOnly | ParamKind::Positional | ParamKind::KeywordOnly
        ) && param.default.is_none();
        let declared = entry.inputs().iter().any(|spec| spec.name == param.name);
        // A declared positional-only parameter is reported above already.
        if !needs_value || declared {
            continue;
        }
        let (function, param_name, line) = error_for(&param.name);
        errors.push(if param.kind == ParamKind::PositionalOnly {
            ScriptError::PositionalOnlyParameter {
                function,
                param: param_name,
                line,
            }
        } else {
            ScriptError::UndeclaredParameter {
                function,
                param: param_name,
                line,
            }
        });
    }
}

/// Drafts the manifest of a script named `script_name` from its outline: with `entry_point`,
/// from that function's signature (every parameter that can be passed by name; `*args` and
/// `**kwargs` left out), otherwise a manifest for a script that just runs. See
/// [`Manifest::from_signature`] for the types and defaults chosen.
///
/// The draft is a starting point: check it with [`super::validate_script`] before upload.
///
/// # Errors
///
/// [`DraftError`] when the script does not parse, has no such function, or its names cannot
/// make a valid manifest (an empty script name, a parameter name with upper-case letters).
pub fn draft_manifest(
    outline: &ScriptOutline,
    script_name: &str,
    entry_point: Option<&str>,
) -> Result<Manifest, DraftError> {
    if let Some(fault) = &outline.syntax_error {
        return Err(DraftError::Syntax(ScriptError::Syntax(fault.clone())));
    }
    let Some(name) = entry_point else {
        return Manifest::from_signature(script_name, "", &[]).map_err(DraftError::Manifest);
    };
    let Some(function) = outline.functions.iter().rev().find(|f| f.name == name) else {
        return Err(DraftError::NoSuchFunction {
            name: name.to_owned(),
            defined: outline.functions.iter().map(|f| f.name.clone()).collect(),
        });
    };
    let params: Vec<(&str, Option<&str>, Option<&str>)> = function
        .params
        .iter()
        .filter(|p| matches!(p.kind, ParamKind::Positional | ParamKind::KeywordOnly))
        .map(|p| {
            (
                p.name.as_str(),
                p.annotation.as_deref(),
                p.default.as_deref(),
            )
        })
        .collect();
    Manifest::from_signature(script_name, name, &params).map_err(DraftError::Manifest)
}
