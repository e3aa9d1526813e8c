//! A trivial job from end to end: its latency in the engine, and how many such jobs the engine
//! sustains per core, each against `python3 -I -S` started as a fresh process for the same script.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ward::sandbox::Mode;

use crate::{Host, Row, job, median, ms, native_python, run_timed};

/// Prints, so that output capture is part of the measure.
const SCRIPT: &str = "print(sum(range(100)))\n";
const LATENCY_SAMPLES: usize = 100;

fn script_file() -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new()
        .prefix("ward-bench-")
        .suffix(".py")
        .tempfile()
        .expect("a temporary script");
    std::fs::write(file.path(), SCRIPT).expect("the script is written");
    file
}

fn run_native(python: &str, script: &std::path::Path) {
    let out = Command::new(python)
        .args(["-I", "-S"])
        .arg(script)
        .output()
        .expect("python3 starts");
    assert!(
        out.status.success(),
        "python3 failed on the benchmark script"
    );
}

/// From the job reaching the engine to its result ready, audit records included: warm
/// interpreters (the goal), then a fresh instance per job. The samples of the three are taken
/// in turn, so that a busy moment of a shared machine weighs on each of them alike.
pub fn latency(host: &Host) -> Vec<Row> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let python = native_python();
    let script = script_file();
    let paths = [
        (&host.warm, "warm interpreters", true),
        (&host.sandbox, "fresh instance per job", false),
    ];
    for (sandbox, _, _) in paths {
        for _ in 0..2 {
            run_timed(sandbox, &runtime, &job(SCRIPT, Mode::JustRun));
        }
    }
    let mut native = Vec::with_capacity(LATENCY_SAMPLES);
    let mut ward = [Vec::new(), Vec::new()];
    for _ in 0..LATENCY_SAMPLES {
        let started = Instant::now();
        run_native(&python, script.path());
        native.push(started.elapsed());
        for (samples, (sandbox, _, _)) in ward.iter_mut().zip(paths) {
            samples.push(run_timed(sandbox, &runtime, &job(SCRIPT, Mode::JustRun)).1);
        }
    }
    let native = median(&mut native);
    ward.iter_mut()
        .zip(paths)
        .map(|(samples, (_, path, goal))| {
            let ward = median(samples);
            let ratio = ward.as_secs_f64() / native.as_secs_f64();
            Row {
                target: format!(
                    "job latency, trivial script, {path} (median of {LATENCY_SAMPLES})"
                ),
                measured: ms(ward),
                baseline: format!("{} `python3 -I -S`", ms(native)),
                ratio,
                goal: if goal { "≤ 0.2x" } else { "—" },
                met: goal.then_some(ratio <= 0.2),
            }
        })
        .collect()
}

/// Trivial jobs per second per core, two workers per core at once for `duration`, on both
/// paths; the baseline spawns as many `python3` processes at once.
pub fn throughput(host: &Host, cores: usize, duration: Duration) -> Vec<Row> {
    let native = native_rate(cores, duration);
    [
        (&host.warm, "warm interpreters", true),
        (&host.sandbox, "fresh instance per job", false),
    ]
    .into_iter()
    .map(|(sandbox, path, goal)| {
        let ward = rate(sandbox, cores, duration);
        let ratio = ward / native;
        Row {
            target: format!("throughput, trivial jobs with output and audit, {path}"),
            measured: format!("{ward:.1} jobs/s/core"),
            baseline: format!("{native:.1} `python3 -I -S`/s/core"),
            ratio,
            goal: if goal { "≥ 5x" } else { "—" },
            met: goal.then_some(ratio >= 5.0),
        }
    })
    .collect()
}

fn rate(sandbox: &Arc<ward::sandbox::Sandbox>, cores: usize, duration: Duration) -> f64 {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
        .expect("a runtime");
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..cores * 2)
        .map(|_| {
            let sandbox = sandbox.clone();
            let done = done.clone();
            runtime.spawn(async move {
                while started.elapsed() < duration {
                    let job = job(SCRIPT, Mode::JustRun);
                    let limits = ward::sandbox::Limits::default();
                    let result = sandbox.run(&job, &limits, std::future::pending()).await;
                    assert!(
                        result.is_ok_and(|r| r.stdout == "4950\n"),
                        "a throughput run failed"
                    );
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for worker in workers {
        runtime.block_on(worker).expect("a worker finishes");
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64() / cores as f64
}

fn native_rate(cores: usize, duration: Duration) -> f64 {
    let python = native_python();
    let script = script_file();
    let started = Instant::now();
    let spawned: u64 = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..cores * 2)
            .map(|_| {
                scope.spawn(|| {
                    let mut n = 0u64;
                    while started.elapsed() < duration {
                        run_native(&python, script.path());
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        threads.into_iter().filter_map(|t| t.join().ok()).sum()
    });
    spawned as f64 / started.elapsed().as_secs_f64() / cores as f64
}
