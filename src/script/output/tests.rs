//! Shaping returned values: single, dictionary, mismatched, missing,
//! undeclared and `files_to_get`.

use serde_json::{Value, json};

use super::*;

fn dictionary() -> OutputSpec {
    OutputSpec::Dictionary(vec![
        OutputField {
            name: "directories".into(),
            friendly_name: "Directories".into(),
            param_type: ParamType::StringList,
        },
        OutputField {
            name: "count".into(),
            friendly_name: "Count".into(),
            param_type: ParamType::Number,
        },
        OutputField {
            name: "anything".into(),
            friendly_name: "Anything".into(),
            param_type: ParamType::AutoDetect,
        },
    ])
}

fn single(param_type: ParamType, value: Value) -> ShapedValue {
    ShapedValue::Single { param_type, value }
}

#[test]
fn single_values_that_fit_keep_their_declared_type() {
    let cases = [
        (ParamType::Boolean, json!(true)),
        (ParamType::Number, json!(3)),
        (ParamType::Number, json!(2.5)),
        (ParamType::String, json!("done")),
        (ParamType::Ip, json!("fe80::1")),
        (ParamType::NumberList, json!([1, 2.5])),
        (ParamType::StringList, json!(["a"])),
        (ParamType::StringList, json!([])),
        (ParamType::IpList, json!(["10.0.0.1"])),
    ];
    for (declared, value) in cases {
        let shaped = OutputSpec::Single(declared).shape(value.clone());
        assert_eq!(shaped.value, single(declared, value), "{declared}");
        assert!(
            shaped.mismatches.is_empty(),
            "{declared}: {:?}",
            shaped.mismatches
        );
        assert!(shaped.files_to_get.is_empty());
    }
}

#[test]
fn auto_detect_reads_the_type_from_the_value() {
    let cases = [
        (json!(false), ParamType::Boolean),
        (json!(7), ParamType::Number),
        (json!("text"), ParamType::String),
        (json!("192.168.0.1"), ParamType::Ip),
        (json!([1, 2]), ParamType::NumberList),
        (json!(["::1", "10.0.0.1"]), ParamType::IpList),
        (json!(["a", "10.0.0.1"]), ParamType::StringList),
        (json!([]), ParamType::StringList),
        (json!([1, "a"]), ParamType::AutoDetect),
        (json!(null), ParamType::AutoDetect),
        (json!({"a": 1}), ParamType::AutoDetect),
    ];
    for (value, expected) in cases {
        let shaped = OutputSpec::Single(ParamType::AutoDetect).shape(value.clone());
        assert_eq!(shaped.value, single(expected, value.clone()), "{value}");
        assert!(shaped.mismatches.is_empty());
    }
}

#[test]
fn a_single_value_of_the_wrong_type_is_reported_and_kept() {
    let cases = [
        (ParamType::Boolean, json!("yes"), ParamType::String),
        (ParamType::Number, json!("5"), ParamType::String),
        (ParamType::Ip, json!("example.com"), ParamType::String),
        (
            ParamType::NumberList,
            json!([1, "2"]),
            ParamType::AutoDetect,
        ),
        (ParamType::String, json!(null), ParamType::AutoDetect),
    ];
    for (declared, value, shown) in cases {
        let shaped = OutputSpec::Single(declared).shape(value.clone());
        assert_eq!(shaped.value, single(shown, value.clone()), "{declared}");
        assert_eq!(shaped.mismatches.len(), 1, "{declared}");
        let message = &shaped.mismatches[0];
        assert!(message.starts_with(&format!("the output is declared {}", declared.noun())));
        assert!(message.contains(&value.to_string()), "{message}");
    }
}

#[test]
fn a_dictionary_shows_declared_fields_by_title_and_keeps_the_rest() {
    let returned = json!({
        "zeta": 1,
        "count": 2,
        "directories": ["/tmp", "/var"],
        "anything": "10.0.0.1",
        "alpha": {"nested": true},
    });
    let shaped = dictionary().shape(returned);
    assert!(shaped.mismatches.is_empty(), "{:?}", shaped.mismatches);
    let ShapedValue::Dictionary { fields, undeclared } = shaped.value else {
        panic!("not shaped as a dictionary: {:?}", shaped.value);
    };
    let shown: Vec<(&str, ParamType, &Value)> = fields
        .iter()
        .map(|f| (f.friendly_name.as_str(), f.param_type, &f.value))
        .collect();
    assert_eq!(
        shown,
        [
            (
                "Directories",
                ParamType::StringList,
                &json!(["/tmp", "/var"])
            ),
            ("Count", ParamType::Number, &json!(2)),
            ("Anything", ParamType::Ip, &json!("10.0.0.1")),
        ]
    );
    let keys: Vec<&String> = undeclared.keys().collect();
    assert_eq!(keys, ["zeta", "alpha"]);
    assert_eq!(undeclared["alpha"], json!({"nested": true}));
}

