//! Shaping the value an entry point returned by what its manifest declares,
//! for the server to store, show and export.
//!
//! The sandbox hands over the returned value as JSON; this module pairs it
//! with the manifest's [`OutputSpec`]: a single value is labelled with its
//! type, a dictionary's declared fields get their titles and types, and the
//! `files_to_get` list is taken out for the agent to retrieve. Nothing is
//! converted: a value that does not fit its declaration is kept as returned
//! and the difference is reported in [`ShapedOutput::mismatches`].

#[cfg(test)]
mod tests;

use std::net::IpAddr;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::script::manifest::{OutputField, OutputSpec};
use crate::script::params::{ParamType, shorten};

/// The key of a returned dictionary that lists files to retrieve from the
/// endpoint, as in the consoles.
pub const FILES_TO_GET: &str = "files_to_get";

/// A returned value, shaped by its declaration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShapedOutput {
    pub value: ShapedValue,
    /// Paths the script asked to retrieve, in its order; empty when it asked
    /// for none or when its `files_to_get` was not a list of strings.
    pub files_to_get: Vec<String>,
    /// Every difference between the returned value and the declaration, one
    /// sentence each; empty when the value fits.
    pub mismatches: Vec<String>,
}

/// The shaped value. In every variant, `param_type` is the type the value is
/// shown as: the declared type when the value fits it, otherwise (and for
/// `auto_detect`) the type read from the value, `auto_detect` if none fits.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ShapedValue {
    Single {
        #[serde(rename = "type")]
        param_type: ParamType,
        value: Value,
    },
    /// The declared fields found, in declared order, then the keys the
    /// manifest does not declare, as returned.
    Dictionary {
        fields: Vec<ShapedField>,
        undeclared: Map<String, Value>,
    },
    /// A dictionary was declared but something else was returned; kept as is.
    Unshaped { value: Value },
}

/// One declared field of a dictionary output, with what the script returned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShapedField {
    pub name: String,
    pub friendly_name: String,
    #[serde(rename = "type")]
    pub param_type: ParamType,
    pub value: Value,
}

impl OutputSpec {
    /// Shapes `returned`, the entry point's return value as JSON.
    pub fn shape(&self, returned: Value) -> ShapedOutput {
        let mut files_to_get = Vec::new();
        let mut mismatches = Vec::new();
        let value = match self {
            OutputSpec::Single(declared) => ShapedValue::Single {
                param_type: shown_type(*declared, &returned, "the output", &mut mismatches),
                value: returned,
            },
            OutputSpec::Dictionary(fields) => {
                shape_dictionary(fields, returned, &mut files_to_get, &mut mismatches)
            }
        };
        ShapedOutput {
            value,
            files_to_get,
            mismatches,
        }
    }
}

fn shape_dictionary(
    declared: &[OutputField],
    returned: Value,
    files_to_get: &mut Vec<String>,
    mismatches: &mut Vec<String>,
) -> ShapedValue {
    let Value::Object(mut object) = returned else {
        mismatches.push(format!(
            "the output is declared a dictionary (JSON), but the script returned {}: {}",
            kind(&returned),
            quote(&returned)
        ));
        return ShapedValue::Unshaped { value: returned };
    };

    if let Some(files) = object.get(FILES_TO_GET) {
        match file_list(files) {
            Some(files) => {
                *files_to_get = files;
                // A declared `files_to_get` is also shown as a field.
                if !declared.iter().any(|field| field.name == FILES_TO_GET) {
                    object.shift_remove(FILES_TO_GET);
                }
            }
            None => mismatches.push(format!(
                "`{FILES_TO_GET}` must be a list of file paths (strings), but it is {}: {}; \
                 no file is retrieved",
                kind(files),
                quote(files)
            )),
        }
    }

    let mut fields = Vec::new();
    for field in declared {
        let subject = format!("field `{}` ({})", field.name, field.friendly_name);
        let Some(value) = object.shift_remove(&field.name) else {
            mismatches.push(format!(
                "{subject} is declared but missing from the returned dictionary"
            ));
            continue;
        };
        let param_type = shown_type(field.param_type, &value, &subject, mismatches);
        fields.push(ShapedField {
            name: field.name.clone(),
            friendly_name: field.friendly_name.clone(),
            param_type,
            value,
        });
    }
    ShapedValue::Dictionary {
        fields,
        undeclared: object,
    }
}

/// The type `value` is shown as, recording a mismatch when it does not fit
/// `declared`.
fn shown_type(
    declared: ParamType,
    value: &Value,
    subject: &str,
    mismatches: &mut Vec<String>,
) -> ParamType {
    if declared == ParamType::AutoDetect {
        return infer(value).unwrap_or(ParamType::AutoDetect);
    }
    if fits(declared, value) {
        return declared;
    }
    mismatches.push(format!(
        "{subject} is declared {} ({declared}), but the script returned {}: {}",
        declared.noun(),
        kind(value),
        quote(value)
    ));
    infer(value).unwrap_or(ParamType::AutoDetect)
}

/// Whether `value` is, as returned, of type `param_type`; no conversion.
fn fits(param_type: ParamType, value: &Value) -> bool {
    match (param_type, value) {
        (ParamType::AutoDetect, _)
        | (ParamType::Boolean, Value::Bool(_))
        | (ParamType::Number, Value::Number(_))
        | (ParamType::String, Value::String(_)) => true,
        (ParamType::Ip, Value::String(text)) => text.parse::<IpAddr>().is_ok(),
        (list, Value::Array(items)) => list
            .item_type()
            .is_some_and(|item| items.iter().all(|value| fits(item, value))),
        _ => false,
    }
}

/// The most specific type `value` fits: an address is `ip` rather than
/// `string`, an empty list is a `string_list`. `None` for null, objects and
/// mixed lists.
fn infer(value: &Value) -> Option<ParamType> {
    let scalar = |value: &Value| match value {
        Value::Bool(_) => Some(ParamType::Boolean),
        Value::Number(_) => Some(ParamType::Number),
        Value::String(text) if text.parse::<IpAddr>().is_ok() => Some(ParamType::Ip),
        Value::String(_) => Some(ParamType::String),
        _ => None,
    };
    let Value::Array(items) = value else {
        return scalar(value);
    };
    if items.is_empty() {
        return Some(ParamType::StringList);
    }
    let lists = [
        ParamType::NumberList,
        ParamType::IpList,
        ParamType::StringList,
    ];
    lists.into_iter().find(|list| fits(*list, value))
}

fn file_list(value: &Value) -> Option<Vec<String>> {
    let Value::Array(items) = value else {
        return None;
    };
    items
        .iter()
        .map(|item| item.as_str().map(str::to_owned))
        .collect()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing (None)",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a dictionary",
    }
}

fn quote(value: &Value) -> String {
    format!("`{}`", shorten(&value.to_string()))
}
