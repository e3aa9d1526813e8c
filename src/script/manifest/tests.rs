//! Valid manifests, their canonical form, and drafts from signatures. The
//! refusals are in `refusals`.

use std::time::Duration;

use serde_json::{Value, json};

use super::raw::{
    Declared, Object, RawDefinition, RawManifest, RawOutput, RawOutputField, RawParam,
};
use super::*;

/// The consoles' own examples, byte for byte.
pub(super) const FILE_EXISTS: &str = r#"{"name":"file_exists","description":"Check if a file exists on the endpoint","outcome":"Standard","platform":"Windows,macOS,Linux","timeout":600,"entry_point":"run","entry_point_definition":{"input_params":[{"name":"path","type":"string"}],"output_params":{"type":"boolean","value":[]}}}"#;
pub(super) const LIST_DIRECTORIES: &str = r#"{"name":"list_directories","description":"List directories","outcome":"Standard","platform":"Windows,macOS,Linux","timeout":600,"entry_point":"run","entry_point_definition":{"input_params":[{"name":"path","type":"string"},{"name":"number_of_levels","type":"number"}],"output_params":{"type":"JSON","value":[{"name":"directories","friendly_name":"Directories","type":"string_list"}]}}}"#;
pub(super) const SNIPPET: &str = r#"{"name":"snippet","description":"just run","outcome":"High Risk","platform":"Linux","timeout":60,"entry_point":"","entry_point_definition":{}}"#;

pub(super) fn base() -> Value {
    serde_json::from_str(LIST_DIRECTORIES).unwrap_or_default()
}

/// `LIST_DIRECTORIES` with one change, as single-line text.
pub(super) fn with(change: impl FnOnce(&mut Value)) -> String {
    let mut manifest = base();
    change(&mut manifest);
    manifest.to_string()
}

/// `LIST_DIRECTORIES` with the value at a JSON pointer set, or the member at
/// it removed (`None`).
fn edit(pointer: &str, value: Option<Value>) -> String {
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    with(|m| match (m.pointer_mut(parent), value) {
        (Some(Value::Object(object)), Some(value)) => {
            object.insert(key.to_owned(), value);
        }
        (Some(Value::Object(object)), None) => {
            assert!(object.shift_remove(key).is_some(), "nothing at {pointer}");
        }
        (Some(Value::Array(items)), Some(value)) => match key.parse::<usize>() {
            Ok(index) if index < items.len() => items[index] = value,
            _ => panic!("no item at {pointer}"),
        },
        _ => panic!("cannot edit {pointer}"),
    })
}

pub(super) fn set(pointer: &str, value: Value) -> String {
    edit(pointer, Some(value))
}

pub(super) fn remove(pointer: &str) -> String {
    edit(pointer, None)
}

fn valid_cases() -> Vec<(&'static str, String)> {
    let all_types: Vec<Value> = crate::script::params::ParamType::ALL
        .iter()
        .map(|t| json!({"name": format!("p_{t}"), "type": t.as_str()}))
        .collect();
    vec![
        ("file_exists", FILE_EXISTS.into()),
        ("list_directories", LIST_DIRECTORIES.into()),
        ("snippet", SNIPPET.into()),
        (
            "spaced platforms",
            set("/platform", json!("Windows, macOS, Linux")),
        ),
        ("trailing newline", format!("{FILE_EXISTS}\n")),
        ("trailing CRLF", format!("{FILE_EXISTS}\r\n")),
        ("byte-order mark", format!("\u{feff}{SNIPPET}")),
        (
            "spaces between tokens",
            SNIPPET.replace(':', " : ").replace(',', " , "),
        ),
        (
            "no output declared",
            remove("/entry_point_definition/output_params"),
        ),
        (
            "no inputs declared",
            remove("/entry_point_definition/input_params"),
        ),
        (
            "single output without value",
            set(
                "/entry_point_definition/output_params",
                json!({"type": "ip_list"}),
            ),
        ),
        (
            "dictionary without fields",
            set("/entry_point_definition/output_params/value", json!([])),
        ),
        (
            "every parameter type",
            set(
                "/entry_point_definition/input_params",
                Value::Array(all_types),
            ),
        ),
        (
            "soft keywords as names",
            set(
                "/entry_point_definition/input_params/0/name",
                json!("match"),
            ),
        ),
        (
            "capitalised entry point",
            set("/entry_point", json!("Main_2")),
        ),
        ("shortest timeout", set("/timeout", json!(1))),
        ("longest timeout", set("/timeout", json!(MAX_TIMEOUT_SECS))),
        (
            "unicode text",
            set("/description", json!("Überprüft «tout» 目录 ✓")),
        ),
        (
            "just run with empty inputs",
            with(|m| {
                m["entry_point"] = json!("");
                m["entry_point_definition"] = json!({"input_params": []});
            }),
        ),
    ]
}

