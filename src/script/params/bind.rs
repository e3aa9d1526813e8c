//! Matching the values supplied for a run against the parameters its entry
//! point declares: every declared parameter once, nothing else.

use std::fmt;

use serde_json::{Map, Value};
use thiserror::Error;

use super::{ParamError, ParamSpec};

/// Every problem found while binding parameters, in the order found.
///
/// Displayed one problem per line, so that a command line can show all of
/// them at once.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct ParamErrors(pub Vec<ParamError>);

impl fmt::Display for ParamErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

/// Binds `name=value` strings, as typed on a command line, to `specs`.
///
/// Each value is read with [`ParamSpec::coerce`]; the text after the first
/// `=` is the value, so values may contain `=`. The result holds every
/// declared parameter, in declaration order.
///
/// # Errors
///
/// All problems at once: a string without `=`, an undeclared name (the error
/// lists the declared ones), a name given twice, a value that does not fit
/// its type, a declared parameter left out.
pub fn bind_params<S: AsRef<str>>(
    specs: &[ParamSpec],
    pairs: &[S],
) -> Result<Map<String, Value>, ParamErrors> {
    let mut errors = Vec::new();
    let supplied = pairs.iter().filter_map(|pair| {
        let pair = pair.as_ref();
        match pair.split_once('=') {
            Some((name, raw)) => Some((name, Supplied::Text(raw))),
            None => {
                errors.push(ParamError::NotAPair {
                    given: super::shorten(pair),
                });
                None
            }
        }
    });
    let supplied: Vec<(&str, Supplied<'_>)> = supplied.collect();
    bind(specs, supplied, errors)
}

/// Binds the members of a JSON object, as sent by the API, to `specs`.
///
/// Each value is read with [`ParamSpec::check`]. The result holds every
/// declared parameter, in declaration order.
///
/// # Errors
///
/// All problems at once: an undeclared name, a value that does not fit its
/// type, a declared parameter left out.
pub fn bind_json_params(
    specs: &[ParamSpec],
    object: &Map<String, Value>,
) -> Result<Map<String, Value>, ParamErrors> {
    let supplied = object
        .iter()
        .map(|(name, value)| (name.as_str(), Supplied::Json(value)))
        .collect();
    bind(specs, supplied, Vec::new())
}

enum Supplied<'a> {
    Text(&'a str),
    Json(&'a Value),
}

fn bind(
    specs: &[ParamSpec],
    supplied: Vec<(&str, Supplied<'_>)>,
    mut errors: Vec<ParamError>,
) -> Result<Map<String, Value>, ParamErrors> {
    let mut values: Vec<Option<Value>> = vec![None; specs.len()];
    let mut seen = vec![false; specs.len()];

    for (name, given) in supplied {
        let Some(index) = specs.iter().position(|spec| spec.name == name) else {
            errors.push(ParamError::UnknownName {
                name: super::shorten(name),
                declared: specs.iter().map(|spec| spec.name.clone()).collect(),
            });
            continue;
        };
        if std::mem::replace(&mut seen[index], true) {
            errors.push(ParamError::Repeated {
                name: name.to_owned(),
            });
            continue;
        }
        let spec = &specs[index];
        let value = match given {
            Supplied::Text(raw) => spec.coerce(raw),
            Supplied::Json(value) => spec.check(value),
        };
        match value {
            Ok(value) => values[index] = Some(value),
            Err(error) => errors.push(error),
        }
    }

    // A parameter whose value was refused is already reported; only those
    // never supplied are missing.
    for (spec, seen) in specs.iter().zip(&seen) {
        if !seen {
            errors.push(ParamError::Missing {
                name: spec.name.clone(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ParamErrors(errors));
    }
    Ok(specs
        .iter()
        .zip(values)
        .filter_map(|(spec, value)| value.map(|value| (spec.name.clone(), value)))
        .collect())
}
