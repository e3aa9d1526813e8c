//! Writing a manifest back as the single line of JSON the consoles export, so
//! that the library stores, and hands out, one spelling of each manifest.

use serde_json::{Map, Value};

use super::definition::DICTIONARY;
use super::{EntryPoint, Manifest, OutputSpec};

impl Manifest {
    /// The manifest as one line of JSON, without a trailing newline.
    ///
    /// Fields come in the consoles' order; platforms are joined by commas
    /// without spaces; a single-type output is written with an empty `value`
    /// list, and an entry point without `output_params` gets its implied
    /// `auto_detect` output spelled out. A script that just runs has `{}` as
    /// its definition. [`Manifest::parse`] reads the result back into an
    /// equal manifest.
    pub fn to_single_line_json(&self) -> String {
        let platforms: Vec<&str> = self.platforms.iter().map(|p| p.as_str()).collect();
        let entry_point = self
            .entry_point
            .as_ref()
            .map_or("", |entry| entry.name.as_str());

        let mut object = Map::new();
        object.insert("name".into(), Value::from(self.name.as_str()));
        object.insert("description".into(), Value::from(self.description.as_str()));
        object.insert("outcome".into(), Value::from(self.outcome.as_str()));
        object.insert("platform".into(), Value::from(platforms.join(",")));
        object.insert("timeout".into(), Value::from(self.timeout_secs));
        object.insert("entry_point".into(), Value::from(entry_point));
        object.insert(
            "entry_point_definition".into(),
            definition_json(self.entry_point.as_ref()),
        );
        Value::Object(object).to_string()
    }
}

fn definition_json(entry: Option<&EntryPoint>) -> Value {
    let mut definition = Map::new();
    let Some(entry) = entry else {
        return Value::Object(definition);
    };

    let inputs = entry
        .inputs
        .iter()
        .map(|spec| typed_object(&[("name", &spec.name)], spec.param_type.as_str()))
        .collect();
    definition.insert("input_params".into(), Value::Array(inputs));

    let (output_type, fields) = match &entry.output {
        OutputSpec::Single(param_type) => (param_type.as_str(), Vec::new()),
        OutputSpec::Dictionary(fields) => {
            let fields = fields
                .iter()
                .map(|field| {
                    let names = [
                        ("name", &field.name),
                        ("friendly_name", &field.friendly_name),
                    ];
                    typed_object(&names, field.param_type.as_str())
                })
                .collect();
            (DICTIONARY, fields)
        }
    };
    let mut output = Map::new();
    output.insert("type".into(), Value::from(output_type));
    output.insert("value".into(), Value::Array(fields));
    definition.insert("output_params".into(), Value::Object(output));
    Value::Object(definition)
}

/// An object with the given string members followed by `"type"`.
fn typed_object(members: &[(&str, &String)], type_name: &str) -> Value {
    let mut object: Map<String, Value> = members
        .iter()
        .map(|(key, value)| ((*key).to_owned(), Value::from(value.as_str())))
        .collect();
    object.insert("type".into(), Value::from(type_name));
    Value::Object(object)
}
