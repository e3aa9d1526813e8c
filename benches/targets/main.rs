//! The performance targets of the sandbox engine, each measured in one run against its baseline
//! and printed as one markdown table: job latency, throughput, memory of sleeping sandboxes, the
//! cost of timeouts, and mediated host calls. Each target is measured on the path the agent runs
//! jobs on (warm interpreters); latency, throughput, timeouts and host calls are also shown for
//! the plain path (a fresh instance per run), whose rows carry no goal.
//!
//! Run with `cargo bench --bench targets` (or `--profile dev` to reuse the test build: the
//! dependencies, wasmtime included, are optimised there too, only ward's own code is not).
//! `WARD_BENCH_SECONDS` sets how long throughput is sustained (default 10 s);
//! `WARD_BENCH_SANDBOXES` lists the concurrent sandbox counts of the memory target (default
//! `100,1000`); `WARD_BENCH_ONLY` runs only the targets it names, comma-separated, among
//! `latency`, `throughput`, `memory`, `timeout` and `host_calls`.

mod compute;
mod memory;
mod startup;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use tempfile::TempDir;
use ward::audit::AuditLog;
use ward::capability::HostAccess;
use ward::policy::{Policy, Protected, Risk};
use ward::sandbox::{EngineOptions, Job, Limits, Mode, RunResult, Sandbox};
use ward::status::Status;

/// One line of the table.
pub struct Row {
    pub target: String,
    pub measured: String,
    pub baseline: String,
    /// Measured against baseline, in the direction the goal is written.
    pub ratio: f64,
    pub goal: &'static str,
    /// `None` for a row shown for comparison, with no goal of its own.
    pub met: Option<bool>,
}

/// The real interpreter behind `python3`: version managers put a shell script in front of it,
/// which would be measured too.
pub fn native_python() -> String {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 is installed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The median of `samples`, which must not be empty.
pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// The host every target runs on: a private state directory with an audit log and a data
/// directory the policy lets scripts read, and a sandbox with that access, as the agent has.
pub struct Host {
    _state: TempDir,
    /// Scripts may read and list below it; it holds `present.txt`.
    pub data: PathBuf,
    pub audit_path: PathBuf,
    pub access: HostAccess,
    /// A fresh instance per run: `ward run`, and agents with `--fresh-instances`.
    pub sandbox: Arc<Sandbox>,
    /// Warm interpreters forked per job: what the agent runs jobs in.
    pub warm: Arc<Sandbox>,
}

/// The compiled-code cache the tests fill, so that no target compiles the interpreter.
pub fn engine_options() -> EngineOptions {
    EngineOptions {
        interpreter: None,
        cache_dir: Some(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ward-cache")),
    }
}

impl Host {
    fn new() -> Self {
        let state = tempfile::Builder::new()
            .prefix("ward-bench-")
            .tempdir()
            .expect("a temporary directory");
        let base = std::fs::canonicalize(state.path()).expect("the directory resolves");
        let data = base.join("data");
        std::fs::create_dir(&data).expect("the data directory is created");
        std::fs::write(data.join("present.txt"), "here").expect("the data file is written");
        let audit_path = base.join("audit.jsonl");
        let policy = format!(
            "[[allow]]\nrisk = [\"standard\", \"high_risk\"]\noperations = [\"file.read\", \
             \"file.list\"]\npaths = ['{}/**']\n",
            data.display()
        );
        let protected = Protected::for_current_process()
            .expect("this process is known")
            .with_path(audit_path.clone(), "audit log");
        let policy = Policy::parse(&policy, "bench.toml", protected).expect("the policy parses");
        let access = HostAccess {
            policy: Arc::new(policy),
            audit: Some(AuditLog::open(&audit_path).expect("the audit log opens")),
            registry: None,
        };
        let load = || {
            Sandbox::load(&engine_options())
                .expect("the engine loads; run `python3 python-wasm/fetch.py` first")
                .with_host_access(access.clone())
        };
        let warm = load().with_warm_interpreters(PathBuf::from(env!("CARGO_BIN_EXE_ward")));
        Host {
            _state: state,
            data,
            audit_path,
            sandbox: Arc::new(load()),
            warm: Arc::new(warm),
            access,
        }
    }
}

pub fn job(code: &str, mode: Mode) -> Job {
    Job {
        run_id: format!("bench-{}", uuid::Uuid::new_v4()),
        filename: "bench.py".into(),
        code: code.into(),
        mode,
        risk: Risk::Standard,
    }
}

/// Calls `name()` of `code` and returns what it returned.
pub fn entry(name: &str) -> Mode {
    Mode::EntryPoint {
        name: name.into(),
        params: Map::new(),
    }
}

/// Runs `job` to its end on `runtime` and returns its result and wall time; a run that does not
/// complete successfully stops the benchmark, since its figures would mean nothing.
pub fn run_timed(
    sandbox: &Sandbox,
    runtime: &tokio::runtime::Runtime,
    job: &Job,
) -> (Value, Duration) {
    let started = Instant::now();
    let result: RunResult = runtime
        .block_on(sandbox.run(job, &Limits::default(), std::future::pending()))
        .expect("the run starts");
    let elapsed = started.elapsed();
    assert_eq!(
        result.status,
        Status::CompletedSuccessfully,
        "{:?} {}",
        result.error,
        result.stderr
    );
    (result.return_value, elapsed)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let host = Host::new();
    let seconds = env_or("WARD_BENCH_SECONDS", 10u64);
    let counts: Vec<usize> = std::env::var("WARD_BENCH_SANDBOXES")
        .unwrap_or_else(|_| "100,1000".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let only = std::env::var("WARD_BENCH_ONLY").unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|n| n.trim() == name);

    let mut rows = Vec::new();
    if wanted("latency") {
        rows.extend(startup::latency(&host));
    }
    if wanted("throughput") {
        rows.extend(startup::throughput(
            &host,
            cores,
            Duration::from_secs(seconds),
        ));
    }
    if wanted("memory") {
        for n in counts {
            match memory::sleeping(&host, n) {
                Some(row) => rows.push(row),
                None => break,
            }
        }
    }
    if wanted("timeout") {
        rows.extend(compute::timeout_cost(&host));
    }
    if wanted("host_calls") {
        rows.extend(compute::host_calls(&host));
    }

    let profile = if cfg!(debug_assertions) {
        "dev profile: dependencies (wasmtime, cranelift) optimised, ward itself not"
    } else {
        "optimised build"
    };
    println!("\n{cores} cores, {profile}; throughput sustained for {seconds} s.\n");
    println!("| target | measured | baseline | ratio | goal | met |");
    println!("|---|---|---|---|---|---|");
    for row in rows {
        let met = match row.met {
            Some(true) => "yes",
            Some(false) => "no",
            None => "—",
        };
        println!(
            "| {} | {} | {} | {:.2}x | {} | {met} |",
            row.target, row.measured, row.baseline, row.ratio, row.goal
        );
    }
}
