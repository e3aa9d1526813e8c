//! The operations, each checked in memory and after a reload.

use super::super::{MAX_KEY_DEPTH, RegValue, RegistryError, Root};
use super::{Result, kind_of, new_hive, reload};

const LM: Root = Root::LocalMachine;

#[test]
fn create_key_makes_missing_parents_and_says_whether_it_was_new() -> Result {
    let (_dir, mut hive) = new_hive()?;

    assert!(hive.create_key(LM, r"Software\Ward\Agent")?);
    assert!(!hive.create_key(LM, r"Software\Ward\Agent")?);
    assert!(!hive.create_key(LM, r"Software\Ward")?);

    let hive = reload(&hive)?;
    assert!(hive.key_exists(LM, "Software")?);
    assert!(hive.key_exists(LM, r"Software\Ward\Agent")?);
    assert!(!hive.key_exists(Root::CurrentUser, "Software")?);
    Ok(())
}

#[test]
fn the_empty_path_is_the_root_which_always_exists() -> Result {
    let (_dir, mut hive) = new_hive()?;

    assert!(hive.key_exists(Root::Users, "")?);
    assert!(!hive.create_key(Root::Users, "")?);
    hive.set_value(Root::Users, "", "", RegValue::Sz("default".into()))?;

    let hive = reload(&hive)?;
    assert_eq!(
        hive.query_value(Root::Users, "", "")?,
        RegValue::Sz("default".into())
    );
    Ok(())
}

#[test]
fn names_are_case_insensitive_and_keep_their_first_spelling() -> Result {
    let (_dir, mut hive) = new_hive()?;
    hive.create_key(LM, r"Software\Ward")?;
    hive.set_value(LM, r"SOFTWARE\ward", "Level", RegValue::Dword(1))?;
    hive.set_value(LM, r"software\WARD", "LEVEL", RegValue::Dword(2))?;

    let hive = reload(&hive)?;
    assert!(hive.key_exists(LM, r"sOfTwArE\wArD")?);
    assert_eq!(hive.enum_key(LM, "", 0)?, "Software");
    assert_eq!(hive.enum_key(LM, "software", 0)?, "Ward");
    let only = hive.enum_value(LM, r"Software\Ward", 0)?;
    assert_eq!(
        (only.name.as_str(), only.value),
        ("Level", RegValue::Dword(2))
    );
    assert_eq!(
        hive.query_value(LM, r"Software\Ward", "level")?,
        RegValue::Dword(2)
    );
    assert_eq!(hive.query_info_key(LM, r"Software\Ward")?.values, 1);
    Ok(())
}

#[test]
fn delete_key_refuses_a_key_with_subkeys() -> Result {
    let (_dir, mut hive) = new_hive()?;
    hive.create_key(LM, r"Software\Ward\Agent")?;
    hive.set_value(LM, r"Software\Ward", "Level", RegValue::Dword(1))?;

    let refused = hive.delete_key(LM, r"Software\Ward");
    assert!(matches!(refused, Err(RegistryError::HasSubkeys { .. })));
    assert_eq!(kind_of(refused), "AccessDenied");

    hive.delete_key(LM, r"Software\Ward\Agent")?;
    hive.delete_key(LM, r"software\ward")?;
    let hive = reload(&hive)?;
    assert!(!hive.key_exists(LM, r"Software\Ward")?);
    assert!(hive.key_exists(LM, "Software")?);
    Ok(())
}

#[test]
fn delete_key_refuses_a_root_and_a_missing_key() -> Result {
    let (_dir, mut hive) = new_hive()?;

    assert!(matches!(
        hive.delete_key(LM, ""),
        Err(RegistryError::DeleteRoot { .. })
    ));
    assert!(matches!(
        hive.delete_key(LM, r"Software\Missing"),
        Err(RegistryError::KeyNotFound { .. })
    ));
    Ok(())
}

#[test]
fn values_need_an_existing_key_and_missing_ones_are_not_found() -> Result {
    let (_dir, mut hive) = new_hive()?;

    let set = hive.set_value(LM, "Software", "Level", RegValue::Dword(1));
    assert!(matches!(set, Err(RegistryError::KeyNotFound { .. })));
    assert_eq!(
        kind_of(hive.query_value(LM, "Software", "Level")),
        "NotFound"
    );

    hive.create_key(LM, "Software")?;
    let query = hive.query_value(LM, "Software", "Level");
    assert!(matches!(query, Err(RegistryError::ValueNotFound { .. })));
    assert_eq!(
        kind_of(hive.delete_value(LM, "Software", "Level")),
        "NotFound"
    );
    Ok(())
}

#[test]
fn delete_value_removes_it_for_good() -> Result {
    let (_dir, mut hive) = new_hive()?;
    hive.create_key(LM, "Software")?;
    hive.set_value(LM, "Software", "A", RegValue::Dword(1))?;
    hive.set_value(LM, "Software", "B", RegValue::Dword(2))?;

    hive.delete_value(LM, "Software", "a")?;

    let hive = reload(&hive)?;
    assert_eq!(kind_of(hive.query_value(LM, "Software", "A")), "NotFound");
    assert_eq!(hive.enum_value(LM, "Software", 0)?.name, "B");
    Ok(())
}

