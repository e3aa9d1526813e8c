//! What the entry point visibly returns against the manifest's `output_params`.
//!
//! Only what the text of a `return` shows for certain is compared: a literal dictionary, list,
//! string, number or boolean. A returned name or call could be anything, so it is never held
//! against the script; the output shaper reports such mismatches after a run. An output
//! declared `auto_detect` (the default) accepts every value.

use serde_json::Value;

use super::ScriptError;
use super::guest::{Function, ReturnKind, ReturnShape};
use crate::script::params::shorten;
use crate::script::{OutputField, OutputSpec, ParamType};

/// Adds to `errors` every `return` of `function` that cannot fit `output`.
pub(super) fn check(output: &OutputSpec, function: &Function, errors: &mut Vec<ScriptError>) {
    let valued: Vec<&ReturnShape> = function
        .returns
        .iter()
        .filter(|shape| shape.kind != ReturnKind::Nothing)
        .collect();
    let accepts_anything = matches!(output, OutputSpec::Single(ParamType::AutoDetect));
    if accepts_anything {
        return;
    }
    // A generator is reported on its own; its `return` values are not what a call gives.
    if valued.is_empty() && !function.is_generator {
        errors.push(ScriptError::NoReturnValue {
            function: function.name.clone(),
            line: function.line,
            declared: declared(output),
        });
        return;
    }

    for shape in valued {
        match output {
            OutputSpec::Single(param_type) => {
                if !single_fits(*param_type, shape) {
                    errors.push(mismatch(shape, output));
                }
            }
            OutputSpec::Dictionary(fields) => check_dictionary(fields, shape, output, errors),
        }
    }
}

/// Whether a return of this shape can be a value of `param_type`.
fn single_fits(param_type: ParamType, shape: &ReturnShape) -> bool {
    if let Some(value) = &shape.value {
        // A constant is checked exactly as the output shaper will check the returned value.
        return OutputSpec::Single(param_type)
            .shape(value.clone())
            .mismatches
            .is_empty();
    }
    match shape.kind {
        ReturnKind::Dict => false,
        ReturnKind::List => param_type.item_type().is_some(),
        ReturnKind::String => matches!(param_type, ParamType::String | ParamType::Ip),
        ReturnKind::Number => param_type == ParamType::Number,
        ReturnKind::Boolean => param_type == ParamType::Boolean,
        ReturnKind::Nothing | ReturnKind::Unknown => true,
    }
}

fn check_dictionary(
    fields: &[OutputField],
    shape: &ReturnShape,
    output: &OutputSpec,
    errors: &mut Vec<ScriptError>,
) {
    match shape.kind {
        ReturnKind::Dict => {
            let Some(keys) = &shape.keys else { return };
            for field in fields.iter().filter(|f| !keys.contains(&f.name)) {
                errors.push(ScriptError::MissingOutputField {
                    line: shape.line,
                    field: field.name.clone(),
                    friendly_name: field.friendly_name.clone(),
                });
            }
        }
        ReturnKind::List | ReturnKind::String | ReturnKind::Number | ReturnKind::Boolean => {
            errors.push(mismatch(shape, output));
        }
        ReturnKind::Nothing | ReturnKind::Unknown => {}
    }
}

fn mismatch(shape: &ReturnShape, output: &OutputSpec) -> ScriptError {
    let noun = match shape.kind {
        ReturnKind::Dict => "a dictionary",
        ReturnKind::List => "a list",
        ReturnKind::String => "a string",
        ReturnKind::Number => "a number",
        ReturnKind::Boolean => "a boolean",
        ReturnKind::Nothing | ReturnKind::Unknown => "a value",
    };
    let found = match &shape.value {
        Some(value) => format!("{noun} (`{}`)", shorten(&literal(value))),
        None => noun.to_owned(),
    };
    ScriptError::OutputMismatch {
        line: shape.line,
        found,
        declared: declared(output),
    }
}

/// A constant about as the script writes it: `True`/`False`, strings in quotes, lists as JSON.
fn literal(value: &Value) -> String {
    match value {
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        other => other.to_string(),
    }
}

fn declared(output: &OutputSpec) -> String {
    match output {
        OutputSpec::Single(param_type) => format!("{} ({param_type})", param_type.noun()),
        OutputSpec::Dictionary(_) => "a dictionary (JSON)".to_owned(),
    }
}
