//! The registry through the guest's `winreg`, backed by a hive file the test creates: a full
//! round trip, refusals by risk and by rule, and the error a host without a hive gives.

use serde_json::json;
use ward::audit::Decision;
use ward::capability::registry::{RegValue, Root};
use ward::policy::Risk;

use super::host::{Host, TestResult, recorded, unique_name};

/// Every script reads below `HKLM\Software\<key>`; high-risk scripts also change it.
pub fn registry_policy(key: &str) -> String {
    format!(
        r#"
[[allow]]
risk = ["standard", "high_risk"]
operations = ["registry.read"]
registry_keys = ['HKLM\Software\{key}']

[[allow]]
risk = ["high_risk"]
operations = ["registry.write", "registry.delete"]
registry_keys = ['HKLM\Software\{key}']
"#
    )
}

/// `HKEY_LOCAL_MACHINE\Software\<key>\<below>`, as the audit log names it.
fn full(key: &str, below: &str) -> String {
    let path = format!("HKEY_LOCAL_MACHINE\\Software\\{key}");
    if below.is_empty() {
        path
    } else {
        format!("{path}\\{below}")
    }
}

#[tokio::test]
async fn winreg_round_trips_through_a_test_hive() -> TestResult {
    let key = unique_name();
    let host = Host::builder(&registry_policy(&key)).with_hive().build()?;
    let code = r#"
import winreg

def run(key):
    base = "Software\\" + key
    with winreg.CreateKey(winreg.HKEY_LOCAL_MACHINE, base + "\\Sub") as sub:
        winreg.SetValueEx(sub, "Greeting", 0, winreg.REG_SZ, "hello")
        winreg.SetValueEx(sub, "Count", 0, winreg.REG_DWORD, 42)
        winreg.SetValueEx(sub, "Blob", 0, winreg.REG_BINARY, b"\x00\xff")
        winreg.SetValueEx(sub, "List", 0, winreg.REG_MULTI_SZ, ["a", "b"])
        winreg.SetValueEx(sub, "Kept", 0, winreg.REG_QWORD, 2**40)
        queried = [list(winreg.QueryValueEx(sub, n)) for n in ("Greeting", "Count", "List")]
        blob = winreg.QueryValueEx(sub, "Blob")[0].hex()
        values = [winreg.EnumValue(sub, i)[0] for i in range(winreg.QueryInfoKey(sub)[1])]
        winreg.DeleteValue(sub, "Greeting")
        gone = attempt(winreg.QueryValueEx, sub, "Greeting")
    with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, base) as parent:
        subkeys = [winreg.EnumKey(parent, 0), attempt(winreg.EnumKey, parent, 1)]
    with winreg.CreateKey(winreg.HKEY_LOCAL_MACHINE, base + "\\Doomed"):
        pass
    winreg.DeleteKey(winreg.HKEY_LOCAL_MACHINE, base + "\\Doomed")
    return {
        "queried": queried,
        "blob": blob,
        "values": values,
        "gone": gone,
        "subkeys": subkeys,
        "doomed": attempt(winreg.OpenKey, winreg.HKEY_LOCAL_MACHINE, base + "\\Doomed"),
    }
"#;
    let done = host
        .returned(Risk::HighRisk, code, json!({ "key": key }))
        .await?;

    assert_eq!(
        done.value,
        json!({
            "queried": [["hello", 1], [42, 4], [["a", "b"], 7]],
            "blob": "00ff",
            "values": ["Greeting", "Count", "Blob", "List", "Kept"],
            "gone": "FileNotFoundError",
            "subkeys": ["Sub", "OSError"],
            "doomed": "FileNotFoundError",
        })
    );
    let hive = host.hive().ok_or("the host has a hive")?;
    let mut hive = hive.lock().map_err(|_| "hive lock poisoned")?;
    // A warm interpreter's child changed the file from another process.
    hive.refresh()?;
    let stored = hive.query_value(Root::LocalMachine, &format!("Software\\{key}\\Sub"), "Kept")?;
    assert_eq!(stored, RegValue::Qword(1 << 40));
    let sub = full(&key, "Sub");
    for (operation, outcome) in [
        ("registry.write", "ok"),
        ("registry.read", "ok"),
        ("registry.delete", "ok"),
    ] {
        let done_right = done.records.iter().any(|r| {
            r.operation == operation
                && r.target == sub
                && r.decision == Decision::Allow
                && r.outcome.as_deref() == Some(outcome)
        });
        assert!(done_right, "no {operation} on {sub}: {:#?}", done.records);
    }
    recorded(
        &done.records,
        "registry.delete",
        &full(&key, "Doomed"),
        Decision::Allow,
    )?;
    Ok(())
}

