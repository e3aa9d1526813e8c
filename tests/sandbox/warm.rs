//! Warm interpreters (Linux), whatever `WARD_TEST_SANDBOX` says: a job cannot stop the processes
//! of other jobs or the one it was forked from, and a process stopped from outside costs one job
//! at most, with a clear status.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use ward::audit::AuditLog;
use ward::capability::HostAccess;
use ward::policy::{Policy, Protected, Risk};
use ward::sandbox::{EngineOptions, Job, Limits, Mode, RunResult, Sandbox};
use ward::status::Status;

use crate::common::{cache_dir, children_of, entry, job, running, sandbox};

/// Lets high-risk scripts list and kill any process: only ward's own protections stand.
const KILL_ANYTHING: &str = "[[allow]]\nrisk = [\"high_risk\"]\n\
                             operations = [\"process.list\", \"process.kill\"]\nprocesses = [\"*\"]\n";

fn warm_sandbox(host: HostAccess) -> Arc<Sandbox> {
    sandbox();
    let options = EngineOptions {
        interpreter: None,
        cache_dir: Some(cache_dir()),
    };
    let sandbox = Sandbox::load(&options)
        .expect("the engine loads from the compiled-code cache")
        .with_host_access(host)
        .with_warm_interpreters(env!("CARGO_BIN_EXE_ward").into());
    Arc::new(sandbox)
}

fn high_risk(code: &str, mode: Mode) -> Job {
    Job {
        risk: Risk::HighRisk,
        ..job(code, mode)
    }
}

async fn finish(sandbox: &Sandbox, job: &Job) -> RunResult {
    sandbox
        .run(job, &Limits::default(), std::future::pending())
        .await
        .expect("the host side of the run works")
}

