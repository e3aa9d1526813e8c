//! Many sandboxes at once, each blocked in `time.sleep`: the resident memory they add, in total
//! and per sandbox. Warm interpreters run each job in a process of its own, forked from one that
//! holds the started interpreter, so the memory is that of this process and all its
//! descendants, counted as proportional set size: a page shared by many processes counts once
//! in all (resident set sizes would count the interpreter's shared image once per process).

use std::time::{Duration, Instant};

use ward::sandbox::{Limits, Mode};

use crate::{Host, Row, job};

/// The whole budget of the goal: 1,000 sandboxes within 4 GiB.
const BUDGET_PER_SANDBOX: f64 = 4.0 * (1u64 << 30) as f64 / 1000.0;
/// How long the sandboxes may take to all reach their sleep.
const SETTLE_LIMIT: Duration = Duration::from_secs(150);

/// Starts `n` sandboxes, waits until every one has checked a marker file (an audited host call)
/// and gone to sleep, reads the resident memory, then aborts them all. Returns `None` without
/// starting when the machine does not have the memory the previous figure predicts.
pub fn sleeping(host: &Host, n: usize) -> Option<Row> {
    if !fits(n) {
        eprintln!("skipping {n} sandboxes: not enough free memory for them");
        return None;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let marker = host.data.join(format!("ready-{n}"));
    let code = format!(
        "import os, time\nos.path.exists({:?})\ntime.sleep(3600)\n",
        marker.display().to_string()
    );
    let before = tree_resident()?;
    let (abort, aborted) = tokio::sync::watch::channel(false);
    let limits = Limits {
        timeout: Duration::from_secs(3600),
        ..Limits::default()
    };
    let runs: Vec<_> = (0..n)
        .map(|_| {
            let sandbox = host.warm.clone();
            let job = job(&code, Mode::JustRun);
            let mut aborted = aborted.clone();
            runtime.spawn(async move {
                let abort = async move {
                    let _ = aborted.wait_for(|a| *a).await;
                };
                sandbox.run(&job, &limits, abort).await
            })
        })
        .collect();

    let started = Instant::now();
    let marker_text = marker.display().to_string();
    let mut ready = 0;
    while started.elapsed() < SETTLE_LIMIT {
        std::thread::sleep(Duration::from_millis(250));
        ready = std::fs::read_to_string(&host.audit_path)
            .map(|log| log.lines().filter(|l| l.contains(&marker_text)).count())
            .unwrap_or(0);
        if ready >= n {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    let during = tree_resident()?;
    let settle = started.elapsed();
    let _ = abort.send(true);
    for run in runs {
        let _ = runtime.block_on(run);
    }
    assert!(
        ready >= n,
        "only {ready} of {n} sandboxes reached their sleep"
    );

    let added = during.pss.saturating_sub(before.pss) as f64;
    let per = added / n as f64;
    let processes = during.processes.saturating_sub(before.processes);
    let ratio = per / BUDGET_PER_SANDBOX;
    Some(Row {
        target: format!(
            "memory, {n} warm sandboxes in `time.sleep` ({processes} processes, all started in \
             {:.1} s)",
            settle.as_secs_f64()
        ),
        measured: format!(
            "{:.0} MiB total, {:.2} MiB each (PSS)",
            added / f64::from(1 << 20),
            per / f64::from(1 << 20),
        ),
        baseline: format!(
            "{:.1} MiB each (4 GiB / 1000)",
            BUDGET_PER_SANDBOX / f64::from(1 << 20)
        ),
        ratio,
        goal: "≤ 1x",
        met: Some(ratio <= 1.0),
    })
}

/// The resident memory of this process and every process below it.
struct Resident {
    pss: u64,
    processes: usize,
}

fn tree_resident() -> Option<Resident> {
    let me = std::process::id();
    let mut parents = std::collections::HashMap::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.insert(pid, ppid);
        }
    }
    let below = |mut pid: u32| {
        while pid > 1 {
            if pid == me {
                return true;
            }
            pid = parents.get(&pid).copied().unwrap_or(0);
        }
        false
    };
    let mut total = Resident {
        pss: 0,
        processes: 0,
    };
    for pid in parents.keys().copied().filter(|pid| below(*pid)) {
        let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
            continue;
        };
        let kib = rollup
            .lines()
            .find(|l| l.starts_with("Pss:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        total.pss += kib * 1024;
        total.processes += 1;
    }
    Some(total)
}

/// Whether `n` sandboxes at 16 MiB each (three times what 100 take) fit in available memory.
fn fits(n: usize) -> bool {
    let Ok(meminfo) = std::fs::read_to_string("/proc/meminfo") else {
        return true;
    };
    let available_kib = meminfo
        .lines()
        .find(|l| l.starts_with("MemAvailable:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok());
    available_kib.is_none_or(|kib| kib * 1024 > n as u64 * (16 << 20))
}
