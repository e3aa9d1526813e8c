//! What the guest pays while it runs: epoch interruption (the timeouts) on a pure-Python loop,
//! and the round trip of one mediated host call with its audit record.

use std::time::Duration;

use ward::sandbox::Sandbox;

use crate::{Host, Row, engine_options, entry, job, median, ms, run_timed};

/// A pure-Python loop of a few seconds; it returns its own duration, measured in the guest, so
/// that the interpreter's start-up is left out.
const LOOP: &str = "
import time

def run():
    started = time.perf_counter()
    n = 0
    for i in range(30_000_000):
        n += i
    return time.perf_counter() - started
";
const LOOP_SAMPLES: usize = 3;

/// Host calls made in one run.
const CALLS: usize = 20_000;

fn loop_seconds(sandbox: &Sandbox, runtime: &tokio::runtime::Runtime) -> Duration {
    let (value, _) = run_timed(sandbox, runtime, &job(LOOP, entry("run")));
    Duration::from_secs_f64(value.as_f64().expect("the loop returns its duration"))
}

/// The same loop with a timeout armed and in an engine with no timeout mechanism at all (no epoch
/// checks in its code; it compiles that code the first time, then it is cached). Warm
/// interpreters (the goal) need no epoch checks: the agent kills the job's process at its
/// deadline. A fresh instance checks epochs, so that it can stop a computing script in-process.
pub fn timeout_cost(host: &Host) -> Vec<Row> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let bare = Sandbox::load_without_epoch_interruption(&engine_options())
        .expect("the engine without epoch interruption loads")
        .with_host_access(host.access.clone());
    let (mut warm, mut fresh, mut without) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..LOOP_SAMPLES {
        warm.push(loop_seconds(&host.warm, &runtime));
        fresh.push(loop_seconds(&host.sandbox, &runtime));
        without.push(loop_seconds(&bare, &runtime));
    }
    let without = median(&mut without);
    [
        (
            median(&mut warm),
            "warm interpreters, killed at the deadline",
            true,
        ),
        (median(&mut fresh), "fresh instance, epoch checks", false),
    ]
    .into_iter()
    .map(|(with, how, goal)| {
        let ratio = with.as_secs_f64() / without.as_secs_f64();
        Row {
            target: format!("timeout cost, pure-Python loop, {how} (median of {LOOP_SAMPLES})"),
            measured: format!("{} with a timeout", ms(with)),
            baseline: format!("{} without any", ms(without)),
            ratio,
            goal: if goal { "≤ 1.05x" } else { "—" },
            met: goal.then_some(ratio <= 1.05),
        }
    })
    .collect()
}

/// `os.path.exists` on an allowed file, `CALLS` times in one sandbox, timed in the guest; each
/// call is checked against the policy and leaves an audit record. On warm interpreters (the
/// goal) the record travels to the agent, which writes it; a fresh instance writes its own.
pub fn host_calls(host: &Host) -> Vec<Row> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let path = host.data.join("present.txt").display().to_string();
    let code = format!(
        "
import os, time

def run():
    exists = os.path.exists
    started = time.perf_counter()
    for _ in range({CALLS}):
        if not exists({path:?}):
            raise RuntimeError('the file is not seen')
    return {CALLS} / (time.perf_counter() - started)
"
    );
    [
        (&host.warm, "warm interpreters", true),
        (&host.sandbox, "fresh instance", false),
    ]
    .into_iter()
    .map(|(sandbox, path, goal)| {
        let before = audit_lines(host);
        let (value, _) = run_timed(sandbox, &runtime, &job(&code, entry("run")));
        let recorded = audit_lines(host) - before;
        assert!(
            recorded >= CALLS,
            "only {recorded} audit records for {CALLS} calls"
        );
        let rate = value.as_f64().expect("the rate is a number");
        let ratio = rate / 20_000.0;
        Row {
            target: format!("host calls, `os.path.exists` on an allowed path, audited, {path}"),
            measured: format!("{rate:.0} calls/s"),
            baseline: "20000 calls/s (the goal)".into(),
            ratio,
            goal: if goal { "≥ 1x" } else { "—" },
            met: goal.then_some(ratio >= 1.0),
        }
    })
    .collect()
}

fn audit_lines(host: &Host) -> usize {
    std::fs::read_to_string(&host.audit_path).map_or(0, |log| log.lines().count())
}
