//! Turning a supplied parameter value into the JSON value the entry point
//! receives: from command-line text ([`ParamType::coerce`]) or from a JSON
//! value sent by the API ([`ParamType::check`]).

use std::net::IpAddr;

use serde_json::{Number, Value};

use super::{ParamError, ParamType};

impl ParamType {
    /// Reads a value typed on a command line.
    ///
    /// - `boolean`: `true/false`, `yes/no`, `1/0`, in any case.
    /// - `number`: a JSON number; integers stay integers, `2.5` and `1e3` are
    ///   floats; infinities and NaN are refused.
    /// - `ip`: an IPv4 or IPv6 address, returned as a string in its standard
    ///   form (`::0001` becomes `::1`).
    /// - `string`: the text exactly as given.
    /// - lists: items separated by commas, each trimmed of surrounding spaces;
    ///   an empty value is an empty list, an empty item is an error.
    /// - `auto_detect`: `true` or `false` (in any case) is a boolean, then
    ///   anything that reads as a number is a number, else the text is a
    ///   string. `yes`, `1` and lists are not guessed: declare the type for
    ///   those.
    ///
    /// Spaces around booleans, numbers and addresses are ignored.
    pub fn coerce(&self, raw: &str) -> Result<Value, ParamError> {
        let fail = || ParamError::mismatch(*self, raw);
        match self {
            ParamType::AutoDetect => Ok(auto_detect(raw)),
            ParamType::Boolean => parse_bool(raw).map(Value::Bool).ok_or_else(fail),
            ParamType::Number => parse_number(raw).map(Value::Number).ok_or_else(fail),
            ParamType::String => Ok(Value::String(raw.to_owned())),
            ParamType::Ip => parse_ip(raw).ok_or_else(fail),
            ParamType::NumberList | ParamType::StringList | ParamType::IpList => {
                self.coerce_list(raw)
            }
        }
    }

    /// Checks a value that arrived as JSON, converting where the intent is
    /// plain.
    ///
    /// A JSON string given for a `boolean`, `number`, `ip` or list parameter is
    /// read as [`coerce`](Self::coerce) reads command-line text, because API
    /// clients often send every value as a string. A list may also be a JSON
    /// array whose items are checked one by one. `string` takes only strings;
    /// `auto_detect` takes booleans, numbers, strings and arrays of those, as
    /// they are. Null and objects fit no type.
    pub fn check(&self, value: &Value) -> Result<Value, ParamError> {
        let fail = || ParamError::mismatch(*self, &value.to_string());
        match (self, value) {
            (ParamType::AutoDetect, Value::Array(items)) if items.iter().all(is_scalar) => {
                Ok(value.clone())
            }
            (ParamType::AutoDetect, v) if is_scalar(v) => Ok(value.clone()),
            (ParamType::Boolean, Value::Bool(_))
            | (ParamType::Number, Value::Number(_))
            | (ParamType::String, Value::String(_)) => Ok(value.clone()),
            (ParamType::AutoDetect | ParamType::String, _) => Err(fail()),
            (_, Value::String(text)) => self.coerce(text),
            (list, Value::Array(items)) => match list.item_type() {
                Some(item_type) => items
                    .iter()
                    .map(|item| {
                        item_type
                            .check(item)
                            .map_err(|_| ParamError::mismatch(*list, &item.to_string()))
                    })
                    .collect::<Result<Vec<Value>, ParamError>>()
                    .map(Value::Array),
                None => Err(fail()),
            },
            _ => Err(fail()),
        }
    }

    fn coerce_list(&self, raw: &str) -> Result<Value, ParamError> {
        let Some(item_type) = self.item_type() else {
            return Err(ParamError::mismatch(*self, raw));
        };
        if raw.trim().is_empty() {
            return Ok(Value::Array(Vec::new()));
        }
        raw.split(',')
            .map(str::trim)
            .map(|item| {
                if item.is_empty() {
                    return Err(ParamError::mismatch(*self, raw));
                }
                item_type
                    .coerce(item)
                    .map_err(|_| ParamError::mismatch(*self, item))
            })
            .collect::<Result<Vec<Value>, ParamError>>()
            .map(Value::Array)
    }
}

fn is_scalar(value: &Value) -> bool {
    matches!(value, Value::Bool(_) | Value::Number(_) | Value::String(_))
}

fn auto_detect(raw: &str) -> Value {
    let trimmed = raw.trim();
    if trimmed.eq_ignore_ascii_case("true") {
        Value::Bool(true)
    } else if trimmed.eq_ignore_ascii_case("false") {
        Value::Bool(false)
    } else if let Some(number) = parse_number(trimmed) {
        Value::Number(number)
    } else {
        Value::String(raw.to_owned())
    }
}

fn parse_bool(raw: &str) -> Option<bool> {
    let word = raw.trim().to_ascii_lowercase();
    match word.as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// Integers that fit 64 bits stay integers; anything else that reads as a
/// finite float becomes one.
fn parse_number(raw: &str) -> Option<Number> {
    let text = raw.trim();
    if let Ok(int) = text.parse::<i64>() {
        return Some(Number::from(int));
    }
    if let Ok(int) = text.parse::<u64>() {
        return Some(Number::from(int));
    }
    // Rust also reads "inf" and "NaN"; `from_f64` refuses both.
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

fn parse_ip(raw: &str) -> Option<Value> {
    raw.trim()
        .parse::<IpAddr>()
        .ok()
        .map(|ip| Value::String(ip.to_string()))
}
