//! Real `ward agent` processes for the end-to-end tests, each with its own data directory and
//! policy, killed when dropped.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::harness::{READY, Server, log_tail, stop, ward, ward_output};

/// A policy for test agents: read and list what is below `dir`, see processes.
pub fn policy_reading(dir: &Path) -> String {
    format!(
        "[[allow]]\nrisk = [\"standard\", \"high_risk\"]\noperations = [\"file.read\", \
         \"file.list\"]\npaths = [\"{}/**\"]\n\n[[allow]]\nrisk = [\"standard\", \"high_risk\"]\n\
         operations = [\"process.list\"]\nprocesses = [\"*\"]\n",
        dir.display()
    )
}

pub struct Agent {
    child: Option<Child>,
    pub dir: TempDir,
    pub name: String,
    server: String,
    secret: String,
}

impl Agent {
    /// Starts an agent named `name` that enrolls with `server` and runs under `policy`.
    pub fn start(server: &Server, name: &str, policy: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("ward-e2e-agent-")
            .tempdir()
            .expect("a temporary directory");
        std::fs::write(dir.path().join("policy.toml"), policy).expect("the policy is written");
        let mut agent = Self {
            child: None,
            dir,
            name: name.to_string(),
            server: server.url(),
            secret: server.secret.clone(),
        };
        agent.spawn();
        agent
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("the agent log opens");
        let child = ward()
            .args(["agent", "--server", &self.server, "--enroll", &self.secret])
            .args(["--name", &self.name, "--tag", "e2e", "--concurrency", "4"])
            .arg("--data-dir")
            .arg(self.dir.path())
            .env("WARD_DATA_DIR", self.dir.path())
            .stdout(log.try_clone().expect("a second handle on the log"))
            .stderr(log)
            .spawn()
            .expect("the agent starts");
        self.child = Some(child);
    }

    fn log_path(&self) -> PathBuf {
        // Outside the data directory's protected files, beside them.
        self.dir.path().join("agent.log")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Waits until the agent has enrolled and polled, and returns its endpoint id.
    pub async fn connected(&mut self, server: &Server) -> String {
        let started = Instant::now();
        let client = server.client();
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "agent {} exited ({status}):\n{}",
                    self.name,
                    log_tail(&self.log_path())
                );
            }
            if let Some(id) = self.endpoint_id()
                && self.log().contains("waiting for jobs")
                && let Ok(list) = client.endpoints_list(&Default::default()).await
                && list.iter().any(|e| e.endpoint_id == id)
            {
                return id;
            }
            assert!(
                started.elapsed() < READY,
                "agent {} never connected:\n{}",
                self.name,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn endpoint_id(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.dir.path().join("agent.json")).ok()?;
        let value: serde_json::Value = serde_json::from_str(&text).ok()?;
        value["endpoint_id"].as_str().map(str::to_string)
    }

    /// Waits until the agent holds `count` jobs in its journal: received, not finished. (The
    /// server shows a job In Progress as soon as a poll hands it over, a moment before.)
    pub async fn holds_jobs(&self, count: usize) {
        let journal = self.dir.path().join("jobs");
        let started = Instant::now();
        loop {
            let held = std::fs::read_dir(&journal)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                        .count()
                })
                .unwrap_or(0);
            if held >= count {
                return;
            }
            assert!(
                started.elapsed() < READY,
                "agent {} never held {count} jobs:\n{}",
                self.name,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The running agent's process and every process below it (its warm interpreters and the
    /// jobs forked from them).
    pub fn process_tree(&self) -> Vec<u32> {
        let Some(child) = &self.child else {
            return Vec::new();
        };
        let mut tree = vec![child.id()];
        let mut next = 0;
        while next < tree.len() {
            tree.extend(crate::common::children_of(tree[next]));
            next += 1;
        }
        tree
    }

    /// The agent's audit log as it stands.
    pub fn audit_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("audit.jsonl")).unwrap_or_default()
    }

    /// Kills the agent outright (SIGKILL), as a crash or a power cut would.
    pub fn kill(&mut self) {
        stop(&mut self.child);
    }

    /// Starts the agent again with the same data directory (it is enrolled already).
    pub fn restart(&mut self) {
        self.spawn();
    }

    /// `ward agent disable-scripts` on this agent's data directory.
    pub fn disable_scripts(&self, reason: &str) -> String {
        let dir = self.dir.path().display().to_string();
        ward_output(
            &[
                "agent",
                "disable-scripts",
                "--data-dir",
                &dir,
                "--reason",
                reason,
            ],
            self.dir.path(),
        )
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        stop(&mut self.child);
        if std::thread::panicking() {
            eprintln!(
                "--- agent {} log ---\n{}",
                self.name,
                log_tail(&self.log_path())
            );
        }
    }
}
