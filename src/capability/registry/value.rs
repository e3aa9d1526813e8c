//! Typed registry values and their JSON form, shared by the channel and the
//! hive file: `{"type": 1, "value": "text"}`, with the type numbered as in
//! Python's `winreg`, bytes as lowercase hex and `REG_MULTI_SZ` as a list.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value as Json;

use super::error::RegistryError;

/// `winreg.REG_NONE`: bytes with no declared meaning.
pub const REG_NONE: u32 = 0;
/// `winreg.REG_SZ`: a string.
pub const REG_SZ: u32 = 1;
/// `winreg.REG_EXPAND_SZ`: a string holding `%VARIABLE%` references.
pub const REG_EXPAND_SZ: u32 = 2;
/// `winreg.REG_BINARY`: bytes.
pub const REG_BINARY: u32 = 3;
/// `winreg.REG_DWORD`: a 32-bit unsigned number.
pub const REG_DWORD: u32 = 4;
/// `winreg.REG_MULTI_SZ`: a list of strings.
pub const REG_MULTI_SZ: u32 = 7;
/// `winreg.REG_QWORD`: a 64-bit unsigned number.
pub const REG_QWORD: u32 = 11;

/// Largest value, measured as Windows stores it (strings as UTF-16 with
/// their terminators): 1 MiB, the limit of Windows' standard hive format.
pub const MAX_VALUE_BYTES: usize = 1 << 20;

/// One registry value with its type.
///
/// Deserializes from the JSON form through [`RegValue::from_wire`], so a
/// channel argument or hive entry whose data does not fit its type is refused.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "WireValue")]
pub enum RegValue {
    /// `REG_NONE`; on the wire a hex string, or `null` for no bytes.
    None(Vec<u8>),
    Sz(String),
    ExpandSz(String),
    /// `REG_BINARY`; on the wire a hex string, or `null` for no bytes.
    Binary(Vec<u8>),
    Dword(u32),
    MultiSz(Vec<String>),
    Qword(u64),
}

impl RegValue {
    /// The type number as in `winreg` (`REG_SZ` is 1).
    pub fn type_code(&self) -> u32 {
        match self {
            RegValue::None(_) => REG_NONE,
            RegValue::Sz(_) => REG_SZ,
            RegValue::ExpandSz(_) => REG_EXPAND_SZ,
            RegValue::Binary(_) => REG_BINARY,
            RegValue::Dword(_) => REG_DWORD,
            RegValue::MultiSz(_) => REG_MULTI_SZ,
            RegValue::Qword(_) => REG_QWORD,
        }
    }

    /// Builds a value from its type number and JSON data.
    ///
    /// # Errors
    ///
    /// [`RegistryError::InvalidValue`] when the type is not one of the seven
    /// stored, the data does not fit the type, or it is over [`MAX_VALUE_BYTES`].
    pub fn from_wire(type_code: u32, data: &Json) -> Result<Self, RegistryError> {
        let value = match type_code {
            REG_NONE => RegValue::None(bytes_from_wire(type_code, data)?),
            REG_SZ => RegValue::Sz(string_from_wire(type_code, data)?),
            REG_EXPAND_SZ => RegValue::ExpandSz(string_from_wire(type_code, data)?),
            REG_BINARY => RegValue::Binary(bytes_from_wire(type_code, data)?),
            REG_DWORD => {
                let number = data.as_u64().and_then(|n| u32::try_from(n).ok());
                RegValue::Dword(
                    number.ok_or_else(|| mismatch(type_code, "a number from 0 to 4294967295"))?,
                )
            }
            REG_MULTI_SZ => {
                let items = data
                    .as_array()
                    .ok_or_else(|| mismatch(type_code, "a list of strings"))?;
                let strings = items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>();
                RegValue::MultiSz(strings.ok_or_else(|| mismatch(type_code, "a list of strings"))?)
            }
            REG_QWORD => {
                RegValue::Qword(data.as_u64().ok_or_else(|| {
                    mismatch(type_code, "a number from 0 to 18446744073709551615")
                })?)
            }
            other => {
                return Err(RegistryError::InvalidValue {
                    reason: format!(
                        "type {other} is not stored by ward's hive; use REG_NONE (0), REG_SZ (1), \
                         REG_EXPAND_SZ (2), REG_BINARY (3), REG_DWORD (4), REG_MULTI_SZ (7) or \
                         REG_QWORD (11)"
                    ),
                });
            }
        };

        value.check_size()?;
        Ok(value)
    }

