//! The manifest as written, before any field is given a meaning: the first of
//! the two stages (raw, then validated in `validate` and `definition`).
//!
//! These types never fail on a wrong field. A field is absent, given, or
//! given with the wrong JSON shape ([`Field`]), and an object's undeclared
//! keys are set aside ([`Object`]), so that the validator can report every
//! problem of a manifest at once instead of stopping at the first one.

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::{Number, Value};

/// One field of a manifest object as given.
#[derive(Debug, Default)]
pub(super) enum Field<T> {
    #[default]
    Absent,
    Given(T),
    /// Present, but not of the JSON shape the field needs (a string for the
    /// timeout, a list for the outcome, null...). Kept to name what was found.
    Misfit(Value),
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Ok(match T::deserialize(&value) {
            Ok(given) => Field::Given(given),
            Err(_) => Field::Misfit(value),
        })
    }
}

/// A raw object type, with the keys it accepts.
pub(super) trait Declared: DeserializeOwned {
    /// Must list exactly the serde names of the fields of the implementing
    /// type; `fields_lists_match_the_raw_types` pins that.
    const FIELDS: &'static [&'static str];
}

/// A JSON object read as `T`, with the keys `T` does not declare set aside.
///
/// `T` still carries `deny_unknown_fields`: setting unknown keys aside first
/// lets all of them be reported, and the attribute guards [`Declared::FIELDS`]
/// against drifting from the type.
#[derive(Debug)]
pub(super) struct Object<T> {
    pub fields: T,
    pub unknown: Vec<String>,
}

impl<'de, T: Declared> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Value::Object(mut map) = Value::deserialize(deserializer)? else {
            return Err(D::Error::custom("expected a JSON object"));
        };
        let unknown: Vec<String> = map
            .keys()
            .filter(|key| !T::FIELDS.contains(&key.as_str()))
            .cloned()
            .collect();
        for key in &unknown {
            map.remove(key);
        }
        let fields = T::deserialize(Value::Object(map)).map_err(D::Error::custom)?;
        Ok(Object { fields, unknown })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawManifest {
    pub name: Field<String>,
    pub description: Field<String>,
    pub outcome: Field<String>,
    pub platform: Field<String>,
    pub timeout: Field<Number>,
    pub entry_point: Field<String>,
    pub entry_point_definition: Field<Object<RawDefinition>>,
}

impl Declared for RawManifest {
    const FIELDS: &'static [&'static str] = &[
        "name",
        "description",
        "outcome",
        "platform",
        "timeout",
        "entry_point",
        "entry_point_definition",
    ];
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawDefinition {
    pub input_params: Field<Vec<Field<Object<RawParam>>>>,
    pub output_params: Field<Object<RawOutput>>,
}

impl Declared for RawDefinition {
    const FIELDS: &'static [&'static str] = &["input_params", "output_params"];
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawParam {
    pub name: Field<String>,
    #[serde(rename = "type")]
    pub param_type: Field<String>,
}

impl Declared for RawParam {
    const FIELDS: &'static [&'static str] = &["name", "type"];
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawOutput {
    #[serde(rename = "type")]
    pub output_type: Field<String>,
    pub value: Field<Vec<Field<Object<RawOutputField>>>>,
}

impl Declared for RawOutput {
    const FIELDS: &'static [&'static str] = &["type", "value"];
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawOutputField {
    pub name: Field<String>,
    pub friendly_name: Field<String>,
    #[serde(rename = "type")]
    pub field_type: Field<String>,
}

impl Declared for RawOutputField {
    const FIELDS: &'static [&'static str] = &["name", "friendly_name", "type"];
}
