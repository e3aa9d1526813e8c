//! Every parameter type through `coerce` and `check`, and binding.

use serde_json::{Value, json};

use super::*;

use ParamType::*;

#[test]
fn type_names_round_trip_through_serde_fromstr_and_display()
-> Result<(), Box<dyn std::error::Error>> {
    for param_type in ParamType::ALL {
        let name = param_type.to_string();
        assert_eq!(name.parse::<ParamType>()?, param_type);
        assert_eq!(serde_json::to_value(param_type)?, json!(name));
        assert_eq!(
            serde_json::from_value::<ParamType>(json!(name))?,
            param_type
        );
    }
    let names: Vec<std::string::String> = ParamType::ALL.iter().map(ToString::to_string).collect();
    let expected = [
        "auto_detect",
        "boolean",
        "number",
        "string",
        "ip",
        "number_list",
        "string_list",
        "ip_list",
    ];
    assert_eq!(names, expected);
    Ok(())
}

#[test]
fn unknown_type_names_are_refused_with_the_list_of_types() {
    for given in ["Number", "int", "JSON", "", "boolean_list", " number"] {
        let error = given.parse::<ParamType>().unwrap_err();
        assert_eq!(
            error,
            ParamError::UnknownType {
                given: given.into()
            }
        );
        assert!(
            error.to_string().contains("auto_detect, boolean, number"),
            "{error}"
        );
    }
}

#[test]
fn command_line_values_of_every_type_are_coerced() {
    let cases: &[(ParamType, &str, Value)] = &[
        (AutoDetect, "true", json!(true)),
        (AutoDetect, "FALSE", json!(false)),
        (AutoDetect, "5", json!(5)),
        (AutoDetect, "-2.5", json!(-2.5)),
        (AutoDetect, "yes", json!("yes")),
        (AutoDetect, "1", json!(1)),
        (AutoDetect, "a,b", json!("a,b")),
        (AutoDetect, "", json!("")),
        (AutoDetect, "nan", json!("nan")),
        (Boolean, "true", json!(true)),
        (Boolean, "Yes", json!(true)),
        (Boolean, "1", json!(true)),
        (Boolean, "FALSE", json!(false)),
        (Boolean, "no", json!(false)),
        (Boolean, " 0 ", json!(false)),
        (Number, "5", json!(5)),
        (Number, "-7", json!(-7)),
        (Number, "18446744073709551615", json!(u64::MAX)),
        (Number, "2.5", json!(2.5)),
        (Number, "1e3", json!(1000.0)),
        (Number, " 42 ", json!(42)),
        (String, " keep spaces ", json!(" keep spaces ")),
        (String, "", json!("")),
        (String, "a,b", json!("a,b")),
        (Ip, "10.0.0.1", json!("10.0.0.1")),
        (Ip, "::0001", json!("::1")),
        (Ip, "fe80::1", json!("fe80::1")),
        (NumberList, "1,2.5, 3", json!([1, 2.5, 3])),
        (NumberList, "", json!([])),
        (StringList, "a, b ,c", json!(["a", "b", "c"])),
        (StringList, "single", json!(["single"])),
        (IpList, "10.0.0.1, ::1", json!(["10.0.0.1", "::1"])),
    ];
    for (param_type, raw, expected) in cases {
        assert_eq!(
            param_type.coerce(raw).as_ref(),
            Ok(expected),
            "{param_type} {raw:?}"
        );
    }
}

#[test]
fn integers_stay_integers_when_coerced() -> Result<(), ParamError> {
    let value = Number.coerce("5")?;
    assert!(value.is_i64(), "{value}");
    assert!(Number.coerce("5.0")?.is_f64());
    Ok(())
}

#[test]
fn command_line_values_that_do_not_fit_are_refused() {
    let cases: &[(ParamType, &str, &str)] = &[
        (Boolean, "maybe", "maybe"),
        (Boolean, "", ""),
        (Boolean, "2", "2"),
        (Number, "abc", "abc"),
        (Number, "", ""),
        (Number, "inf", "inf"),
        (Number, "NaN", "NaN"),
        (Number, "1e999", "1e999"),
        (Number, "0x10", "0x10"),
        (Ip, "10.0.0.256", "10.0.0.256"),
        (Ip, "example.com", "example.com"),
        (Ip, "", ""),
        (NumberList, "1,x,3", "x"),
        (NumberList, "1,,3", "1,,3"),
        (StringList, "a,", "a,"),
        (IpList, "10.0.0.1,nope", "nope"),
    ];
    for (param_type, raw, shown) in cases {
        let expected = ParamError::Mismatch {
            name: None,
            param_type: *param_type,
            value: (*shown).into(),
        };
        assert_eq!(
            param_type.coerce(raw),
            Err(expected),
            "{param_type} {raw:?}"
        );
    }
}

#[test]
fn api_values_of_every_type_are_checked_and_converted() {
    let cases: &[(ParamType, Value, Value)] = &[
        (AutoDetect, json!(true), json!(true)),
        (AutoDetect, json!("5"), json!("5")),
        (AutoDetect, json!(5), json!(5)),
        (AutoDetect, json!([1, "a", false]), json!([1, "a", false])),
        (Boolean, json!(false), json!(false)),
        (Boolean, json!("yes"), json!(true)),
        (Number, json!(5), json!(5)),
        (Number, json!(2.5), json!(2.5)),
        (Number, json!("5"), json!(5)),
        (Number, json!(" 2.5"), json!(2.5)),
        (String, json!("text"), json!("text")),
        (Ip, json!("192.168.1.1"), json!("192.168.1.1")),
        (Ip, json!("::0001"), json!("::1")),
        (NumberList, json!([1, 2]), json!([1, 2])),
        (NumberList, json!(["1", 2]), json!([1, 2])),
        (NumberList, json!("80,443"), json!([80, 443])),
        (NumberList, json!([]), json!([])),
        (StringList, json!(["a", "b"]), json!(["a", "b"])),
        (StringList, json!("a,b"), json!(["a", "b"])),
        (
            IpList,
            json!(["10.0.0.1", "::1"]),
            json!(["10.0.0.1", "::1"]),
        ),
        (
            IpList,
            json!("10.0.0.1,10.0.0.2"),
            json!(["10.0.0.1", "10.0.0.2"]),
        ),
    ];
    for (param_type, given, expected) in cases {
        assert_eq!(
            param_type.check(given).as_ref(),
            Ok(expected),
            "{param_type} {given}"
        );
    }
}

