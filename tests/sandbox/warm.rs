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

/// A host whose policy allows `policy`, with an audit log in `dir`; the log is returned too, so
/// that a test can flush the records the agent buffers and read them.
fn audited(dir: &std::path::Path, policy: &str) -> (HostAccess, AuditLog) {
    let log = AuditLog::open(dir.join("audit.jsonl")).unwrap();
    let protected = Protected::for_current_process().unwrap();
    let host = HostAccess {
        policy: Arc::new(Policy::parse(policy, "warm.toml", protected).unwrap()),
        audit: Some(log.clone()),
        registry: None,
    };
    (host, log)
}

/// Waits until the agent has recorded the start of run `run_id`: its child has taken the job,
/// and is let go into the script.
async fn wait_for_start(log: &AuditLog, run_id: &str) {
    let started = Instant::now();
    loop {
        log.flush().unwrap();
        let text = std::fs::read_to_string(log.path()).unwrap_or_default();
        if text
            .lines()
            .any(|line| line.contains(run_id) && line.contains("\"run.start\""))
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "run {run_id} did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Starts `job` (a script that sleeps), returning once its run has started, with the handle of
/// its result and the sender that aborts it.
async fn start_sleeping(
    sandbox: &Arc<Sandbox>,
    log: &AuditLog,
    job: Job,
) -> (
    tokio::task::JoinHandle<Result<RunResult, ward::sandbox::SandboxError>>,
    tokio::sync::oneshot::Sender<()>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run_id = job.run_id.clone();
    let sandbox = sandbox.clone();
    let sleeper = tokio::spawn(async move {
        let abort = async move {
            let _ = stopped.await;
        };
        sandbox.run(&job, &Limits::default(), abort).await
    });
    wait_for_start(log, &run_id).await;
    (sleeper, stop)
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
    let (host, log) = audited(dir.path(), KILL_ANYTHING);
    let sandbox = warm_sandbox(host);
    let parent = warm_process(&sandbox, Risk::HighRisk).await;
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

    let (sleeper, stop) = start_sleeping(
        &sandbox,
        &log,
        high_risk("import time\ntime.sleep(60)", Mode::JustRun),
    )
    .await;

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
        outcomes.len() >= 4
            && outcomes.contains_key(&parent.to_string())
            && outcomes.contains_key(&other.to_string()),
        "both processes of warm interpreters, the sleeping job and the killer itself: \
         {outcomes:?}"
    );
    assert!(
        outcomes.values().all(|o| o == "denied"),
        "every kill refused: {outcomes:?}"
    );

    let _ = stop.send(());
    let slept = sleeper.await.unwrap().unwrap();
    assert_eq!(slept.status, Status::Aborted, "{slept:#?}");
    log.flush().unwrap();
    let text = std::fs::read_to_string(log.path()).unwrap();
    assert!(text.contains("a process of ward's agent"), "{text}");
    assert!(text.contains("the job's own process"), "{text}");
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
    let dir = tempfile::tempdir().unwrap();
    let (host, log) = audited(dir.path(), "");
    let sandbox = warm_sandbox(host);
    let parent = warm_process(&sandbox, Risk::Standard).await;
    let sleeping = job(
        "import time\nprint('started', flush=True)\ntime.sleep(60)",
        Mode::JustRun,
    );
    let running = {
        let sandbox = sandbox.clone();
        let job = sleeping.clone();
        tokio::spawn(async move { finish(&sandbox, &job).await })
    };
    // Whichever child holds the job now, it goes: every child of the process is killed, again
    // and again, until the job ends.
    wait_for_start(&log, &sleeping.run_id).await;
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

/// While a job runs and no other waits, the process of warm interpreters forks nothing: a fork
/// of that large process would compete for the processor with the job. Once the job has ended,
/// a child is forked to wait for the next one.
#[tokio::test]
async fn the_next_child_is_forked_when_a_job_waits_or_the_last_one_ended() {
    let dir = tempfile::tempdir().unwrap();
    let (host, log) = audited(dir.path(), "");
    let sandbox = warm_sandbox(host);
    let parent = warm_process(&sandbox, Risk::Standard).await;
    let (sleeper, stop) = start_sleeping(
        &sandbox,
        &log,
        job("import time\ntime.sleep(60)", Mode::JustRun),
    )
    .await;

    // The child of the first job may take a moment to go; the sleeper's stays alone.
    let alone = async {
        loop {
            let children = children_of(parent);
            if children.len() == 1 {
                return children[0];
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let sleeper_pid = tokio::time::timeout(Duration::from_secs(20), alone)
        .await
        .expect("no child waits beside a running job");

    // Another job is taken at once, by a child forked for it.
    let other = finish(&sandbox, &job("print('beside')", Mode::JustRun)).await;
    assert_eq!(other.status, Status::CompletedSuccessfully, "{other:#?}");
    assert_eq!(other.stdout, "beside\n");

    let _ = stop.send(());
    let slept = sleeper.await.unwrap().unwrap();
    assert_eq!(slept.status, Status::Aborted, "{slept:#?}");
    let waiting = async {
        loop {
            let children = children_of(parent);
            if !children.is_empty() && !children.contains(&sleeper_pid) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), waiting)
        .await
        .expect("a child waits for the next job once the last one has ended");
}
