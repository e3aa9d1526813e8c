//! Value types: their JSON form on the channel and their round trip
//! through the hive file.

use serde::Deserialize;
use serde_json::json;

use super::super::{MAX_VALUE_BYTES, NamedValue, RegValue, RegistryError, Root};
use super::{Result, new_hive, reload};

fn every_type() -> Vec<(&'static str, RegValue)> {
    vec![
        ("none", RegValue::None(Vec::new())),
        ("none with bytes", RegValue::None(vec![0, 1])),
        ("sz", RegValue::Sz("Grüße, ward".into())),
        (
            "expand",
            RegValue::ExpandSz(r"%SystemRoot%\System32".into()),
        ),
        ("binary", RegValue::Binary(vec![0x00, 0xab, 0xff])),
        ("empty binary", RegValue::Binary(Vec::new())),
        ("dword", RegValue::Dword(u32::MAX)),
        ("multi", RegValue::MultiSz(vec!["one".into(), "two".into()])),
        ("empty multi", RegValue::MultiSz(Vec::new())),
        ("qword", RegValue::Qword(u64::MAX)),
    ]
}

#[test]
fn every_value_type_round_trips_through_save_and_reload() -> Result {
    let (_dir, mut hive) = new_hive()?;
    hive.create_key(Root::CurrentUser, r"Software\Types")?;
    for (name, value) in every_type() {
        hive.set_value(Root::CurrentUser, r"Software\Types", name, value)?;
    }

    let hive = reload(&hive)?;
    for (index, (name, value)) in every_type().into_iter().enumerate() {
        let read = hive.query_value(Root::CurrentUser, r"Software\Types", name)?;
        assert_eq!(read, value, "{name}");
        let listed = hive.enum_value(Root::CurrentUser, r"Software\Types", index)?;
        assert_eq!(
            listed,
            NamedValue {
                name: name.into(),
                value
            }
        );
    }
    Ok(())
}

#[test]
fn values_have_the_channel_json_shape() -> Result {
    let shapes = [
        (RegValue::None(Vec::new()), json!({"type": 0, "value": ""})),
        (
            RegValue::Sz("text".into()),
            json!({"type": 1, "value": "text"}),
        ),
        (
            RegValue::ExpandSz("%X%".into()),
            json!({"type": 2, "value": "%X%"}),
        ),
        (
            RegValue::Binary(vec![0xde, 0xad]),
            json!({"type": 3, "value": "dead"}),
        ),
        (RegValue::Dword(7), json!({"type": 4, "value": 7})),
        (
            RegValue::MultiSz(vec!["a".into()]),
            json!({"type": 7, "value": ["a"]}),
        ),
        (
            RegValue::Qword(1 << 40),
            json!({"type": 11, "value": 1_u64 << 40}),
        ),
    ];
    for (value, shape) in shapes {
        assert_eq!(serde_json::to_value(&value)?, shape);
        assert_eq!(serde_json::from_value::<RegValue>(shape)?, value);
    }

    let named = NamedValue {
        name: "Level".into(),
        value: RegValue::Dword(3),
    };
    assert_eq!(
        serde_json::to_value(named)?,
        json!({"name": "Level", "type": 4, "value": 3})
    );
    Ok(())
}

#[test]
fn a_value_can_be_flattened_into_request_arguments() -> Result {
    #[derive(Deserialize)]
    struct SetValueArgs {
        root: Root,
        path: String,
        name: String,
        #[serde(flatten)]
        value: RegValue,
    }

    let args: SetValueArgs = serde_json::from_value(json!({
        "root": "HKEY_LOCAL_MACHINE", "path": r"Software\Ward", "name": "Id",
        "type": 3, "value": "00ff"
    }))?;
    assert_eq!(args.root, Root::LocalMachine);
    assert_eq!(
        (args.path.as_str(), args.name.as_str()),
        (r"Software\Ward", "Id")
    );
    assert_eq!(args.value, RegValue::Binary(vec![0x00, 0xff]));
    Ok(())
}

#[test]
fn null_stands_for_no_bytes_in_binary_and_none_values() -> Result {
    assert_eq!(
        RegValue::from_wire(3, &json!(null))?,
        RegValue::Binary(Vec::new())
    );
    assert_eq!(
        RegValue::from_wire(0, &json!(null))?,
        RegValue::None(Vec::new())
    );
    assert_eq!(
        RegValue::from_wire(3, &json!("ABcd"))?,
        RegValue::Binary(vec![0xab, 0xcd])
    );
    Ok(())
}

#[test]
fn data_that_does_not_fit_its_type_is_refused() {
    let refused = [
        (1, json!(5)),
        (2, json!(null)),
        (3, json!("xyz")),
        (3, json!("abc")),
        (3, json!([1, 2])),
        (4, json!(-1)),
        (4, json!(4_294_967_296_u64)),
        (4, json!("7")),
        (4, json!(1.5)),
        (7, json!(["a", 1])),
        (7, json!("a")),
        (11, json!(-1)),
        (5, json!("00")),
        (99, json!(null)),
    ];
    for (type_code, data) in refused {
        let outcome = RegValue::from_wire(type_code, &data);
        assert!(
            matches!(outcome, Err(RegistryError::InvalidValue { .. })),
            "{type_code} {data} gave {outcome:?}"
        );
    }
}

#[test]
fn set_value_refuses_an_oversized_value_built_in_rust() -> Result {
    let (_dir, mut hive) = new_hive()?;
    let big = RegValue::Binary(vec![0; MAX_VALUE_BYTES + 1]);

    let outcome = hive.set_value(Root::LocalMachine, "", "big", big);
    assert!(matches!(outcome, Err(RegistryError::InvalidValue { .. })));
    Ok(())
}

#[test]
fn values_over_the_size_limit_are_refused() {
    let just_fits = "ab".repeat(MAX_VALUE_BYTES);
    assert!(RegValue::from_wire(3, &json!(just_fits)).is_ok());

    let too_big = "ab".repeat(MAX_VALUE_BYTES + 1);
    let outcome = RegValue::from_wire(3, &json!(too_big));
    assert!(matches!(outcome, Err(RegistryError::InvalidValue { .. })));

    // Strings count as UTF-16 with a terminator, as Windows stores them.
    let text = "x".repeat(MAX_VALUE_BYTES / 2);
    assert!(RegValue::from_wire(1, &json!(text)).is_err());
}