#[tokio::test]
async fn without_a_hive_winreg_says_the_registry_is_not_available() -> TestResult {
    let key = unique_name();
    let host = Host::new(&registry_policy(&key))?;
    let code = r#"
import winreg

def run(key):
    try:
        winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, "Software\\" + key)
    except OSError as error:
        return [type(error).__name__, str(error)]
    return "opened"
"#;
    let done = host
        .returned(Risk::Standard, code, json!({ "key": key }))
        .await?;

    assert_eq!(done.value[0], "OSError");
    let message = done.value[1].as_str().unwrap_or("");
    assert!(
        message.contains("not available on this platform"),
        "{message}"
    );
    let asked = recorded(
        &done.records,
        "registry.read",
        &full(&key, ""),
        Decision::Allow,
    )?;
    assert!(
        asked
            .outcome
            .as_deref()
            .is_some_and(|o| o.starts_with("error:")),
        "{asked:?}"
    );
    Ok(())
}

#[tokio::test]
async fn standard_risk_and_keys_outside_the_rules_cannot_change_the_registry() -> TestResult {
    let key = unique_name();
    let host = Host::builder(&registry_policy(&key)).with_hive().build()?;
    let path = format!("Software\\{key}\\Existing");
    {
        let hive = host.hive().ok_or("the host has a hive")?;
        let mut hive = hive.lock().map_err(|_| "hive lock poisoned")?;
        hive.create_key(Root::LocalMachine, &path)?;
        hive.set_value(Root::LocalMachine, &path, "Value", RegValue::Dword(7))?;
    }
    let code = r#"
import winreg

HKLM = winreg.HKEY_LOCAL_MACHINE

def set_value(path):
    with winreg.OpenKey(HKLM, path, 0, winreg.KEY_ALL_ACCESS) as key:
        winreg.SetValueEx(key, "Value", 0, winreg.REG_DWORD, 8)

def delete_value(path):
    with winreg.OpenKey(HKLM, path, 0, winreg.KEY_ALL_ACCESS) as key:
        winreg.DeleteValue(key, "Value")

def run(key, path):
    return {
        "create": attempt(winreg.CreateKey, HKLM, "Software\\" + key + "\\New"),
        "set": attempt(set_value, path),
        "delete_value": attempt(delete_value, path),
        "delete_key": attempt(winreg.DeleteKey, HKLM, path),
        "read": attempt(lambda: winreg.QueryValueEx(winreg.OpenKey(HKLM, path), "Value")),
    }
"#;
    let params = json!({ "key": key, "path": path });
    let standard = host.returned(Risk::Standard, code, params.clone()).await?;
    let outside = format!("Software\\{key}-other");
    let high_code = "import winreg\n\ndef run(path):\n    \
                     return attempt(winreg.CreateKey, winreg.HKEY_LOCAL_MACHINE, path)";
    let high = host
        .returned(Risk::HighRisk, high_code, json!({ "path": outside }))
        .await?;

    for change in ["create", "set", "delete_value", "delete_key"] {
        assert_eq!(
            standard.at(change),
            "PermissionError",
            "{change}: {:?}",
            standard.value
        );
    }
    assert_eq!(standard.at("read"), "ok");
    assert_eq!(high.value, "PermissionError");
    let hive = host.hive().ok_or("the host has a hive")?;
    let hive = hive.lock().map_err(|_| "hive lock poisoned")?;
    assert_eq!(
        hive.query_value(Root::LocalMachine, &path, "Value")?,
        RegValue::Dword(7)
    );
    let new = format!("Software\\{key}\\New");
    assert!(!hive.key_exists(Root::LocalMachine, &new)?);
    assert!(!hive.key_exists(Root::LocalMachine, &outside)?);
    let existing = full(&key, "Existing");
    for (operation, target) in [
        ("registry.write", full(&key, "New")),
        ("registry.write", existing.clone()),
        ("registry.delete", existing),
    ] {
        let denied = recorded(&standard.records, operation, &target, Decision::Deny)?;
        assert!(denied.rule.starts_with("risk ceiling"), "{denied:?}");
    }
    let other = format!("HKEY_LOCAL_MACHINE\\{outside}");
    let denied = recorded(&high.records, "registry.write", &other, Decision::Deny)?;
    assert_eq!(denied.rule, "default deny");
    Ok(())
}