#[test]
fn missing_and_mismatched_fields_are_reported() {
    let shaped = dictionary().shape(json!({"count": "two", "anything": null}));
    assert_eq!(
        shaped.mismatches,
        [
            "field `directories` (Directories) is declared but missing from the returned \
             dictionary",
            "field `count` (Count) is declared a number (number), but the script returned a \
             string: `\"two\"`",
        ]
    );
    let ShapedValue::Dictionary { fields, .. } = shaped.value else {
        panic!("not shaped as a dictionary");
    };
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0].value, json!("two"));
    assert_eq!(fields[0].param_type, ParamType::String);
}

#[test]
fn files_to_get_is_taken_out_as_the_files_to_retrieve() {
    let returned = json!({"files_to_get": ["/var/log/syslog", "C:\\a.txt"], "count": 1});
    let shaped = OutputSpec::Dictionary(Vec::new()).shape(returned);
    assert_eq!(shaped.files_to_get, ["/var/log/syslog", "C:\\a.txt"]);
    assert!(shaped.mismatches.is_empty());
    let ShapedValue::Dictionary { undeclared, .. } = shaped.value else {
        panic!("not shaped as a dictionary");
    };
    assert_eq!(Value::Object(undeclared), json!({"count": 1}));
}

#[test]
fn a_files_to_get_that_is_not_a_list_of_strings_is_reported_and_kept() {
    for bad in [
        json!("/etc/passwd"),
        json!(["/a", 5]),
        json!(null),
        json!({"a": "b"}),
    ] {
        let shaped = OutputSpec::Dictionary(Vec::new()).shape(json!({ FILES_TO_GET: bad }));
        assert!(shaped.files_to_get.is_empty(), "{bad}");
        assert_eq!(shaped.mismatches.len(), 1, "{bad}");
        assert!(shaped.mismatches[0].starts_with("`files_to_get` must be a list of file paths"));
        let ShapedValue::Dictionary { undeclared, .. } = shaped.value else {
            panic!("not shaped as a dictionary");
        };
        assert_eq!(undeclared.get(FILES_TO_GET), Some(&bad));
    }
}

#[test]
fn a_declared_files_to_get_is_also_shown_as_a_field() {
    let spec = OutputSpec::Dictionary(vec![OutputField {
        name: FILES_TO_GET.into(),
        friendly_name: "Files".into(),
        param_type: ParamType::StringList,
    }]);
    let shaped = spec.shape(json!({ FILES_TO_GET: ["/a"] }));
    assert_eq!(shaped.files_to_get, ["/a"]);
    assert!(matches!(&shaped.value, ShapedValue::Dictionary { fields, .. } if fields.len() == 1));
}

#[test]
fn a_dictionary_output_that_is_not_a_dictionary_is_reported_and_kept() {
    let shaped = dictionary().shape(json!([1, 2]));
    assert_eq!(
        shaped.value,
        ShapedValue::Unshaped {
            value: json!([1, 2])
        }
    );
    assert_eq!(
        shaped.mismatches,
        ["the output is declared a dictionary (JSON), but the script returned a list: `[1,2]`"]
    );
}

#[test]
fn shaped_output_serializes_with_kinds_and_type_names() -> Result<(), serde_json::Error> {
    let shaped = OutputSpec::Dictionary(vec![OutputField {
        name: "count".into(),
        friendly_name: "Count".into(),
        param_type: ParamType::Number,
    }])
    .shape(json!({"count": 1, "files_to_get": ["/x"]}));
    assert_eq!(
        serde_json::to_value(&shaped)?,
        json!({
            "value": {
                "kind": "dictionary",
                "fields": [
                    {"name": "count", "friendly_name": "Count", "type": "number", "value": 1}
                ],
                "undeclared": {},
            },
            "files_to_get": ["/x"],
            "mismatches": [],
        })
    );
    let single = OutputSpec::Single(ParamType::Boolean).shape(json!(true));
    assert_eq!(
        serde_json::to_value(&single)?["value"],
        json!({"kind": "single", "type": "boolean", "value": true})
    );
    Ok(())
}