    /// Refuses a value over [`MAX_VALUE_BYTES`].
    pub(super) fn check_size(&self) -> Result<(), RegistryError> {
        let size = self.stored_size();
        if size > MAX_VALUE_BYTES {
            return Err(RegistryError::InvalidValue {
                reason: format!(
                    "it takes {size} bytes, more than the limit of {MAX_VALUE_BYTES}; keep large \
                     data in a file and store its path instead"
                ),
            });
        }
        Ok(())
    }

    /// The size Windows would store: UTF-16 strings with their terminators.
    fn stored_size(&self) -> usize {
        let utf16 = |text: &str| (text.encode_utf16().count() + 1) * 2;
        match self {
            RegValue::None(bytes) | RegValue::Binary(bytes) => bytes.len(),
            RegValue::Sz(text) | RegValue::ExpandSz(text) => utf16(text),
            RegValue::Dword(_) => 4,
            RegValue::Qword(_) => 8,
            RegValue::MultiSz(items) => items.iter().map(|item| utf16(item)).sum::<usize>() + 2,
        }
    }
}

fn mismatch(type_code: u32, expected: &str) -> RegistryError {
    RegistryError::InvalidValue {
        reason: format!("type {type_code} needs {expected} as its data"),
    }
}

fn string_from_wire(type_code: u32, data: &Json) -> Result<String, RegistryError> {
    data.as_str()
        .map(str::to_owned)
        .ok_or_else(|| mismatch(type_code, "a string"))
}

fn bytes_from_wire(type_code: u32, data: &Json) -> Result<Vec<u8>, RegistryError> {
    match data {
        Json::Null => Ok(Vec::new()),
        Json::String(text) => {
            hex::decode(text).map_err(|_| mismatch(type_code, "bytes written as a hex string"))
        }
        _ => Err(mismatch(type_code, "bytes written as a hex string")),
    }
}

impl Serialize for RegValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("RegValue", 2)?;
        out.serialize_field("type", &self.type_code())?;
        match self {
            RegValue::None(bytes) | RegValue::Binary(bytes) => {
                out.serialize_field("value", &hex::encode(bytes))?;
            }
            RegValue::Sz(text) | RegValue::ExpandSz(text) => out.serialize_field("value", text)?,
            RegValue::Dword(number) => out.serialize_field("value", number)?,
            RegValue::Qword(number) => out.serialize_field("value", number)?,
            RegValue::MultiSz(items) => out.serialize_field("value", items)?,
        }
        out.end()
    }
}

/// The JSON form as read, before its data is checked against its type.
/// Unknown fields are left for the enclosing object, so a value can be
/// flattened into a request's arguments.
#[derive(Deserialize)]
struct WireValue {
    #[serde(rename = "type")]
    type_code: u32,
    #[serde(default)]
    value: Json,
}

impl TryFrom<WireValue> for RegValue {
    type Error = RegistryError;

    fn try_from(wire: WireValue) -> Result<Self, Self::Error> {
        RegValue::from_wire(wire.type_code, &wire.value)
    }
}

/// A value with its name, as `enum_value` returns it:
/// `{"name": "Version", "type": 4, "value": 3}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedValue {
    /// Empty for the key's default value.
    pub name: String,
    #[serde(flatten)]
    pub value: RegValue,
}

/// What `query_info_key` returns: `{"subkeys": 2, "values": 5, "modified_ns": 1715...}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    pub subkeys: usize,
    pub values: usize,
    /// Last change to the key's values or its list of subkeys, in nanoseconds
    /// since the Unix epoch.
    pub modified_ns: u64,
}
