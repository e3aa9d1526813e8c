//! Parameter types of a script's entry point, and the errors met when a value
//! does not fit one.
//!
//! A manifest declares each input parameter with one of eight type names taken
//! from the consoles ward replaces. Before a run starts, the sandbox turns what
//! the administrator supplied into JSON values of those types: values typed on
//! a command line go through [`ParamType::coerce`] (see `convert`), values sent
//! as JSON by the API through [`ParamType::check`], and a whole set of
//! `name=value` pairs through [`bind_params`] (see `bind`). The manifest
//! validator and the output shaper read the same types.

mod bind;
mod convert;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use bind::{ParamErrors, bind_json_params, bind_params};

/// The type of an entry-point parameter or of a script's output.
///
/// Serialized, parsed and displayed by the manifest names (`auto_detect`,
/// `number_list`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamType {
    /// Any boolean, number, string or list; the type is read from the value.
    AutoDetect,
    Boolean,
    /// An integer or a finite floating-point number.
    Number,
    String,
    /// An IPv4 or IPv6 address, carried as its text.
    Ip,
    NumberList,
    StringList,
    IpList,
}

impl ParamType {
    /// Every type, in the order the manifest documentation lists them.
    pub const ALL: [ParamType; 8] = [
        ParamType::AutoDetect,
        ParamType::Boolean,
        ParamType::Number,
        ParamType::String,
        ParamType::Ip,
        ParamType::NumberList,
        ParamType::StringList,
        ParamType::IpList,
    ];

    /// The manifest name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::AutoDetect => "auto_detect",
            ParamType::Boolean => "boolean",
            ParamType::Number => "number",
            ParamType::String => "string",
            ParamType::Ip => "ip",
            ParamType::NumberList => "number_list",
            ParamType::StringList => "string_list",
            ParamType::IpList => "ip_list",
        }
    }

    /// The type of each item for the list types, `None` for the others.
    pub fn item_type(self) -> Option<ParamType> {
        match self {
            ParamType::NumberList => Some(ParamType::Number),
            ParamType::StringList => Some(ParamType::String),
            ParamType::IpList => Some(ParamType::Ip),
            _ => None,
        }
    }

    /// What a value of this type is, in words, for error messages.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            ParamType::AutoDetect => "auto_detect (a boolean, number, string or list)",
            ParamType::Boolean => "a boolean",
            ParamType::Number => "a number",
            ParamType::String => "a string",
            ParamType::Ip => "an IP address",
            ParamType::NumberList => "a list of numbers",
            ParamType::StringList => "a list of strings",
            ParamType::IpList => "a list of IP addresses",
        }
    }

    /// How to write a value of this type, for error messages.
    fn hint(self) -> &'static str {
        match self {
            ParamType::AutoDetect => "pass a boolean, a number, text or a list",
            ParamType::Boolean => "pass true or false (yes/no and 1/0 work too)",
            ParamType::Number => "pass digits such as 5 or 2.5",
            ParamType::String => "pass text as a JSON string, in double quotes",
            ParamType::Ip => "pass an IPv4 or IPv6 address such as 10.0.0.1 or fe80::1",
            ParamType::NumberList => "pass numbers separated by commas, such as 80,443",
            ParamType::StringList => "pass text items separated by commas, such as a,b,c",
            ParamType::IpList => "pass addresses separated by commas, such as 10.0.0.1,::1",
        }
    }

    /// The manifest names of all types, separated by commas.
    pub(crate) fn names() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|t| t.as_str()).collect();
        names.join(", ")
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ParamType {
    type Err = ParamError;

    /// Accepts the manifest names exactly; case matters, as it does in the
    /// consoles' manifests.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ParamError::UnknownType { given: shorten(s) })
    }
}

/// One declared input parameter of an entry point.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ParamSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub param_type: ParamType,
}

impl ParamSpec {
    /// [`ParamType::coerce`], with the parameter's name in the error.
    pub fn coerce(&self, raw: &str) -> Result<serde_json::Value, ParamError> {
        self.param_type
            .coerce(raw)
            .map_err(|e| e.for_param(&self.name))
    }

    /// [`ParamType::check`], with the parameter's name in the error.
    pub fn check(&self, value: &serde_json::Value) -> Result<serde_json::Value, ParamError> {
        self.param_type
            .check(value)
            .map_err(|e| e.for_param(&self.name))
    }
}

/// A parameter value that cannot be used, or a parameter list that does not
/// match the declaration.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParamError {
    /// `name` is `None` when the value was checked against a bare type.
    #[error(
        "{} is {}, but got `{value}`: {}",
        subject(.name),
        .param_type.noun(),
        .param_type.hint()
    )]
    Mismatch {
        name: Option<String>,
        param_type: ParamType,
        value: String,
    },
    #[error("unknown parameter type `{given}`: use one of {}", ParamType::names())]
    UnknownType { given: String },
    #[error("`{given}` is not a name=value pair: write it as name=value, such as path=/var/log")]
    NotAPair { given: String },
    #[error("this script has no parameter `{name}`: {}", declared_list(.declared))]
    UnknownName { name: String, declared: Vec<String> },
    #[error("parameter `{name}` is missing: pass it as {name}=VALUE")]
    Missing { name: String },
    #[error("parameter `{name}` is given more than once: keep a single value")]
    Repeated { name: String },
}

impl ParamError {
    fn mismatch(param_type: ParamType, value: &str) -> Self {
        ParamError::Mismatch {
            name: None,
            param_type,
            value: shorten(value),
        }
    }

    /// Names the parameter in a type mismatch; other errors already name it.
    fn for_param(self, param: &str) -> Self {
        match self {
            ParamError::Mismatch {
                param_type, value, ..
            } => ParamError::Mismatch {
                name: Some(param.to_owned()),
                param_type,
                value,
            },
            other => other,
        }
    }
}

fn subject(name: &Option<String>) -> String {
    match name {
        Some(name) => format!("parameter `{name}`"),
        None => "the value".to_owned(),
    }
}

fn declared_list(declared: &[String]) -> String {
    if declared.is_empty() {
        return "it takes no parameters".to_owned();
    }
    let quoted: Vec<String> = declared.iter().map(|n| format!("`{n}`")).collect();
    format!("it declares {}", quoted.join(", "))
}

/// Values quoted in messages are cut to this many characters, so that a
/// mistaken multi-megabyte value does not flood a terminal or a log.
const QUOTE_LIMIT: usize = 60;

/// The value as quoted in an error message, cut at [`QUOTE_LIMIT`] characters.
pub(crate) fn shorten(value: &str) -> String {
    match value.char_indices().nth(QUOTE_LIMIT) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}
