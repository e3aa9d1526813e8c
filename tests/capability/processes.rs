//! Processes through the guest's `psutil`: listing what the policy shows, killing the test's own
//! uniquely named children where a rule allows it, and never a protected process.

use std::time::Duration;

use serde_json::json;
use ward::audit::Decision;
use ward::policy::{Operation, Request, Risk, Target};

use super::host::{Host, TestResult, recorded};
use super::spawned::{Spawned, killed_by};

/// Lets every script list the processes named in `list`, and scripts of `kill_risks` kill the
/// processes named in `kill`.
fn process_policy(list: &[&str], kill_risks: &str, kill: &[&str]) -> String {
    let quoted = |names: &[&str]| {
        let names: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
        names.join(", ")
    };
    format!(
        r#"
[[allow]]
risk = ["standard", "high_risk"]
operations = ["process.list"]
processes = [{list}]

[[allow]]
risk = [{kill_risks}]
operations = ["process.kill"]
processes = [{kill}]
"#,
        list = quoted(list),
        kill = quoted(kill),
    )
}

#[tokio::test]
async fn process_iter_shows_only_the_processes_the_policy_allows() -> TestResult {
    let child = Spawned::sleeper()?;
    let host = Host::new(&process_policy(
        &[child.name()],
        "\"high_risk\"",
        &[child.name()],
    ))?;
    let code = r#"
import psutil

def run(pid, hidden):
    return {
        "listed": [[p.pid, p.name()] for p in psutil.process_iter()],
        "cmdline": psutil.Process(pid).cmdline()[1:],
        "hidden": attempt(psutil.Process, hidden),
    }
"#;
    let params = json!({ "pid": child.pid(), "hidden": std::process::id() });
    let done = host.returned(Risk::Standard, code, params).await?;

    assert_eq!(
        done.value,
        json!({
            "listed": [[child.pid(), child.name()]],
            "cmdline": ["300"],
            "hidden": "AccessDenied",
        })
    );
    let listing = recorded(
        &done.records,
        "process.list",
        "all processes",
        Decision::Allow,
    )?;
    assert!(
        listing
            .outcome
            .as_deref()
            .is_some_and(|o| o.starts_with("1 shown, ")),
        "{listing:?}"
    );
    let own = format!("pid {} (", std::process::id());
    let hidden = recorded(&done.records, "process.list", &own, Decision::Deny)?;
    assert_eq!(hidden.rule, "default deny");
    Ok(())
}

#[tokio::test]
async fn high_risk_kills_its_own_child_and_only_what_the_rule_names() -> TestResult {
    let mut child = Spawned::sleeper()?;
    let mut bystander = Spawned::sleeper()?;
    let policy = process_policy(
        &[child.name(), bystander.name()],
        "\"high_risk\"",
        &[child.name()],
    );
    let host = Host::new(&policy)?;
    let code = r#"
import psutil

def run(pid, bystander):
    psutil.Process(pid).kill()
    return {"bystander": attempt(lambda: psutil.Process(bystander).kill())}
"#;
    let params = json!({ "pid": child.pid(), "bystander": bystander.pid() });
    let done = host.returned(Risk::HighRisk, code, params).await?;

    let ended = child.ended_within(Duration::from_secs(5))?;
    assert_eq!(ended.and_then(killed_by), Some(9), "the child was killed");
    assert!(bystander.ended_within(Duration::ZERO)?.is_none());
    assert_eq!(done.at("bystander"), "AccessDenied");
    let target = format!("pid {} ({})", child.pid(), child.name());
    let killed = recorded(&done.records, "process.kill", &target, Decision::Allow)?;
    assert_eq!(killed.outcome.as_deref(), Some("started"));
    let spared = format!("pid {} ({})", bystander.pid(), bystander.name());
    let refused = recorded(&done.records, "process.kill", &spared, Decision::Deny)?;
    assert_eq!(refused.rule, "default deny");
    Ok(())
}

#[tokio::test]
async fn waiting_for_a_killed_child_with_a_long_name_is_not_denied() -> TestResult {
    let child = Spawned::sleeper()?;
    let names = [child.name()];
    let host = Host::new(&process_policy(&names, "\"high_risk\"", &names))?;
    let code = r#"
import psutil

def run(pid):
    process = psutil.Process(pid)
    process.kill()
    return [attempt(process.wait, 10), attempt(process.is_running)]
"#;
    let done = host
        .returned(Risk::HighRisk, code, json!({ "pid": child.pid() }))
        .await?;

    let denials: Vec<_> = done
        .records
        .iter()
        .filter(|r| r.decision == Decision::Deny)
        .map(|r| format!("{} {} {}", r.operation, r.target, r.rule))
        .collect();
    assert_eq!(done.value, json!(["ok", "ok"]), "{denials:#?}");
    Ok(())
}

#[tokio::test]
async fn standard_risk_cannot_kill_even_where_a_rule_allows_it() -> TestResult {
    let mut child = Spawned::sleeper()?;
    let names = [child.name()];
    let host = Host::new(&process_policy(
        &names,
        "\"standard\", \"high_risk\"",
        &names,
    ))?;
    let code = r#"
import psutil

def run(pid):
    process = psutil.Process(pid)
    return [attempt(process.kill), attempt(process.terminate), process.is_running()]
"#;
    let done = host
        .returned(Risk::Standard, code, json!({ "pid": child.pid() }))
        .await?;

    assert_eq!(done.value, json!(["AccessDenied", "AccessDenied", true]));
    assert!(child.ended_within(Duration::from_millis(100))?.is_none());
    let target = format!("pid {} ({})", child.pid(), child.name());
    let denied = recorded(&done.records, "process.kill", &target, Decision::Deny)?;
    assert!(denied.rule.starts_with("risk ceiling"), "{denied:?}");
    Ok(())
}

#[tokio::test]
async fn protected_processes_cannot_be_killed_whatever_the_rule_says() -> TestResult {
    let host = Host::new(&process_policy(&["*"], "\"high_risk\"", &["*"]))?;
    let own = std::process::id();
    let protected = [1, own, std::os::unix::process::parent_id()];

    // Nothing is sent if the policy would let a kill through: this test must never signal them.
    for pid in protected {
        let decision = host.policy().decide(&Request {
            risk: Risk::HighRisk,
            operation: Operation::ProcessKill,
            target: Target::Process {
                pid,
                name: "any".into(),
            },
        });
        assert!(!decision.allowed, "pid {pid} would be killed: {decision:?}");
    }
    let code = r#"
import psutil

def run(pids):
    return [attempt(lambda: psutil.Process(pid).kill()) for pid in pids]
"#;
    let done = host
        .returned(Risk::HighRisk, code, json!({ "pids": protected }))
        .await?;

    assert_eq!(
        done.value,
        json!(["AccessDenied", "AccessDenied", "AccessDenied"])
    );
    for (pid, label) in [(1, "protected: PID 1"), (own, "protected: ward itself")] {
        let target = format!("pid {pid} (");
        let denied = recorded(&done.records, "process.kill", &target, Decision::Deny)?;
        assert!(denied.rule.starts_with(label), "{denied:?}");
    }
    Ok(())
}
