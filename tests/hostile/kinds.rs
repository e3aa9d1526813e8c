//! One test per kind of hostile attempt. Each runs every script of its kind in a host of its
//! own, checks what the header expects and what every run must show, then has the same sandbox
//! serve a trivial job; it reports every failing script at once.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use ward::audit::{RUN_END, RUN_START, Record};

use super::attempt::{Attempt, load_kind};
use super::world::{World, limits, returned_text};

fn scripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/hostile/scripts")
}

/// Runs every script of `kind`; fails listing each script that did not hold, and prints the
/// known gaps that still do not.
async fn every_attempt_of(kind: &str) {
    let attempts = match load_kind(&scripts_dir(), kind) {
        Ok(attempts) => attempts,
        Err(e) => panic!("the {kind} scripts cannot be read: {e}"),
    };
    assert!(!attempts.is_empty(), "no script of kind {kind}");
    let mut failures = Vec::new();
    for attempt in &attempts {
        let problems = match check(attempt).await {
            Ok(problems) => problems,
            Err(e) => vec![e],
        };
        match (&attempt.known_gap, problems.is_empty()) {
            (_, true) => {}
            (Some(gap), false) => println!("known gap in {}: {gap}: {problems:#?}", attempt.name),
            (None, false) => {
                failures.push(format!("{}:\n  {}", attempt.name, problems.join("\n  ")))
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// What went wrong with `attempt`, empty when it held.
async fn check(attempt: &Attempt) -> Result<Vec<String>, String> {
    let world = World::new()?;
    for plant in &attempt.plants {
        world.plant(plant)?;
    }
    let _release = world.release_pipes_later(&attempt.plants);
    let code = world.fill(&attempt.code);
    let ((job, result), swapped) = match &attempt.swap {
        Some((path, target)) => {
            let (ran, swapped) = tokio::join!(
                world.run(&attempt.name, &code),
                world.swap_when_ready(path, target)
            );
            (ran?, swapped)
        }
        None => (world.run(&attempt.name, &code).await?, Ok(())),
    };
    let mut problems = Vec::new();
    if let Err(e) = swapped {
        problems.push(e);
    }
    if Some(result.status) != attempt.status {
        problems.push(format!(
            "status {} (error: {:?})",
            result.status, result.error
        ));
    }
    let bound = limits().timeout + Duration::from_millis(1500);
    if Duration::from_millis(result.duration_ms) > bound {
        problems.push(format!(
            "the run took {} ms, past its timeout",
            result.duration_ms
        ));
    }
    if result.run_id != job.run_id {
        problems.push(format!("the result claims run {}", result.run_id));
    }
    let records = world.records()?;
    problems.extend(check_records(attempt, &world, &job.run_id, &records));
    let returned = returned_text(&result);
    let error = result.error.clone().unwrap_or_default();
    for want in attempt.returns.iter().map(|w| world.fill(w)) {
        if !returns(&result.return_value, &returned, &want) {
            problems.push(format!(
                "the returned value lacks {want}: {}",
                clip(&returned)
            ));
        }
    }
    for (what, wanted, text) in [
        ("stdout", &attempt.stdout, &result.stdout),
        ("stderr", &attempt.stderr, &result.stderr),
        ("error", &attempt.errors, &error),
    ] {
        for want in wanted.iter().map(|w| world.fill(w)) {
            if !text.contains(&want) {
                problems.push(format!("{what} lacks {want:?}: {}", clip(text)));
            }
        }
    }
    for stream in &attempt.truncated {
        let cut = if stream == "stdout" {
            result.stdout_truncated
        } else {
            result.stderr_truncated
        };
        if !cut {
            problems.push(format!("{stream} was not truncated"));
        }
    }
    problems.extend(world.leaks_and_changes(&result));
    if let Err(e) = world.serves_next_job().await {
        problems.push(e);
    }
    Ok(problems)
}

/// The audit log holds only this run's records, from its start to its end, with every record
/// the header asks for and none it forbids.
fn check_records(
    attempt: &Attempt,
    world: &World,
    run_id: &str,
    records: &[Record],
) -> Vec<String> {
    let mut problems = Vec::new();
    let summary = || {
        let lines: Vec<String> = records
            .iter()
            .map(|r| format!("{} {} {:?} [{}]", r.operation, r.target, r.decision, r.rule))
            .collect();
        clip(&lines.join("\n"))
    };
    if let Some(other) = records.iter().find(|r| r.run_id != run_id) {
        problems.push(format!("a record of another run: {other:?}"));
    }
    let first = records.first().map(|r| r.operation.as_str());
    let last = records.last().map(|r| r.operation.as_str());
    if first != Some(RUN_START) || last != Some(RUN_END) {
        problems.push(format!(
            "the run is not framed by its start and end:\n{}",
            summary()
        ));
    }
    for line in &attempt.audits {
        let target = world.fill(&line.target);
        let found = records.iter().any(|r| {
            r.decision == line.decision
                && r.operation == line.operation
                && r.target.contains(&target)
                && line
                    .rule
                    .as_ref()
                    .is_none_or(|rule| r.rule.contains(rule.as_str()))
        });
        if !found {
            problems.push(format!(
                "no record {line:?} (target {target}); recorded:\n{}",
                summary()
            ));
        }
    }
    for operation in &attempt.no_audits {
        if records.iter().any(|r| &r.operation == operation) {
            problems.push(format!("{operation} was recorded:\n{}", summary()));
        }
    }
    problems
}

/// Whether the returned `value` (shown as `text`) has what a `returns:` line wants: every
/// member of a JSON object, or else the line as a substring.
fn returns(value: &Value, text: &str, want: &str) -> bool {
    match serde_json::from_str::<Value>(want) {
        Ok(Value::Object(members)) => members.iter().all(|(key, v)| value.get(key) == Some(v)),
        _ => text.contains(want),
    }
}

fn clip(text: &str) -> String {
    let cut: String = text.chars().take(3000).collect();
    if cut.len() < text.len() {
        format!("{cut}...")
    } else {
        cut
    }
}

#[tokio::test]
async fn escapes_from_the_file_sandbox_fail_safely() {
    every_attempt_of("escape").await;
}

#[tokio::test]
async fn protected_targets_stay_out_of_reach() {
    every_attempt_of("protected").await;
}

#[tokio::test]
async fn ways_out_of_wasi_are_closed() {
    every_attempt_of("wasi").await;
}

#[tokio::test]
async fn resource_exhaustion_is_bounded() {
    every_attempt_of("exhaust").await;
}

#[tokio::test]
async fn blocking_scripts_are_stopped_at_their_timeout() {
    every_attempt_of("block").await;
}

#[tokio::test]
async fn lies_to_the_host_are_not_believed() {
    every_attempt_of("lie").await;
}
