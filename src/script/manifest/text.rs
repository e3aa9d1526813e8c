//! What must hold of a manifest's bytes before its fields mean anything: a
//! bounded size, UTF-8, one line, no tabs, valid JSON, no key given twice.
//!
//! The consoles whose format ward reuses refuse multi-line and tab-indented
//! definitions files, so ward does too: a file accepted here is accepted
//! there. Duplicate keys are refused because JSON parsers disagree on which
//! one wins, and a manifest must mean one thing to every reader (an `outcome`
//! read as `Standard` by one tool and `High Risk` by another would be a
//! security problem).

use std::fmt;

use serde::Deserializer;
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::{MAX_MANIFEST_BYTES, ManifestError};

/// Reads `bytes` as the JSON text of a manifest, pushing every problem found
/// onto `errors`.
///
/// Returns the parsed value when the text is JSON at all, even if other
/// problems (lines, tabs, duplicate keys) were found, so that the fields can
/// still be checked and every problem reported in one pass.
pub(super) fn read_json(bytes: &[u8], errors: &mut Vec<ManifestError>) -> Option<Value> {
    if bytes.len() > MAX_MANIFEST_BYTES {
        errors.push(ManifestError::TooLarge { size: bytes.len() });
        return None;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            errors.push(ManifestError::NotUtf8 {
                offset: e.valid_up_to(),
            });
            return None;
        }
    };

    // Editors on Windows may add a byte-order mark; it carries no meaning.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = &text[bom..];
    let body = body
        .strip_suffix("\r\n")
        .or_else(|| body.strip_suffix('\n'))
        .unwrap_or(body);
    if body.trim().is_empty() {
        errors.push(ManifestError::Empty);
        return None;
    }

    let breaks = body.matches(['\n', '\r']).count() - body.matches("\r\n").count();
    if breaks > 0 {
        errors.push(ManifestError::MultiLine { lines: breaks + 1 });
    }
    if let Some(offset) = body.find('\t') {
        let (line, column) = line_and_column(body, offset);
        errors.push(ManifestError::Tab {
            offset: bom + offset,
            line,
            column,
            count: body.matches('\t').count(),
        });
    }

    let mut duplicates = Vec::new();
    let mut parser = serde_json::Deserializer::from_str(body);
    let parsed = Tracked {
        path: String::new(),
        duplicates: &mut duplicates,
    }
    .deserialize(&mut parser)
    .and_then(|value| parser.end().map(|()| value));
    match parsed {
        Ok(value) => {
            errors.extend(
                duplicates
                    .into_iter()
                    .map(|field| ManifestError::DuplicateField { field }),
            );
            Some(value)
        }
        Err(e) => {
            errors.push(syntax_error(&e));
            None
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn syntax_error(e: &serde_json::Error) -> ManifestError {
    // serde_json appends the position to its message; it is reported in its
    // own fields instead.
    let message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let reason = message.strip_suffix(&suffix).unwrap_or(&message).to_owned();
    ManifestError::Syntax {
        line: e.line(),
        column: e.column(),
        reason,
    }
}

/// Builds a [`Value`] while noting the path of every key that appears twice
/// in the same object (the later value is kept, as serde_json would).
struct Tracked<'a> {
    path: String,
    duplicates: &'a mut Vec<String>,
}

impl Tracked<'_> {
    fn child(&mut self, path: String) -> Tracked<'_> {
        Tracked {
            path,
            duplicates: self.duplicates,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Tracked<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Tracked<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let path = format!("{}[{}]", self.path, items.len());
            match seq.next_element_seed(self.child(path))? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            let value = map.next_value_seed(self.child(path.clone()))?;
            if object.insert(key, value).is_some() && !self.duplicates.contains(&path) {
                self.duplicates.push(path);
            }
        }
        Ok(Value::Object(object))
    }
}