#[test]
fn enum_key_lists_subkeys_in_name_order_and_stops_past_the_end() -> Result {
    let (_dir, mut hive) = new_hive()?;
    for name in ["beta", "Alpha", "gamma"] {
        hive.create_key(LM, &format!(r"Software\{name}"))?;
    }

    let hive = reload(&hive)?;
    let names: Vec<String> = (0..3)
        .map(|index| hive.enum_key(LM, "Software", index))
        .collect::<std::result::Result<_, _>>()?;
    assert_eq!(names, ["Alpha", "beta", "gamma"]);
    let past = hive.enum_key(LM, "Software", 3);
    assert!(matches!(
        past,
        Err(RegistryError::NoMoreItems { count: 3, .. })
    ));
    assert_eq!(kind_of(past), "NotFound");
    Ok(())
}

#[test]
fn enum_value_lists_values_in_the_order_first_set_and_stops_past_the_end() -> Result {
    let (_dir, mut hive) = new_hive()?;
    hive.create_key(LM, "Software")?;
    for name in ["z", "a", "m"] {
        hive.set_value(LM, "Software", name, RegValue::Sz(name.into()))?;
    }
    // Replacing a value keeps its place.
    hive.set_value(LM, "Software", "Z", RegValue::Dword(26))?;

    let hive = reload(&hive)?;
    let first = hive.enum_value(LM, "Software", 0)?;
    assert_eq!(
        (first.name.as_str(), first.value),
        ("z", RegValue::Dword(26))
    );
    assert_eq!(hive.enum_value(LM, "Software", 2)?.name, "m");
    assert!(matches!(
        hive.enum_value(LM, "Software", 3),
        Err(RegistryError::NoMoreItems { count: 3, .. })
    ));
    Ok(())
}

#[test]
fn query_info_key_counts_and_dates_the_last_change() -> Result {
    let (_dir, mut hive) = new_hive()?;
    hive.create_key(LM, r"Software\A")?;
    hive.create_key(LM, r"Software\B")?;
    let created = hive.query_info_key(LM, "Software")?;
    assert!(created.modified_ns > 0);

    hive.set_value(LM, "Software", "", RegValue::Sz(String::new()))?;

    let info = reload(&hive)?.query_info_key(LM, "Software")?;
    assert_eq!((info.subkeys, info.values), (2, 1));
    assert!(info.modified_ns >= created.modified_ns);
    assert_eq!(
        serde_json::to_value(info)?,
        serde_json::json!({"subkeys": 2, "values": 1, "modified_ns": info.modified_ns})
    );
    Ok(())
}

#[test]
fn malformed_paths_and_names_are_invalid_requests() -> Result {
    let (_dir, mut hive) = new_hive()?;
    let long_name = "k".repeat(256);
    let too_deep = vec!["k"; MAX_KEY_DEPTH + 1].join("\\");

    for path in [
        r"\Software",
        r"Software\\Ward",
        "Software\\",
        "Soft\0ware",
        &long_name,
        &too_deep,
    ] {
        let outcome = hive.create_key(LM, path);
        assert!(
            matches!(outcome, Err(RegistryError::InvalidPath { .. })),
            "{path:?} gave {outcome:?}"
        );
        assert_eq!(kind_of(outcome), "InvalidRequest");
    }
    assert!(hive.create_key(LM, &"k".repeat(255))?);

    let long_value = "v".repeat(16_384);
    for name in ["a\0b", long_value.as_str()] {
        let outcome = hive.set_value(LM, "", name, RegValue::Dword(0));
        assert!(matches!(
            outcome,
            Err(RegistryError::InvalidValueName { .. })
        ));
    }
    Ok(())
}

#[test]
fn roots_parse_from_full_names_and_abbreviations_in_any_case() -> Result {
    assert_eq!("HKEY_LOCAL_MACHINE".parse::<Root>()?, LM);
    assert_eq!("hklm".parse::<Root>()?, LM);
    assert_eq!("HKCU".parse::<Root>()?, Root::CurrentUser);
    assert_eq!(serde_json::from_str::<Root>("\"HKEY_USERS\"")?, Root::Users);
    assert_eq!(
        serde_json::to_string(&Root::CurrentConfig)?,
        "\"HKEY_CURRENT_CONFIG\""
    );

    let bad = "HKEY_PERFORMANCE_DATA".parse::<Root>();
    assert!(matches!(bad, Err(RegistryError::InvalidRoot { .. })));
    assert_eq!(kind_of(bad), "InvalidRequest");
    assert_eq!(LM.key_name(""), "HKEY_LOCAL_MACHINE");
    assert_eq!(
        LM.key_name(r"Software\Ward"),
        r"HKEY_LOCAL_MACHINE\Software\Ward"
    );
    Ok(())
}

#[test]
fn no_hive_tells_the_user_to_name_one_in_the_policy() {
    let error = RegistryError::NotAvailable;
    assert_eq!(error.kind(), "NotAvailable");
    assert!(error.to_string().contains("registry_hive"));
}
