//! The second stage for `entry_point_definition`: the entry point's typed
//! input parameters and its declared output.
//!
//! Names matter here because the guest passes each input to the entry point
//! as a Python keyword argument and reads each output field as a dictionary
//! key: they must be identifiers a script can write, the same in every
//! console, so they are held to `[a-z_][a-z0-9_]*` and no Python keyword.

use std::collections::HashSet;

use super::raw::{Field, Object, RawDefinition, RawOutput, RawOutputField, RawParam};
use super::validate::{join, required, unknown_fields};
use super::{ManifestError, OutputField, OutputSpec};
use crate::script::params::{ParamSpec, ParamType, shorten};

const PATH: &str = "entry_point_definition";
const INPUTS: &str = "entry_point_definition.input_params";
const OUTPUT: &str = "entry_point_definition.output_params";

/// The output type name that declares a dictionary rather than one value.
pub(super) const DICTIONARY: &str = "JSON";

/// A checked definition; `output` is `None` when `output_params` is absent.
pub(super) struct Definition {
    pub inputs: Vec<ParamSpec>,
    pub output: Option<OutputSpec>,
}

/// Checks the definition of an entry point, or of a script that just runs
/// (`just_run`: then it may declare neither inputs nor an output).
pub(super) fn check(
    definition: &Object<RawDefinition>,
    just_run: bool,
    errors: &mut Vec<ManifestError>,
) -> Option<Definition> {
    let before = errors.len();
    unknown_fields(definition, PATH, errors);
    let raw = &definition.fields;

    let inputs = match optional(&raw.input_params, INPUTS, "a list", errors) {
        Some(Some(params)) => check_inputs(params, errors),
        Some(None) => Some(Vec::new()),
        None => None,
    };
    if just_run && matches!(&raw.input_params, Field::Given(params) if !params.is_empty()) {
        errors.push(ManifestError::InputsWithoutEntryPoint);
    }

    let output = if just_run && !matches!(raw.output_params, Field::Absent) {
        errors.push(ManifestError::OutputWithoutEntryPoint);
        None
    } else {
        match optional(&raw.output_params, OUTPUT, "an object", errors) {
            Some(Some(output)) => check_output(output, errors).map(Some),
            Some(None) => Some(None),
            None => None,
        }
    };

    if errors.len() > before {
        return None;
    }
    Some(Definition {
        inputs: inputs?,
        output: output?,
    })
}

/// `Some(None)` for an absent field, `None` (problem recorded) for a field of
/// the wrong JSON shape.
fn optional<'a, T>(
    field: &'a Field<T>,
    path: &str,
    expected: &'static str,
    errors: &mut Vec<ManifestError>,
) -> Option<Option<&'a T>> {
    match field {
        Field::Absent => Some(None),
        other => required(other, path, expected, errors).map(Some),
    }
}

fn check_inputs(
    params: &[Field<Object<RawParam>>],
    errors: &mut Vec<ManifestError>,
) -> Option<Vec<ParamSpec>> {
    let mut names = HashSet::new();
    let mut specs = Vec::new();
    let mut ok = true;
    for (index, param) in params.iter().enumerate() {
        let path = format!("{INPUTS}[{index}]");
        let Some(param) = required(param, &path, "an object with a name and a type", errors) else {
            ok = false;
            continue;
        };
        unknown_fields(param, &path, errors);
        let name = checked_name(&param.fields.name, &path, &mut names, errors);
        let type_path = join(&path, "type");
        let param_type = required(&param.fields.param_type, &type_path, "a string", errors)
            .and_then(|given| parse_type(given, &type_path, errors));
        match (name, param_type) {
            (Some(name), Some(param_type)) => specs.push(ParamSpec { name, param_type }),
            _ => ok = false,
        }
    }
    ok.then_some(specs)
}

