//! Fan-out: one action sent to many endpoints at once, through a real `ward server` process.
//!
//! The endpoints are simulated: each enrolls over HTTP like a real agent, long-polls, and answers
//! its job with a trivial result at once, without a sandbox, so that what is measured is the
//! server: the time from creating the action to having every result, how long each job took to
//! reach its endpoint, and the server's CPU time per result (from `/proc/<pid>/stat`).
//!
//! Run with `cargo bench --bench fanout`; `WARD_BENCH_ENDPOINTS` sets the number of endpoints
//! (default 1,000).

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Semaphore;
use ward::api::actions::{CreateAction, Targets};
use ward::api::agent::{Enroll, ResultReport};
use ward::client::Client;
use ward::sandbox::{Outcome, RunResult};
use ward::status::Status;

/// Requests in flight at once while enrolling.
const ENROLL_CONCURRENCY: usize = 64;

struct Server {
    child: Child,
    url: String,
    admin_key: String,
    secret: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ward_output(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(args)
        .output()
        .expect("the ward binary runs");
    assert!(
        output.status.success(),
        "`ward {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn start_server() -> Server {
    let dir = tempfile::Builder::new()
        .prefix("ward-bench-")
        .tempdir()
        .expect("a temporary directory");
    let data = dir.path().display().to_string();
    let out = ward_output(&["server", "add-admin", "bench", "--data-dir", &data]);
    let admin_key = out
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_'))
        .find(|w| w.starts_with("ward_"))
        .expect("an API key in the output of `add-admin`")
        .to_string();
    let out = ward_output(&["server", "enrollment-secret", "--data-dir", &data]);
    let secret = out
        .lines()
        .rev()
        .find_map(|l| l.split_whitespace().last())
        .map(|w| w.trim_matches('`').to_string())
        .expect("a secret in the output of `enrollment-secret`");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args([
            "server",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            &data,
        ])
        .env("WARD_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("the server starts");
    Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        admin_key,
        secret,
        _dir: dir,
    }
}

/// CPU time (user + system) the process `pid` has used so far.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line; the first field after the name is 3.
    let field = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let ticks = field(14) + field(15);
    Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64)
}

fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

fn trivial_result() -> RunResult {
    RunResult {
        run_id: uuid::Uuid::new_v4().to_string(),
        status: Status::CompletedSuccessfully,
        outcome: Outcome::Exited { code: 0 },
        error: None,
        return_value: Value::Bool(true),
        exception: None,
        exit_code: Some(0),
        stdout: "ok\n".into(),
        stdout_truncated: false,
        stderr: String::new(),
        stderr_truncated: false,
        files_to_get: Vec::new(),
        duration_ms: 1,
    }
}

/// Lets many simulated agents keep a connection open each.
fn raise_open_file_limit() {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    let raised = rustix::process::Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    let _ = rustix::process::setrlimit(rustix::process::Resource::Nofile, raised);
}

