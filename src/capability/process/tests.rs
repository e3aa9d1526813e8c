//! Tests against real processes. Each test signals and inspects only children
//! it started itself, and its guard kills and reaps them whatever happens.

use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

use super::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A child process that is killed and reaped when the guard goes away.
struct Spawned(Child);

impl Spawned {
    fn new(program: &str, args: &[&str]) -> std::io::Result<Self> {
        Command::new(program).args(args).spawn().map(Spawned)
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Reaps the child, after which its pid no longer names it.
    fn wait(&mut self) -> std::io::Result<ExitStatus> {
        self.0.wait()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        // Once reaped, std no longer signals the pid, so this cannot reach a
        // process that reused it.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sleeper() -> std::io::Result<Spawned> {
    Spawned::new("sleep", &["300"])
}

fn spinner() -> std::io::Result<Spawned> {
    Spawned::new("sh", &["-c", "while :; do :; done"])
}

#[tokio::test]
async fn list_shows_a_child_with_its_name_parent_and_arguments() -> TestResult {
    let child = sleeper()?;
    let mut table = ProcessTable::new();

    let processes = table.list(None).await;

    let info = processes
        .iter()
        .find(|info| info.pid == child.pid())
        .ok_or("the child is missing from the list")?;
    assert_eq!(info.name, "sleep");
    assert_eq!(info.ppid, Some(std::process::id()));
    assert_eq!(info.cmdline, ["sleep", "300"]);
    assert_eq!(info.cpu_percent, 0.0);
    assert!(info.memory_rss > 0 && info.memory_vms >= info.memory_rss);
    assert!(info.username.is_some());
    assert!(processes.windows(2).all(|pair| pair[0].pid < pair[1].pid));
    Ok(())
}

#[tokio::test]
async fn get_describes_one_child() -> TestResult {
    let child = sleeper()?;
    let mut table = ProcessTable::new();

    let info = table.get(child.pid(), None).await?;

    assert_eq!(info.pid, child.pid());
    assert_eq!(info.name, "sleep");
    assert!(info.exe.is_some_and(|exe| exe.ends_with("sleep")));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs_f64();
    assert!((now - info.create_time).abs() < 60.0);
    Ok(())
}

#[tokio::test]
async fn get_of_a_pid_no_process_can_have_is_no_such_process() {
    let mut table = ProcessTable::new();

    let outcome = table.get(i32::MAX as u32, None).await;

    assert!(matches!(outcome, Err(ProcessError::NoSuchProcess { .. })));
    assert_eq!(outcome.err().map(|e| e.kind()), Some("NoSuchProcess"));
}

#[tokio::test]
async fn a_spinning_child_shows_cpu_over_an_interval() -> TestResult {
    let child = spinner()?;
    let mut table = ProcessTable::new();

    let info = table
        .get(child.pid(), Some(Duration::from_millis(500)))
        .await?;

    assert!(info.cpu_percent > 20.0, "cpu_percent {}", info.cpu_percent);
    assert!(info.cpu_time > 0.0);
    Ok(())
}

#[tokio::test]
async fn without_an_interval_cpu_is_measured_since_the_previous_look() -> TestResult {
    let child = spinner()?;
    let mut table = ProcessTable::new();

    let first = table.list(None).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second = table.get(child.pid(), None).await?;

    let first = first
        .iter()
        .find(|info| info.pid == child.pid())
        .ok_or("the child is missing from the list")?;
    assert_eq!(first.cpu_percent, 0.0);
    assert!(
        second.cpu_percent > 20.0,
        "cpu_percent {}",
        second.cpu_percent
    );
    Ok(())
}

#[tokio::test]
async fn a_running_interval_ends_when_its_future_is_dropped() {
    let mut table = ProcessTable::new();

    let outcome = tokio::time::timeout(
        Duration::from_millis(100),
        table.list(Some(Duration::from_secs(5))),
    )
    .await;

    assert!(outcome.is_err());
}

#[tokio::test]
async fn terminate_ends_a_child_and_a_dead_pid_is_no_such_process() -> TestResult {
    use std::os::unix::process::ExitStatusExt;

    let mut child = sleeper()?;
    let pid = child.pid();
    let mut table = ProcessTable::new();

    table.signal(pid, KillSignal::Terminate)?;
    let status = child.wait()?;

    assert_eq!(
        status.signal(),
        Some(rustix::process::Signal::TERM.as_raw())
    );
    assert!(matches!(
        table.get(pid, None).await,
        Err(ProcessError::NoSuchProcess { .. })
    ));
    assert!(matches!(
        table.signal(pid, KillSignal::Kill),
        Err(ProcessError::NoSuchProcess { .. })
    ));
    Ok(())
}

#[tokio::test]
async fn kill_leaves_a_zombie_until_the_parent_reaps_it() -> TestResult {
    use std::os::unix::process::ExitStatusExt;

    let mut child = sleeper()?;
    let pid = child.pid();
    let mut table = ProcessTable::new();

    table.signal(pid, KillSignal::Kill)?;
    let mut status = String::new();
    for _ in 0..50 {
        status = table.get(pid, None).await?.status;
        if status == "zombie" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    assert_eq!(status, "zombie");
    assert_eq!(
        child.wait()?.signal(),
        Some(rustix::process::Signal::KILL.as_raw())
    );
    Ok(())
}

#[test]
fn signal_to_a_pid_no_process_can_have_is_no_such_process() {
    let mut table = ProcessTable::new();

    let outcome = table.signal(i32::MAX as u32, KillSignal::Terminate);

    assert!(matches!(outcome, Err(ProcessError::NoSuchProcess { .. })));
}

#[test]
fn cpu_intervals_are_checked_and_zero_means_none() {
    assert_eq!(parse_cpu_interval(None).ok(), Some(None));
    assert_eq!(parse_cpu_interval(Some(0.0)).ok(), Some(None));
    assert_eq!(
        parse_cpu_interval(Some(0.25)).ok(),
        Some(Some(Duration::from_millis(250)))
    );
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        let outcome = parse_cpu_interval(Some(bad));
        assert_eq!(outcome.err().map(|e| e.kind()), Some("InvalidRequest"));
    }
}

#[test]
fn a_reused_pid_is_not_compared_with_the_process_before_it() {
    let at = std::time::Instant::now();
    let earlier = CpuSample {
        start_time: 100,
        cpu_millis: 0,
        at,
    };
    let later = CpuSample {
        start_time: 100,
        cpu_millis: 500,
        at: at + Duration::from_secs(1),
    };
    let reused = CpuSample {
        start_time: 101,
        ..later
    };

    assert_eq!(later.percent_since(&earlier, 4), 50.0);
    assert_eq!(reused.percent_since(&earlier, 4), 0.0);
}

#[test]
fn cpu_percent_never_exceeds_every_core_busy() {
    let at = std::time::Instant::now();
    let earlier = CpuSample {
        start_time: 100,
        cpu_millis: 0,
        at,
    };
    let one_tick_later = CpuSample {
        cpu_millis: 10,
        at: at + Duration::from_millis(1),
        ..earlier
    };

    assert_eq!(one_tick_later.percent_since(&earlier, 2), 200.0);
}

#[test]
fn the_table_and_its_futures_can_move_between_threads() {
    fn sendable<T: Send>(_: &T) {}

    let mut table = ProcessTable::new();
    sendable(&table.list(None));
    sendable(&table);
}