fn check_output(output: &Object<RawOutput>, errors: &mut Vec<ManifestError>) -> Option<OutputSpec> {
    unknown_fields(output, OUTPUT, errors);
    let type_path = join(OUTPUT, "type");
    let value_path = join(OUTPUT, "value");
    let output_type = required(&output.fields.output_type, &type_path, "a string", errors);
    let fields = optional(&output.fields.value, &value_path, "a list", errors)?;

    match (output_type?.as_str(), fields) {
        (DICTIONARY, Some(fields)) => {
            check_output_fields(fields, errors).map(OutputSpec::Dictionary)
        }
        (DICTIONARY, None) => {
            errors.push(ManifestError::MissingOutputFields);
            None
        }
        (single, fields) => {
            let Ok(output_type) = single.parse::<ParamType>() else {
                errors.push(ManifestError::UnknownOutputType {
                    field: type_path,
                    given: shorten(single),
                });
                return None;
            };
            if fields.is_some_and(|fields| !fields.is_empty()) {
                errors.push(ManifestError::UnexpectedOutputFields { output_type });
                return None;
            }
            Some(OutputSpec::Single(output_type))
        }
    }
}

fn check_output_fields(
    fields: &[Field<Object<RawOutputField>>],
    errors: &mut Vec<ManifestError>,
) -> Option<Vec<OutputField>> {
    let mut names = HashSet::new();
    let mut checked = Vec::new();
    let mut ok = true;
    for (index, field) in fields.iter().enumerate() {
        let path = format!("{OUTPUT}.value[{index}]");
        let expected = "an object with a name, a friendly_name and a type";
        let Some(field) = required(field, &path, expected, errors) else {
            ok = false;
            continue;
        };
        unknown_fields(field, &path, errors);
        let raw = &field.fields;
        let name = checked_name(&raw.name, &path, &mut names, errors);
        let title_path = join(&path, "friendly_name");
        let friendly_name =
            required(&raw.friendly_name, &title_path, "a string", errors).and_then(|title| {
                if title.trim().is_empty() {
                    errors.push(ManifestError::EmptyFriendlyName { field: title_path });
                    return None;
                }
                Some(title.clone())
            });
        let type_path = join(&path, "type");
        let param_type = required(&raw.field_type, &type_path, "a string", errors)
            .and_then(|given| parse_type(given, &type_path, errors));
        match (name, friendly_name, param_type) {
            (Some(name), Some(friendly_name), Some(param_type)) => checked.push(OutputField {
                name,
                friendly_name,
                param_type,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(checked)
}

fn parse_type(given: &str, path: &str, errors: &mut Vec<ManifestError>) -> Option<ParamType> {
    let parsed = given.parse::<ParamType>().ok();
    if parsed.is_none() {
        errors.push(ManifestError::UnknownType {
            field: path.to_owned(),
            given: shorten(given),
        });
    }
    parsed
}

/// The `name` of the object at `path`, if it is a valid name not seen before
/// in the same list.
fn checked_name(
    name: &Field<String>,
    path: &str,
    seen: &mut HashSet<String>,
    errors: &mut Vec<ManifestError>,
) -> Option<String> {
    let path = join(path, "name");
    let name = required(name, &path, "a string", errors)?;
    let given = shorten(name);
    let error = if is_name(name) {
        if is_python_keyword(name) {
            ManifestError::KeywordName { field: path, given }
        } else if !seen.insert(name.clone()) {
            ManifestError::DuplicateName { field: path, given }
        } else {
            return Some(name.clone());
        }
    } else if is_name(&name.to_ascii_lowercase()) {
        ManifestError::UpperCaseName { field: path, given }
    } else {
        ManifestError::InvalidName { field: path, given }
    };
    errors.push(error);
    None
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The reserved words of Python 3.12, which cannot name a parameter or a
/// function. Soft keywords (`match`, `case`, `type`, `_`) can, and are
/// allowed.
pub(super) fn is_python_keyword(name: &str) -> bool {
    const KEYWORDS: [&str; 35] = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
        "try", "while", "with", "yield",
    ];
    KEYWORDS.contains(&name)
}
