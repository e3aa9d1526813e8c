//! How precisely a run's timeout lands: a busy loop and a script blocked in `time.sleep`, each
//! given a 1 s timeout, measured from the start of the run to its result, on both paths (a
//! fresh instance stops at an epoch check; a warm interpreter's process is killed). Reported as
//! the median and worst overshoot past the deadline, against the timeout itself.
//!
//! Run with `cargo bench --bench timeouts` (or `--profile dev` to reuse the test build).

use std::time::{Duration, Instant};

use ward::policy::Risk;
use ward::sandbox::{EngineOptions, Job, Limits, Mode, Sandbox};
use ward::status::Status;

const SAMPLES: usize = 7;
const TIMEOUT: Duration = Duration::from_secs(1);

fn overshoots(sandbox: &Sandbox, runtime: &tokio::runtime::Runtime, code: &str) -> Vec<f64> {
    let limits = Limits {
        timeout: TIMEOUT,
        ..Limits::default()
    };
    (0..SAMPLES)
        .map(|i| {
            let job = Job {
                run_id: format!("bench-timeout-{i}"),
                filename: "bench.py".into(),
                code: code.into(),
                mode: Mode::JustRun,
                risk: Risk::Standard,
            };
            let started = Instant::now();
            let result = runtime
                .block_on(sandbox.run(&job, &limits, std::future::pending()))
                .expect("the run starts");
            assert_eq!(result.status, Status::Timeout, "{code}");
            (started.elapsed().as_secs_f64() - TIMEOUT.as_secs_f64()) * 1000.0
        })
        .collect()
}

fn main() {
    let load = || Sandbox::load(&EngineOptions::default()).expect("the engine loads");
    let warm = load().with_warm_interpreters(env!("CARGO_BIN_EXE_ward").into());
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    println!("\n| script (timeout 1 s) | path | median overshoot | worst overshoot |");
    println!("|---|---|---|---|");
    for (path, sandbox) in [("fresh instance", load()), ("warm interpreters", warm)] {
        report(path, &sandbox, &runtime);
    }
}

fn report(path: &str, sandbox: &Sandbox, runtime: &tokio::runtime::Runtime) {
    // Untimed: the first job starts the warm interpreters, which compile the interpreter for
    // their engine when the cache has no copy yet.
    let first = Job {
        run_id: "bench-timeout-first".into(),
        filename: "bench.py".into(),
        code: "pass".into(),
        mode: Mode::JustRun,
        risk: Risk::Standard,
    };
    let ran = runtime
        .block_on(sandbox.run(&first, &Limits::default(), std::future::pending()))
        .expect("the run starts");
    assert_eq!(ran.status, Status::CompletedSuccessfully, "{ran:?}");
    for (name, code) in [
        ("busy loop `while True: pass`", "while True:\n    pass"),
        (
            "blocked in `time.sleep(3600)`",
            "import time\ntime.sleep(3600)",
        ),
        (
            "loop in `finally` after the timeout",
            "try:\n    while True: pass\nfinally:\n    while True: pass",
        ),
    ] {
        let mut samples = overshoots(sandbox, runtime, code);
        samples.sort_by(f64::total_cmp);
        let median = samples[samples.len() / 2];
        let worst = samples[samples.len() - 1];
        println!("| {name} | {path} | {median:.1} ms | {worst:.1} ms |");
    }
}
