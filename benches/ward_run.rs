//! One-shot start-up: `ward run` of a trivial script against `python3 -I -S` running the same
//! script as a fresh process, both measured by criterion in the same run, reported as a ratio.
//!
//! Run with `cargo bench --bench ward_run`. The compiled-code cache is warmed first, so the
//! figure is the steady state an administrator sees from the second run on.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use criterion::Criterion;

const SCRIPT: &str = "x = sum(range(100))\n";

fn script_file() -> PathBuf {
    let path = std::env::temp_dir().join(format!("ward-bench-{}.py", std::process::id()));
    std::fs::write(&path, SCRIPT).expect("the benchmark script can be written");
    path
}

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .output()
        .expect("the command starts")
        .status;
    assert!(status.success(), "`{program} {args:?}` failed");
}

/// Median of one benchmark from criterion's saved estimates, in nanoseconds.
fn median_ns(name: &str) -> Option<f64> {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("../criterion")
        .join("one_shot")
        .join(name)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value["median"]["point_estimate"].as_f64()
}

/// The real interpreter behind `python3`: version managers put a shell script in front of it,
/// which would be measured too.
fn native_python() -> String {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 is installed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn main() {
    let python = native_python();
    let script = script_file();
    let script_arg = script.to_str().expect("a UTF-8 temporary path");
    let ward = env!("CARGO_BIN_EXE_ward");
    run(ward, &["run", script_arg]);

    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(30)
        .measurement_time(Duration::from_secs(10));
    let mut group = criterion.benchmark_group("one_shot");
    group.bench_function("python3_isolated", |b| {
        b.iter(|| run(&python, &["-I", "-S", script_arg]))
    });
    group.bench_function("ward_run", |b| b.iter(|| run(ward, &["run", script_arg])));
    group.finish();
    criterion.final_summary();
    let _ = std::fs::remove_file(&script);

    if let (Some(native), Some(sandboxed)) = (median_ns("python3_isolated"), median_ns("ward_run"))
    {
        println!("\n| what | median |");
        println!("|---|---|");
        println!("| `python3 -I -S script.py` | {:.1} ms |", native / 1e6);
        println!(
            "| `ward run script.py` (cache warm) | {:.1} ms |",
            sandboxed / 1e6
        );
        println!("| ratio ward / python3 | {:.2}x |", sandboxed / native);
    }
}
