//! Shared fixtures: one engine for the whole test binary, so the guest is compiled once per run.

pub mod server;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Map, Value};
use ward::capability::HostAccess;
use ward::policy::Risk;
use ward::sandbox::{EngineOptions, Job, Limits, Mode, RunResult, Sandbox};

/// Compiled-code cache shared by every test of one `cargo test` run (and by the next run).
pub fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ward-cache")
}

pub fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let options = EngineOptions {
            interpreter: None,
            cache_dir: Some(cache_dir()),
        };
        let sandbox = Sandbox::load(&options)
            .expect("the engine loads; run `python3 python-wasm/fetch.py` first");
        on_test_path(sandbox)
    })
}

/// The engine tests run on both paths: fresh instances by default, warm interpreters when
/// `WARD_TEST_SANDBOX=warm` (the README's test command runs them both ways).
fn on_test_path(sandbox: Sandbox) -> Sandbox {
    if std::env::var("WARD_TEST_SANDBOX").is_ok_and(|path| path == "warm") {
        sandbox.with_warm_interpreters(PathBuf::from(env!("CARGO_BIN_EXE_ward")))
    } else {
        sandbox
    }
}

pub fn job(code: &str, mode: Mode) -> Job {
    Job {
        run_id: format!("test-{}", uuid::Uuid::new_v4()),
        filename: "script.py".into(),
        code: code.into(),
        mode,
        risk: Risk::Standard,
    }
}

pub fn entry(name: &str, params: Value) -> Mode {
    let params: Map<String, Value> = params.as_object().cloned().unwrap_or_default();
    Mode::EntryPoint {
        name: name.into(),
        params,
    }
}

pub async fn run_with(code: &str, mode: Mode, limits: Limits) -> RunResult {
    sandbox()
        .run(&job(code, mode), &limits, std::future::pending())
        .await
        .expect("the host side of the run works")
}

pub async fn run(code: &str) -> RunResult {
    run_with(code, Mode::JustRun, Limits::default()).await
}

pub fn limits_with_timeout(seconds: f64) -> Limits {
    Limits {
        timeout: Duration::from_secs_f64(seconds),
        ..Limits::default()
    }
}

/// A sandbox of its own that reaches the host as `host` allows. The engine is loaded from the
/// shared compiled-code cache (filled first through [`sandbox`] if this run has not done so yet),
/// which takes milliseconds.
pub fn sandbox_with(host: HostAccess) -> Sandbox {
    sandbox();
    let options = EngineOptions {
        interpreter: None,
        cache_dir: Some(cache_dir()),
    };
    on_test_path(
        Sandbox::load(&options)
            .expect("the engine loads from the compiled-code cache")
            .with_host_access(host),
    )
}

/// The pids whose parent is `parent`, read from `/proc`.
pub fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let (_, rest) = stat.rsplit_once(')')?;
                    rest.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(parent)
        })
        .collect()
}

/// Whether process `pid` still runs: it exists and is not a zombie waiting to be reaped.
pub fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}
