//! The hive file: creation, atomic saves, hand-written hives and damage.

use std::fs;

use super::super::{Hive, RegValue, RegistryError, Root};
use super::{Result, kind_of, new_hive, reload};

#[test]
fn a_missing_file_is_an_empty_hive_written_on_the_first_change() -> Result {
    let (dir, mut hive) = new_hive()?;
    let path = dir.path().join("hive.json");

    hive.key_exists(Root::LocalMachine, "Software")?;
    assert!(!path.exists());

    hive.create_key(Root::LocalMachine, "Software")?;
    assert!(path.exists());
    Ok(())
}

#[test]
fn saves_leave_no_temporary_file_behind() -> Result {
    let (dir, mut hive) = new_hive()?;
    hive.create_key(Root::LocalMachine, "Software")?;
    hive.set_value(Root::LocalMachine, "Software", "a", RegValue::Dword(1))?;

    let names: Vec<_> = fs::read_dir(dir.path())?
        .map(|entry| entry.map(|e| e.file_name()))
        .collect::<std::result::Result<_, _>>()?;
    assert_eq!(names, ["hive.json"]);
    Ok(())
}

#[test]
fn a_change_that_cannot_be_saved_is_not_made() -> Result {
    let dir = tempfile::tempdir()?;
    let sub = dir.path().join("gone");
    fs::create_dir(&sub)?;
    let mut hive = Hive::open(sub.join("hive.json"))?;
    hive.create_key(Root::LocalMachine, "Software")?;
    fs::remove_dir_all(&sub)?;

    let outcome = hive.set_value(Root::LocalMachine, "Software", "a", RegValue::Dword(1));
    assert!(matches!(outcome, Err(RegistryError::Write { .. })));
    assert_eq!(kind_of(outcome), "OSError");
    let query = hive.query_value(Root::LocalMachine, "Software", "a");
    assert!(matches!(query, Err(RegistryError::ValueNotFound { .. })));
    Ok(())
}

#[cfg(unix)]
#[test]
fn saves_keep_the_permissions_of_the_file() -> Result {
    use std::os::unix::fs::PermissionsExt;

    let (dir, mut hive) = new_hive()?;
    let path = dir.path().join("hive.json");
    hive.create_key(Root::LocalMachine, "A")?;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640))?;

    hive.create_key(Root::LocalMachine, "B")?;
    assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o640);
    Ok(())
}

#[test]
fn a_hand_written_hive_may_leave_out_parents_times_and_values() -> Result {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("hive.json");
    fs::write(
        &path,
        r#"{"version": 1, "keys": [
            {"path": "HKLM\\Software\\Ward", "values": [{"name": "Level", "type": 4, "value": 3}]},
            {"path": "HKEY_LOCAL_MACHINE\\Software", "modified_ns": 42}
        ]}"#,
    )?;

    let hive = Hive::open(&path)?;
    let lm = Root::LocalMachine;
    assert_eq!(
        hive.query_value(lm, r"Software\Ward", "level")?,
        RegValue::Dword(3)
    );
    assert_eq!(hive.query_info_key(lm, "Software")?.modified_ns, 42);
    assert_eq!(hive.query_info_key(lm, r"Software\Ward")?.modified_ns, 0);
    Ok(())
}

#[test]
fn a_blank_file_is_an_empty_hive() -> Result {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("hive.json");
    fs::write(&path, "\n")?;

    let hive = Hive::open(&path)?;
    assert_eq!(hive.query_info_key(Root::Users, "")?.subkeys, 0);
    Ok(())
}

#[test]
fn the_saved_file_lists_keys_by_full_name_parents_first() -> Result {
    let (dir, mut hive) = new_hive()?;
    hive.create_key(Root::CurrentUser, r"Software\Ward")?;
    hive.set_value(
        Root::CurrentUser,
        r"Software\Ward",
        "Id",
        RegValue::Binary(vec![1]),
    )?;

    let saved: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("hive.json"))?)?;
    let paths: Vec<&str> = saved["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|key| key["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "HKEY_CLASSES_ROOT",
            "HKEY_CURRENT_USER",
            r"HKEY_CURRENT_USER\Software",
            r"HKEY_CURRENT_USER\Software\Ward",
            "HKEY_LOCAL_MACHINE",
            "HKEY_USERS",
            "HKEY_CURRENT_CONFIG",
        ]
    );
    assert_eq!(
        saved["keys"][3]["values"],
        serde_json::json!([{"name": "Id", "type": 3, "value": "01"}])
    );
    assert_eq!(
        reload(&hive)?
            .query_info_key(Root::CurrentUser, "Software")?
            .subkeys,
        1
    );
    Ok(())
}

#[test]
fn a_damaged_hive_is_refused_with_the_reason() -> Result {
    let cases = [
        ("{not json", "key must be a string"),
        (r#"{"version": 2, "keys": []}"#, "format version 2"),
        (
            r#"{"version": 1, "keys": [], "extra": 1}"#,
            "unknown field `extra`",
        ),
        (
            r#"{"version": 1, "keys": [{"path": "HKEY_NOWHERE\\A"}]}"#,
            "not a registry root",
        ),
        (
            r#"{"version": 1, "keys": [{"path": "HKLM\\A\\"}]}"#,
            "ends with",
        ),
        (
            r#"{"version": 1, "keys": [{"path": "HKLM\\\\A"}]}"#,
            "starts with",
        ),
        (
            r#"{"version": 1, "keys": [{"path": "HKLM\\A"}, {"path": "HKLM\\a"}]}"#,
            "listed twice",
        ),
        (
            r#"{"version": 1, "keys": [{"path": "HKLM", "values": [
                {"name": "x", "type": 1, "value": "a"},
                {"name": "X", "type": 1, "value": "b"}]}]}"#,
            "lists the value `X` twice",
        ),
        (
            r#"{"version": 1, "keys": [{"path": "HKLM", "values": [
                {"name": "x", "type": 4, "value": "a"}]}]}"#,
            "type 4 needs a number",
        ),
    ];
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("hive.json");
    for (text, reason) in cases {
        fs::write(&path, text)?;
        match Hive::open(&path) {
            Err(error @ RegistryError::Corrupt { .. }) => {
                let message = error.to_string();
                assert!(message.contains(reason), "{text}: {message}");
                assert!(message.contains("move it aside"), "{message}");
                assert_eq!(error.kind(), "OSError");
            }
            other => panic!("{text} gave {other:?}"),
        }
    }
    Ok(())
}

#[test]
fn a_hive_that_cannot_be_read_is_a_read_error() -> Result {
    let dir = tempfile::tempdir()?;

    let outcome = Hive::open(dir.path());
    assert!(
        matches!(outcome, Err(RegistryError::Read { .. })),
        "{outcome:?}"
    );
    Ok(())
}
