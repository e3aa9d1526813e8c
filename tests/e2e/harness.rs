//! Real processes on loopback: the `ward` binary run with the test cache, and a `ward server` with
//! a test clock and its own data directory, killed when dropped. A failing test prints the logs of
//! the processes it started.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use ward::client::Client;

use crate::common::cache_dir;

/// How long a process may take to become ready before the test gives up.
pub const READY: Duration = Duration::from_secs(30);

pub fn ward() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ward"));
    command
        .env("WARD_CACHE_DIR", cache_dir())
        .env("WARD_LOG", "info,ward=debug")
        .env_remove("WARD_SERVER")
        .env_remove("WARD_API_KEY")
        .env_remove("WARD_POLICY")
        .stdin(Stdio::null());
    command
}

/// Runs `ward ARGS` to its end and returns its standard output; panics with its error output
/// when it fails.
pub fn ward_output(args: &[&str], data_dir: &Path) -> String {
    let output = ward()
        .args(args)
        .env("WARD_DATA_DIR", data_dir)
        .output()
        .expect("the ward binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "`ward {}` failed: {stderr}",
        args.join(" ")
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("a bound address").port()
}

pub fn stop(child: &mut Option<Child>) {
    if let Some(mut child) = child.take() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

pub struct Server {
    child: Option<Child>,
    pub dir: TempDir,
    pub port: u16,
    pub admin_key: String,
    pub secret: String,
}

impl Server {
    /// Creates an administrator and an enrollment secret, then starts the server.
    pub async fn start() -> Self {
        crate::common::sandbox();
        let dir = tempfile::Builder::new()
            .prefix("ward-e2e-server-")
            .tempdir()
            .expect("a temporary directory");
        let data = dir.path().display().to_string();
        let out = ward_output(
            &["server", "add-admin", "e2e-admin", "--data-dir", &data],
            dir.path(),
        );
        let admin_key = out
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_'))
            .find(|w| w.starts_with("ward_"))
            .unwrap_or_else(|| panic!("no API key in `add-admin` output: {out}"))
            .to_string();
        let out = ward_output(
            &["server", "enrollment-secret", "--data-dir", &data],
            dir.path(),
        );
        let secret = out
            .lines()
            .rev()
            .find_map(|l| l.split_whitespace().last())
            .map(|w| w.trim_matches('`').to_string())
            .unwrap_or_else(|| panic!("no secret in `enrollment-secret` output: {out}"));
        let mut server = Self {
            child: None,
            dir,
            port: free_port(),
            admin_key,
            secret,
        };
        server.spawn().await;
        server
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("the server log opens");
        let child = ward()
            .args([
                "server",
                "--listen",
                &format!("127.0.0.1:{}", self.port),
                "--test-clock",
            ])
            .arg("--data-dir")
            .arg(self.dir.path())
            .env("WARD_DATA_DIR", self.dir.path())
            .stdout(log.try_clone().expect("a second handle on the log"))
            .stderr(log)
            .spawn()
            .expect("the server starts");
        self.child = Some(child);

        let client = self.client();
        let started = Instant::now();
        while client.endpoints_list(&Default::default()).await.is_err() {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "the server exited ({status}):\n{}",
                    log_tail(&self.log_path())
                );
            }
            assert!(
                started.elapsed() < READY,
                "the server never answered:\n{}",
                log_tail(&self.log_path())
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// A client with the administrator's key.
    pub fn client(&self) -> Client {
        Client::new(&self.url())
            .expect("a valid URL")
            .with_api_key(&self.admin_key)
    }

    /// Kills the server outright (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        stop(&mut self.child);
    }

    /// Starts the server again on the same port and data directory.
    pub async fn restart(&mut self) {
        self.spawn().await;
    }

    /// Moves the server's clock forward and runs its sweeps (expiry, retention).
    pub async fn advance_clock(&self, secs: i64) {
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/test/clock", self.url()))
            .bearer_auth(&self.admin_key)
            .json(&serde_json::json!({ "advance_secs": secs }))
            .send()
            .await
            .expect("the test clock answers");
        assert!(
            response.status().is_success(),
            "advancing the clock failed: {}",
            response.status()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        stop(&mut self.child);
        if std::thread::panicking() {
            eprintln!("--- server log ---\n{}", log_tail(&self.log_path()));
        }
    }
}