/// One simulated endpoint: polls until it gets a job, answers it, and returns how long after
/// `created` the job arrived.
async fn endpoint(client: Client, created: Arc<tokio::sync::OnceCell<Instant>>) -> Duration {
    loop {
        let poll = match client.poll(Duration::from_secs(30), false).await {
            Ok(poll) => poll,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(job) = poll.jobs.into_iter().next() else {
            continue;
        };
        let arrived = created.get().map_or(Duration::ZERO, Instant::elapsed);
        let report = ResultReport {
            result: trivial_result(),
            failed_files: Vec::new(),
        };
        while client.report_result(&job.job_id, &report).await.is_err() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        return arrived;
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

fn main() {
    let count: usize = std::env::var("WARD_BENCH_ENDPOINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    raise_open_file_limit();
    let server = start_server();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let admin = Client::new(&server.url)
            .expect("a valid URL")
            .with_api_key(&server.admin_key);
        while admin.endpoints_list(&Default::default()).await.is_err() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let anonymous = Client::new(&server.url).expect("a valid URL");

        // Enroll every endpoint as an agent would.
        let enroll_started = Instant::now();
        let cpu_before_enroll = cpu_time(server.child.id());
        let gate = Arc::new(Semaphore::new(ENROLL_CONCURRENCY));
        let mut enrolling = Vec::new();
        for n in 0..count {
            let (client, gate, secret) = (anonymous.clone(), gate.clone(), server.secret.clone());
            enrolling.push(tokio::spawn(async move {
                let _slot = gate.acquire().await.expect("the gate stays open");
                let request = Enroll {
                    secret,
                    name: format!("bench-{n:05}"),
                    platform: "Linux".into(),
                    ip: format!("10.{}.{}.{}", n >> 16 & 255, n >> 8 & 255, n & 255),
                    tags: vec!["bench".into()],
                };
                client.enroll(&request).await.expect("enrollment succeeds")
            }));
        }
        let mut tokens = Vec::new();
        for task in enrolling {
            tokens.push(task.await.expect("an enrollment task").token);
        }
        let enroll_time = enroll_started.elapsed();
        let enroll_cpu = cpu_time(server.child.id()) - cpu_before_enroll;

        // Every endpoint long-polls; then one action targets them all.
        let created_at = Arc::new(tokio::sync::OnceCell::new());
        let agents: Vec<_> = tokens
            .iter()
            .map(|t| {
                tokio::spawn(endpoint(
                    anonymous.clone().with_agent_token(t),
                    created_at.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_secs(2)).await;

        let cpu_before = cpu_time(server.child.id());
        let started = Instant::now();
        let _ = created_at.set(started);
        let request = CreateAction {
            script_uid: None,
            snippet: Some("print('ok')".into()),
            parameters: Default::default(),
            timeout: Some(60),
            targets: Targets {
                endpoint_ids: Vec::new(),
                filter: Some(ward::api::actions::EndpointFilter {
                    tag: Some("bench".into()),
                    ..Default::default()
                }),
            },
        };
        let created = admin
            .actions_create(&request)
            .await
            .expect("the action is created");
        let create_time = started.elapsed();
        let mut arrivals = Vec::new();
        for agent in agents {
            arrivals.push(agent.await.expect("a simulated endpoint"));
        }
        let all_results = started.elapsed();
        let cpu = cpu_time(server.child.id()) - cpu_before;
        let status = admin
            .actions_status(created.action_id)
            .await
            .expect("the action's status");
        let completed = status
            .counts
            .get("Completed Successfully")
            .copied()
            .unwrap_or(0);
        arrivals.sort();

        println!();
        println!("fan-out of one action to {count} simulated endpoints (server: separate process)");
        println!("| measure                              | value        |");
        println!("|--------------------------------------|--------------|");
        println!(
            "| enroll {count} endpoints (64 at a time) | {:>9.0} ms |",
            enroll_time.as_secs_f64() * 1e3
        );
        println!(
            "| server CPU per enrollment            | {:>9.3} ms |",
            enroll_cpu.as_secs_f64() * 1e3 / count as f64
        );
        println!(
            "| create the action ({} targets)     | {:>9.1} ms |",
            created.endpoints_count,
            create_time.as_secs_f64() * 1e3
        );
        println!(
            "| job reaches its endpoint, median     | {:>9.1} ms |",
            percentile(&arrivals, 0.5).as_secs_f64() * 1e3
        );
        println!(
            "| job reaches its endpoint, p99        | {:>9.1} ms |",
            percentile(&arrivals, 0.99).as_secs_f64() * 1e3
        );
        println!(
            "| action created → every result in     | {:>9.0} ms |",
            all_results.as_secs_f64() * 1e3
        );
        println!(
            "| server CPU for the action            | {:>9.0} ms |",
            cpu.as_secs_f64() * 1e3
        );
        println!(
            "| server CPU per result                | {:>9.3} ms |",
            cpu.as_secs_f64() * 1e3 / count as f64
        );
        println!("| endpoints Completed Successfully     | {completed:>12} |");
        assert_eq!(completed, count, "every endpoint's result is stored");
    });
}