#[test]
fn valid_manifests_parse_and_write_back_to_an_equal_manifest() {
    for (label, text) in valid_cases() {
        let manifest = match Manifest::parse(text.as_bytes()) {
            Ok(manifest) => manifest,
            Err(errors) => panic!("{label}: refused:\n{errors}"),
        };
        let canonical = manifest.to_single_line_json();
        assert!(!canonical.contains('\n'), "{label}");
        assert_eq!(
            Manifest::parse(canonical.as_bytes()).as_ref(),
            Ok(&manifest),
            "{label}"
        );
    }
}

#[test]
fn console_examples_are_already_canonical() -> Result<(), ManifestErrors> {
    for text in [FILE_EXISTS, LIST_DIRECTORIES, SNIPPET] {
        assert_eq!(
            Manifest::parse(text.as_bytes())?.to_single_line_json(),
            text
        );
    }
    Ok(())
}

#[test]
fn list_directories_reads_as_declared() -> Result<(), ManifestErrors> {
    let manifest = Manifest::parse(LIST_DIRECTORIES.as_bytes())?;
    assert_eq!(manifest.name(), "list_directories");
    assert_eq!(manifest.description(), "List directories");
    assert_eq!(manifest.outcome(), Outcome::Standard);
    assert_eq!(manifest.platforms(), Platform::ALL);
    assert_eq!(manifest.timeout(), Duration::from_secs(600));
    let entry = manifest
        .entry_point()
        .ok_or_else(|| ManifestErrors(Vec::new()))?;
    assert_eq!(entry.name(), "run");
    let inputs: Vec<(&str, ParamType)> = entry
        .inputs()
        .iter()
        .map(|p| (p.name.as_str(), p.param_type))
        .collect();
    assert_eq!(
        inputs,
        [
            ("path", ParamType::String),
            ("number_of_levels", ParamType::Number)
        ]
    );
    let expected = OutputSpec::Dictionary(vec![OutputField {
        name: "directories".into(),
        friendly_name: "Directories".into(),
        param_type: ParamType::StringList,
    }]);
    assert_eq!(entry.output(), &expected);
    Ok(())
}

#[test]
fn snippet_is_high_risk_linux_only_and_just_runs() -> Result<(), ManifestErrors> {
    let manifest = Manifest::parse(SNIPPET.as_bytes())?;
    assert_eq!(manifest.outcome(), Outcome::HighRisk);
    assert!(manifest.supports(Platform::Linux));
    assert!(!manifest.supports(Platform::Windows));
    assert_eq!(manifest.timeout(), Duration::from_secs(60));
    assert_eq!(manifest.entry_point(), None);
    Ok(())
}

