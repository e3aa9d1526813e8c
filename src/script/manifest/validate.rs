//! The second stage for the top-level fields: from the raw manifest to a
//! [`Manifest`], collecting every problem on the way. The entry point's
//! definition is checked in `definition`.

use serde::Deserialize;
use serde_json::{Number, Value};

use super::definition::{self, is_python_keyword};
use super::raw::{Declared, Field, Object, RawManifest};
use super::{EntryPoint, MAX_TIMEOUT_SECS, Manifest, ManifestError, Outcome, OutputSpec, Platform};
use crate::script::params::ParamType;

/// Checks every field of the parsed JSON; returns the manifest only if
/// nothing was wrong with any field.
pub(super) fn validate(json: Value, errors: &mut Vec<ManifestError>) -> Option<Manifest> {
    let raw = match Field::<Object<RawManifest>>::deserialize(&json) {
        Ok(Field::Given(raw)) => raw,
        _ => {
            errors.push(ManifestError::NotObject { found: kind(&json) });
            return None;
        }
    };
    unknown_fields(&raw, "", errors);
    let raw = raw.fields;

    let name = required(&raw.name, "name", "a string", errors).and_then(|name| {
        if name.trim().is_empty() {
            errors.push(ManifestError::EmptyName);
            return None;
        }
        Some(name.clone())
    });
    let description = required(&raw.description, "description", "a string", errors).cloned();
    let outcome = required(&raw.outcome, "outcome", "a string", errors)
        .and_then(|outcome| parse_outcome(outcome, errors));
    let platforms = required(
        &raw.platform,
        "platform",
        "a string such as \"Windows,Linux\"",
        errors,
    )
    .and_then(|list| parse_platforms(list, errors));
    let timeout_secs = required(&raw.timeout, "timeout", "a number of seconds", errors)
        .and_then(|secs| check_timeout(secs, errors));
    let entry_name = required(&raw.entry_point, "entry_point", "a string", errors)
        .and_then(|name| check_entry_point(name, errors));

    // An entry point that is missing or wrong is not known to be empty: check
    // its definition as if it were a function, to report what can be.
    let just_run = matches!(&raw.entry_point, Field::Given(name) if name.is_empty());
    let definition = required(
        &raw.entry_point_definition,
        "entry_point_definition",
        "an object",
        errors,
    )
    .and_then(|definition| definition::check(definition, just_run, errors));

    let entry_point = match (entry_name?, definition?) {
        (EntryName::JustRun, _) => None,
        (EntryName::Function(name), definition) => Some(EntryPoint {
            name,
            inputs: definition.inputs,
            output: definition
                .output
                .unwrap_or(OutputSpec::Single(ParamType::AutoDetect)),
        }),
    };
    Some(Manifest {
        name: name?,
        description: description?,
        outcome: outcome?,
        platforms: platforms?,
        timeout_secs: timeout_secs?,
        entry_point,
    })
}

/// The value of a mandatory field, or `None` with the problem recorded.
pub(super) fn required<'a, T>(
    field: &'a Field<T>,
    path: &str,
    expected: &'static str,
    errors: &mut Vec<ManifestError>,
) -> Option<&'a T> {
    match field {
        Field::Given(value) => Some(value),
        Field::Absent => {
            errors.push(ManifestError::MissingField {
                field: path.to_owned(),
            });
            None
        }
        Field::Misfit(found) => {
            errors.push(ManifestError::WrongType {
                field: path.to_owned(),
                expected,
                found: kind(found),
            });
            None
        }
    }
}

/// Records each key of `object` that its type does not declare; `prefix` is
/// the path of the object itself (empty at the top level).
pub(super) fn unknown_fields<T: Declared>(
    object: &Object<T>,
    prefix: &str,
    errors: &mut Vec<ManifestError>,
) {
    for key in &object.unknown {
        errors.push(ManifestError::UnknownField {
            field: join(prefix, key),
            allowed: T::FIELDS,
        });
    }
}

pub(super) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// What a JSON value is, in words.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn parse_outcome(outcome: &str, errors: &mut Vec<ManifestError>) -> Option<Outcome> {
    let parsed = [Outcome::Standard, Outcome::HighRisk]
        .into_iter()
        .find(|o| o.as_str() == outcome);
    if parsed.is_none() {
        errors.push(ManifestError::UnknownOutcome {
            given: crate::script::params::shorten(outcome),
        });
    }
    parsed
}

fn parse_platforms(list: &str, errors: &mut Vec<ManifestError>) -> Option<Vec<Platform>> {
    let mut platforms = Vec::new();
    let mut ok = true;
    for entry in list.split(',').map(str::trim) {
        if entry.is_empty() {
            ok = false;
            errors.push(ManifestError::EmptyPlatform);
            continue;
        }
        match Platform::ALL.into_iter().find(|p| p.as_str() == entry) {
            Some(platform) if platforms.contains(&platform) => {
                ok = false;
                errors.push(ManifestError::DuplicatePlatform { platform });
            }
            Some(platform) => platforms.push(platform),
            None => {
                ok = false;
                errors.push(ManifestError::UnknownPlatform {
                    given: crate::script::params::shorten(entry),
                });
            }
        }
    }
    ok.then_some(platforms)
}

fn check_timeout(secs: &Number, errors: &mut Vec<ManifestError>) -> Option<u64> {
    let error = match (secs.as_u64(), secs.as_i64()) {
        (Some(0), _) => ManifestError::TimeoutNotPositive {
            given: secs.to_string(),
        },
        (Some(secs), _) if secs > MAX_TIMEOUT_SECS => ManifestError::TimeoutTooLong { given: secs },
        (Some(secs), _) => return Some(secs),
        (None, Some(_)) => ManifestError::TimeoutNotPositive {
            given: secs.to_string(),
        },
        (None, None) => ManifestError::TimeoutNotInteger {
            given: secs.to_string(),
        },
    };
    errors.push(error);
    None
}

enum EntryName {
    JustRun,
    Function(String),
}

fn check_entry_point(name: &str, errors: &mut Vec<ManifestError>) -> Option<EntryName> {
    if name.is_empty() {
        return Some(EntryName::JustRun);
    }
    if is_python_identifier(name) && !is_python_keyword(name) {
        return Some(EntryName::Function(name.to_owned()));
    }
    errors.push(ManifestError::InvalidEntryPoint {
        given: crate::script::params::shorten(name),
    });
    None
}

/// ASCII identifiers only: Python also accepts non-ASCII letters, but a
/// function name that looks alike in two scripts should be the same name.
fn is_python_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