/// Waits until `parent` has a child that is not in `before`: forked once a waiting child took a
/// job. Returns every child `parent` has then.
async fn wait_for_new_child(parent: u32, before: &[u32]) -> Vec<u32> {
    let started = Instant::now();
    loop {
        let children = children_of(parent);
        if children.iter().any(|c| !before.contains(c)) {
            return children;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no job started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends SIGKILL to `pid`, which may have ended meanwhile.
fn kill(pid: u32) -> bool {
    std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The one process of warm interpreters of `sandbox`, after a first job has started it.
async fn warm_process(sandbox: &Sandbox, risk: Risk) -> u32 {
    let first = finish(
        sandbox,
        &Job {
            risk,
            ..job("pass", Mode::JustRun)
        },
    )
    .await;
    assert_eq!(first.status, Status::CompletedSuccessfully, "{first:#?}");
    let pids = sandbox.warm_interpreter_pids().await;
    assert_eq!(pids.len(), 1, "one process per risk level used");
    pids[0]
}

#[tokio::test]
async fn a_warm_job_cannot_kill_other_jobs_or_the_process_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let protected = Protected::for_current_process().unwrap();
    let host = HostAccess {
        policy: Arc::new(Policy::parse(KILL_ANYTHING, "warm.toml", protected).unwrap()),
        audit: Some(AuditLog::open(&audit).unwrap()),
        registry: None,
    };
    let sandbox = warm_sandbox(host);
    let parent = warm_process(&sandbox, Risk::HighRisk).await;
    let before = children_of(parent);
    // The warm interpreters of standard jobs, another child of the agent.
    let standard = finish(&sandbox, &job("pass", Mode::JustRun)).await;
    assert_eq!(
        standard.status,
        Status::CompletedSuccessfully,
        "{standard:#?}"
    );
    let other = *sandbox
        .warm_interpreter_pids()
        .await
        .iter()
        .find(|pid| **pid != parent)
        .expect("a second process of warm interpreters");

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let sleeper = {
        let sandbox = sandbox.clone();
        let job = high_risk("import time\ntime.sleep(60)", Mode::JustRun);
        tokio::spawn(async move {
            let abort = async move {
                let _ = stopped.await;
            };
            sandbox.run(&job, &Limits::default(), abort).await
        })
    };
    wait_for_new_child(parent, &before).await;

    let code = "
import psutil

def parent_of(process):
    try:
        return process.ppid()
    except psutil.NoSuchProcess:
        return None

def run(parents):
    outcomes = {}
    below = [p.pid for p in psutil.process_iter() if parent_of(p) in parents]
    for pid in parents + below:
        try:
            psutil.Process(pid).kill()
            outcomes[str(pid)] = 'killed'
        except psutil.AccessDenied:
            outcomes[str(pid)] = 'denied'
        except psutil.NoSuchProcess:
            pass
        except Exception as e:
            outcomes[str(pid)] = type(e).__name__
    return outcomes
";
    let attempt = finish(
        &sandbox,
        &high_risk(code, entry("run", json!({ "parents": [parent, other] }))),
    )
    .await;
    assert_eq!(
        attempt.status,
        Status::CompletedSuccessfully,
        "{attempt:#?}"
    );
    let outcomes = attempt.return_value.as_object().unwrap();
    assert!(
        outcomes.len() >= 6,
        "both processes of warm interpreters, the sleeping job, the killer itself and the two \
         waiting children: {outcomes:?}"
    );
    assert!(
        outcomes.values().all(|o| o == "denied"),
        "every kill refused: {outcomes:?}"
    );

    let _ = stop.send(());
    let slept = sleeper.await.unwrap().unwrap();
    assert_eq!(slept.status, Status::Aborted, "{slept:#?}");
    let log = std::fs::read_to_string(&audit).unwrap();
    assert!(log.contains("a process of ward's agent"), "{log}");
    assert!(log.contains("the job's own process"), "{log}");
}

#[tokio::test]
async fn every_warm_job_draws_its_own_random_bytes() {
    let sandbox = warm_sandbox(HostAccess::none());
    let code = "import os, random, secrets, uuid\n\
                print(os.urandom(8).hex(), uuid.uuid4(), secrets.token_hex(8), random.random())";
    let mut seen = std::collections::HashSet::new();
    for _ in 0..4 {
        let drawn = finish(&sandbox, &job(code, Mode::JustRun)).await;
        assert_eq!(drawn.status, Status::CompletedSuccessfully, "{drawn:#?}");
        for value in drawn.stdout.split_whitespace() {
            assert!(seen.insert(value.to_string()), "{value} drawn twice");
        }
    }
}

#[tokio::test]
async fn a_killed_process_of_warm_interpreters_is_started_again() {
    let sandbox = warm_sandbox(HostAccess::none());
    let parent = warm_process(&sandbox, Risk::Standard).await;
    assert!(kill(parent));
    while running(parent) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for _ in 0..3 {
        let next = finish(&sandbox, &job("print('after')", Mode::JustRun)).await;
        assert_eq!(next.status, Status::CompletedSuccessfully, "{next:#?}");
        assert_eq!(next.stdout, "after\n");
    }
    let now = sandbox.warm_interpreter_pids().await;
    assert!(!now.contains(&parent), "a new process took over: {now:?}");
}

#[tokio::test]
async fn a_job_whose_process_is_killed_from_outside_fails_and_says_so() {
    let sandbox = warm_sandbox(HostAccess::none());
    let parent = warm_process(&sandbox, Risk::Standard).await;
    let before = children_of(parent);
    let running = {
        let sandbox = sandbox.clone();
        let job = job(
            "import time\nprint('started', flush=True)\ntime.sleep(60)",
            Mode::JustRun,
        );
        tokio::spawn(async move { finish(&sandbox, &job).await })
    };
    // Whichever child holds the job now, it goes: every child of the process is killed, again
    // and again, until the job ends.
    wait_for_new_child(parent, &before).await;
    let started = Instant::now();
    while !running.is_finished() && started.elapsed() < Duration::from_secs(20) {
        for child in children_of(parent) {
            kill(child);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let killed = running.await.unwrap();
    assert_eq!(killed.status, Status::Failed, "{killed:#?}");
    let error = killed.error.unwrap_or_default();
    assert!(error.contains("process stopped"), "{error}");

    let next = finish(&sandbox, &job("print('next')", Mode::JustRun)).await;
    assert_eq!(next.status, Status::CompletedSuccessfully, "{next:#?}");
}