#[test]
fn api_values_that_do_not_fit_are_refused() {
    let cases: &[(ParamType, Value, &str)] = &[
        (AutoDetect, json!(null), "null"),
        (AutoDetect, json!({"a": 1}), r#"{"a":1}"#),
        (AutoDetect, json!([{"a": 1}]), r#"[{"a":1}]"#),
        (Boolean, json!(1), "1"),
        (Boolean, json!("maybe"), "maybe"),
        (Boolean, json!(null), "null"),
        (Number, json!("abc"), "abc"),
        (Number, json!(true), "true"),
        (Number, json!([5]), "[5]"),
        (String, json!(5), "5"),
        (String, json!(null), "null"),
        (String, json!(["a"]), r#"["a"]"#),
        (Ip, json!(10), "10"),
        (Ip, json!("300.1.1.1"), "300.1.1.1"),
        (NumberList, json!([1, "x"]), r#""x""#),
        (NumberList, json!(5), "5"),
        (StringList, json!(["a", 1]), "1"),
        (StringList, json!({"a": "b"}), r#"{"a":"b"}"#),
        (IpList, json!(["10.0.0.1", "host"]), r#""host""#),
        (IpList, json!([true]), "true"),
    ];
    for (param_type, given, shown) in cases {
        let expected = ParamError::Mismatch {
            name: None,
            param_type: *param_type,
            value: (*shown).into(),
        };
        assert_eq!(
            param_type.check(given),
            Err(expected),
            "{param_type} {given}"
        );
    }
}

#[test]
fn mismatch_names_the_parameter_its_type_the_value_and_the_fix() {
    let spec = ParamSpec {
        name: "count".into(),
        param_type: Number,
    };
    let error = spec.coerce("abc").unwrap_err();
    assert_eq!(
        error.to_string(),
        "parameter `count` is a number, but got `abc`: pass digits such as 5 or 2.5"
    );
    let error = spec.check(&json!(true)).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("parameter `count` is a number, but got `true`")
    );
}

#[test]
fn long_values_are_cut_in_messages() {
    let long = "x".repeat(10_000);
    let message = Number.coerce(&long).unwrap_err().to_string();
    assert!(message.len() < 200, "{message}");
    assert!(message.contains("xxx…"));
}

fn specs() -> Vec<ParamSpec> {
    vec![
        ParamSpec {
            name: "path".into(),
            param_type: String,
        },
        ParamSpec {
            name: "levels".into(),
            param_type: Number,
        },
        ParamSpec {
            name: "recursive".into(),
            param_type: Boolean,
        },
    ]
}

#[test]
fn pairs_bind_in_declaration_order() -> Result<(), ParamErrors> {
    let bound = bind_params(&specs(), &["recursive=yes", "path=C:\\a=b", "levels=2"])?;
    let keys: Vec<&str> = bound.keys().map(std::string::String::as_str).collect();
    assert_eq!(keys, ["path", "levels", "recursive"]);
    assert_eq!(
        Value::Object(bound),
        json!({"path": "C:\\a=b", "levels": 2, "recursive": true})
    );
    Ok(())
}

#[test]
fn binding_reports_every_problem_at_once() {
    let errors = bind_params(
        &specs(),
        &["levels=two", "colour=red", "oops", "path=a", "path=b"],
    )
    .unwrap_err()
    .0;
    assert_eq!(errors.len(), 5, "{errors:?}");
    assert!(matches!(&errors[0], ParamError::NotAPair { given } if given == "oops"));
    assert!(matches!(&errors[1], ParamError::Mismatch { name: Some(n), .. } if n == "levels"));
    assert!(matches!(&errors[2], ParamError::UnknownName { name, .. } if name == "colour"));
    assert!(matches!(&errors[3], ParamError::Repeated { name } if name == "path"));
    assert!(matches!(&errors[4], ParamError::Missing { name } if name == "recursive"));
    assert!(
        errors[2]
            .to_string()
            .contains("it declares `path`, `levels`, `recursive`"),
        "{}",
        errors[2]
    );
}

#[test]
fn a_script_without_parameters_refuses_any() {
    let errors = bind_params(&[], &["x=1"]).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "this script has no parameter `x`: it takes no parameters"
    );
    assert_eq!(bind_params::<&str>(&[], &[]), Ok(serde_json::Map::new()));
}

#[test]
fn json_objects_bind_with_check() -> Result<(), ParamErrors> {
    let given = json!({"levels": "3", "recursive": false, "path": "/var/log"});
    let Value::Object(given) = given else {
        unreachable!("a literal object");
    };
    let bound = bind_json_params(&specs(), &given)?;
    assert_eq!(
        Value::Object(bound),
        json!({"path": "/var/log", "levels": 3, "recursive": false})
    );

    let mut wrong = given.clone();
    wrong.insert("levels".into(), json!([3]));
    wrong.shift_remove("path");
    let errors = bind_json_params(&specs(), &wrong).unwrap_err().0;
    assert_eq!(errors.len(), 2, "{errors:?}");
    Ok(())
}
