//! The parser against input nobody would write on purpose: arbitrary bytes,
//! corrupted copies of valid manifests, and valid manifests with arbitrary
//! JSON put in their fields. It must never panic, and whatever it accepts
//! must write back to itself.

use proptest::prelude::*;
use serde_json::Value;

use super::Manifest;
use super::tests::{FILE_EXISTS, LIST_DIRECTORIES, SNIPPET};

const EXAMPLES: [&str; 3] = [FILE_EXISTS, LIST_DIRECTORIES, SNIPPET];

/// Places in a manifest where a wrong value reaches a different check.
const POINTERS: [&str; 14] = [
    "",
    "/name",
    "/outcome",
    "/platform",
    "/timeout",
    "/entry_point",
    "/entry_point_definition",
    "/entry_point_definition/input_params",
    "/entry_point_definition/input_params/0",
    "/entry_point_definition/input_params/0/name",
    "/entry_point_definition/input_params/0/type",
    "/entry_point_definition/output_params",
    "/entry_point_definition/output_params/type",
    "/entry_point_definition/output_params/value",
];

/// Strings that mean something somewhere in a manifest.
const WORDS: [&str; 14] = [
    "",
    "run",
    "Standard",
    "High Risk",
    "Linux",
    "Windows, macOS",
    "JSON",
    "number",
    "ip_list",
    "auto_detect",
    "Path",
    "class",
    "name",
    "\t",
];

/// Whatever happens, no panic; an accepted manifest writes back to itself.
fn parses_soundly(bytes: &[u8]) -> Result<(), TestCaseError> {
    match Manifest::parse(bytes) {
        Ok(manifest) => {
            let again = Manifest::parse(manifest.to_single_line_json().as_bytes());
            prop_assert_eq!(again, Ok(manifest));
        }
        Err(errors) => {
            prop_assert!(!errors.0.is_empty());
            prop_assert!(errors.0.iter().all(|e| !e.to_string().is_empty()));
        }
    }
    Ok(())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(WORDS.to_vec()).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(WORDS.to_vec()), inner), 0..4).prop_map(
                |members| Value::Object(
                    members
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect()
                )
            ),
        ]
    })
}

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Flip(at, byte)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let len = bytes.len().max(1);
    match *edit {
        Edit::Flip(at, byte) => {
            if let Some(slot) = bytes.get_mut(at % len) {
                *slot = byte;
            }
        }
        Edit::Insert(at, byte) => bytes.insert((at % len).min(bytes.len()), byte),
        Edit::Delete(at) => {
            if at % len < bytes.len() {
                bytes.remove(at % len);
            }
        }
        Edit::Truncate(at) => bytes.truncate(at % len),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        parses_soundly(&bytes)?;
    }

    #[test]
    fn corrupted_manifests_never_panic(
        example in 0..EXAMPLES.len(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let mut bytes = EXAMPLES[example].as_bytes().to_vec();
        for edit in &edits {
            apply(&mut bytes, edit);
        }
        parses_soundly(&bytes)?;
    }

    #[test]
    fn arbitrary_field_values_never_panic(
        example in 0..EXAMPLES.len(),
        pointer in prop::sample::select(POINTERS.to_vec()),
        value in json_value(),
    ) {
        let mut manifest: Value = serde_json::from_str(EXAMPLES[example])
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        if let Some(slot) = manifest.pointer_mut(pointer) {
            *slot = value;
        }
        parses_soundly(manifest.to_string().as_bytes())?;
    }
}