#[test]
fn an_undeclared_output_is_auto_detect_and_spelled_out_when_written() -> Result<(), ManifestErrors>
{
    let manifest = Manifest::parse(remove("/entry_point_definition/output_params").as_bytes())?;
    let output = manifest.entry_point().map(EntryPoint::output);
    assert_eq!(output, Some(&OutputSpec::Single(ParamType::AutoDetect)));
    assert!(
        manifest
            .to_single_line_json()
            .contains(r#""output_params":{"type":"auto_detect","value":[]}"#)
    );
    Ok(())
}

#[test]
fn fields_lists_match_the_raw_types() {
    fn accepts_all_declared<T: Declared>() -> bool {
        let object: serde_json::Map<String, Value> = T::FIELDS
            .iter()
            .map(|f| ((*f).to_owned(), Value::Null))
            .collect();
        serde_json::from_value::<Object<T>>(Value::Object(object))
            .is_ok_and(|o| o.unknown.is_empty())
    }
    assert!(accepts_all_declared::<RawManifest>());
    assert!(accepts_all_declared::<RawDefinition>());
    assert!(accepts_all_declared::<RawParam>());
    assert!(accepts_all_declared::<RawOutput>());
    assert!(accepts_all_declared::<RawOutputField>());
}

#[test]
fn signatures_map_to_parameter_types() -> Result<(), ManifestErrors> {
    let params: &[(&str, Option<&str>, Option<&str>)] = &[
        ("a", Some("int"), None),
        ("b", Some("float"), Some("1.5")),
        ("c", Some("bool"), None),
        ("d", Some("str"), None),
        ("e", Some("list[int]"), None),
        ("f", Some("List[float]"), None),
        ("g", Some("list[str]"), None),
        ("h", Some("typing.List[ str ]"), None),
        ("i", Some("Optional[int]"), None),
        ("j", Some("str | None"), None),
        ("k", Some("ipaddress.IPv4Address"), None),
        ("l", Some("list[IPv6Address]"), None),
        ("m", Some("dict"), None),
        ("n", Some("list[bool]"), None),
        ("o", None, None),
        ("p", None, Some("True")),
        ("q", None, Some("-3")),
        ("r", None, Some("'x'")),
        ("s", None, Some("None")),
        ("t", Some("Path"), Some("5")),
        ("u", Some("tuple[int, ...]"), None),
    ];
    let manifest = Manifest::from_signature("my_script", "run", params)?;
    let types: Vec<&str> = manifest
        .entry_point()
        .map(|e| e.inputs().iter().map(|p| p.param_type.as_str()).collect())
        .unwrap_or_default();
    let expected = [
        "number",
        "number",
        "boolean",
        "string",
        "number_list",
        "number_list",
        "string_list",
        "string_list",
        "number",
        "string",
        "ip",
        "ip_list",
        "auto_detect",
        "auto_detect",
        "auto_detect",
        "boolean",
        "number",
        "string",
        "auto_detect",
        "number",
        "number_list",
    ];
    assert_eq!(types, expected);
    Ok(())
}

#[test]
fn a_drafted_manifest_has_the_documented_defaults() -> Result<(), ManifestErrors> {
    let manifest = Manifest::from_signature("check_host", "run", &[("host", Some("str"), None)])?;
    assert_eq!(
        manifest.to_single_line_json(),
        r#"{"name":"check_host","description":"","outcome":"Standard","platform":"Windows,macOS,Linux","timeout":600,"entry_point":"run","entry_point_definition":{"input_params":[{"name":"host","type":"string"}],"output_params":{"type":"auto_detect","value":[]}}}"#
    );
    let snippet = Manifest::from_signature("cleanup", "", &[])?;
    assert_eq!(snippet.entry_point(), None);
    Ok(())
}

#[test]
fn a_draft_is_held_to_the_manifest_rules() {
    let errors = Manifest::from_signature("", "run", &[("Host", None, None)]).unwrap_err();
    assert!(errors.mentions("name"), "{errors}");
    assert!(
        errors.mentions("entry_point_definition.input_params[0].name"),
        "{errors}"
    );
    let errors = Manifest::from_signature("x", "", &[("host", None, None)]).unwrap_err();
    assert!(
        errors.mentions("entry_point_definition.input_params"),
        "{errors}"
    );
}

/// The canonical form spells out an implied output, so a manifest near the
/// size limit was accepted but its stored form (canonical, with a final
/// newline) was then refused as too large (the manifest fuzz target's
/// read-back check). Such a manifest is now refused on upload.
#[test]
fn a_manifest_whose_stored_form_would_be_too_large_is_refused() -> Result<(), ManifestErrors> {
    let short = with(|m| {
        m["description"] = json!("");
        m["entry_point_definition"] = json!({});
    });
    let padded = |padding: usize| {
        let padding = "x".repeat(padding);
        short.replace(
            r#""description":"""#,
            &format!(r#""description":"{padding}""#),
        )
    };
    let grown = Manifest::parse(short.as_bytes())?
        .to_single_line_json()
        .len();
    assert!(grown > short.len(), "the canonical form no longer grows");

    // Canonical form exactly at the limit: no room for the final newline.
    let padding = MAX_MANIFEST_BYTES - grown;
    let refused = Manifest::parse(padded(padding).as_bytes());
    let errors = refused.err().map(|errors| errors.0).unwrap_or_default();
    assert_eq!(
        errors,
        [ManifestError::TooLarge {
            size: MAX_MANIFEST_BYTES + 1
        }]
    );

    let manifest = Manifest::parse(padded(padding - 1).as_bytes())?;
    let stored = format!("{}\n", manifest.to_single_line_json());
    assert_eq!(stored.len(), MAX_MANIFEST_BYTES);
    assert_eq!(Manifest::parse(stored.as_bytes()), Ok(manifest));
    Ok(())
}
