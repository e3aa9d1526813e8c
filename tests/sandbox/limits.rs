//! Each per-run limit: timeout (also inside host calls), memory, output and result size.

use std::time::{Duration, Instant};

use ward::sandbox::{Limits, Mode, Outcome};
use ward::status::Status;

use crate::common::{limits_with_timeout, run_with};

/// Timing checks here are deliberately loose (the machine is shared); the tight figures are
/// measured by the benchmarks.
async fn assert_times_out(code: &str, timeout_s: f64) {
    let started = Instant::now();
    let result = run_with(code, Mode::JustRun, limits_with_timeout(timeout_s)).await;
    let elapsed = started.elapsed();
    assert_eq!(result.status, Status::Timeout, "{result:#?}");
    assert_eq!(result.outcome, Outcome::TimedOut);
    assert!(
        elapsed >= Duration::from_secs_f64(timeout_s),
        "stopped early: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs_f64(timeout_s * 3.0),
        "stopped late: {elapsed:?}"
    );
    assert!(result.error.unwrap().contains("timeout"));
}

#[tokio::test]
async fn a_busy_loop_times_out() {
    assert_times_out("while True:\n    pass", 1.0).await;
}

#[tokio::test]
async fn a_sleep_in_a_host_call_times_out() {
    assert_times_out("import time\ntime.sleep(3600)", 1.0).await;
}

#[tokio::test]
async fn a_loop_in_finally_after_the_timeout_does_not_extend_it() {
    assert_times_out(
        "try:\n    while True: pass\nfinally:\n    while True: pass",
        1.0,
    )
    .await;
}

#[tokio::test]
async fn output_printed_before_a_timeout_is_kept() {
    let code = "import sys, time\nprint('started')\nsys.stdout.flush()\ntime.sleep(60)";
    let result = run_with(code, Mode::JustRun, limits_with_timeout(1.0)).await;
    assert_eq!(result.status, Status::Timeout);
    assert_eq!(result.stdout, "started\n");
}

#[tokio::test]
async fn a_huge_allocation_is_a_memory_error_not_a_crash() {
    for code in ["b'x' * 10**10", "b'x' * 10**9"] {
        let result = run_with(code, Mode::JustRun, Limits::default()).await;
        assert_eq!(result.status, Status::Failed, "{code}: {result:#?}");
        let error = result.error.unwrap();
        assert!(
            error.contains("more memory than its limit of 256 MiB"),
            "{code}: {error}"
        );
    }
}

#[tokio::test]
async fn growing_past_the_memory_cap_fails_and_names_the_limit() {
    let limits = Limits {
        memory_bytes: 64 << 20,
        ..Limits::default()
    };
    let code = "chunks = []\nwhile True:\n    chunks.append(bytearray(1 << 20))";
    let result = run_with(code, Mode::JustRun, limits).await;
    assert_eq!(result.status, Status::Failed, "{result:#?}");
    assert_eq!(result.outcome, Outcome::OutOfMemory);
    assert!(result.error.unwrap().contains("limit of 64 MiB"));
}

#[tokio::test]
async fn stdout_past_its_cap_is_cut_and_marked() {
    let limits = Limits {
        stdout_bytes: 1000,
        ..Limits::default()
    };
    let code = "for _ in range(10000):\n    print('x' * 99)";
    let result = run_with(code, Mode::JustRun, limits).await;
    assert_eq!(result.status, Status::CompletedSuccessfully, "{result:#?}");
    assert_eq!(result.stdout.len(), 1000);
    assert!(result.stdout_truncated);
    assert!(!result.stderr_truncated);
}

#[tokio::test]
async fn stderr_past_its_cap_is_cut_and_marked() {
    let limits = Limits {
        stderr_bytes: 10,
        ..Limits::default()
    };
    let code = "import os\nos.write(2, b'e' * 100000)";
    let result = run_with(code, Mode::JustRun, limits).await;
    assert_eq!(result.stderr, "e".repeat(10));
    assert!(result.stderr_truncated);
}

#[tokio::test]
async fn a_result_over_its_cap_fails_clearly() {
    let limits = Limits {
        result_bytes: 10_000,
        ..Limits::default()
    };
    let code = "def run():\n    return 'y' * 100000";
    let result = run_with(
        code,
        crate::common::entry("run", serde_json::json!({})),
        limits,
    )
    .await;
    assert_eq!(result.status, Status::Failed);
    assert!(result.error.unwrap().contains("over the limit"));
}
