//! Real processes on loopback: the `ward` binary run with the test cache, and a `ward server` with
//! a test clock and its own data directory, killed when dropped. A failing test prints the logs of
//! the processes it started.
//!
//! A server can also keep its data on a disk of its own (a [`Disk`]), mounted in a private mount
//! namespace (`unshare`) that lives and dies with the server process, so that a test can fill it
//! or break it without touching any other file system.

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
    test_env(Command::new(env!("CARGO_BIN_EXE_ward")))
}

/// `command` with the environment every `ward` process of the tests runs in.
fn test_env(mut command: Command) -> Command {
    command
        .env("WARD_CACHE_DIR", cache_dir())
        .env("WARD_LOG", "info,ward=debug")
        .env_remove("WARD_SERVER")
        .env_remove("WARD_API_KEY")
        .env_remove("WARD_POLICY")
        .stdin(Stdio::null());
    command
}

/// A file system of its own for a server's data directory.
#[derive(Clone, Debug)]
pub enum Disk {
    /// A tmpfs of this many bytes, in a private user and mount namespace: its content goes with
    /// the server process.
    Tmpfs(u64),
    /// This ext4 image, loop-mounted with `errors=remount-ro` in a private mount namespace (which
    /// needs root): its content stays across restarts.
    Ext4(PathBuf),
}

/// Mounts with the options `$1` on `$2`, copies the database prepared in `$3` there (and onto the
/// disk) unless it is there already, and runs the rest of the arguments in its place, so that the
/// mount ends with that process.
const ON_OWN_DISK: &str = concat!(
    "set -e; mount $1 \"$2\"; if [ ! -e \"$2\"/ward.db ]; then ",
    "cp -p \"$3\"/ward.db* \"$2\"/; sync -f \"$2\"/ward.db; fi; shift 3; exec \"$@\""
);

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
    /// Where the data directory lives when not in `dir` itself.
    disk: Option<Disk>,
}

impl Server {
    /// Creates an administrator and an enrollment secret, then starts the server.
    pub async fn start() -> Self {
        Self::start_with(None).await
    }

    /// [`Self::start`] with the data directory on `disk`, which the test reaches through
    /// [`Self::data_dir`].
    pub async fn start_on(disk: Disk) -> Self {
        Self::start_with(Some(disk)).await
    }

    async fn start_with(disk: Option<Disk>) -> Self {
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
            disk,
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
        let mut command = match &self.disk {
            None => ward(),
            Some(disk) => {
                let (namespaces, options) = match disk {
                    Disk::Tmpfs(bytes) => (
                        ["--user", "--map-root-user", "--mount"],
                        format!("-t tmpfs -o size={bytes} ward-e2e"),
                    ),
                    Disk::Ext4(image) => (
                        ["--mount", "--propagation", "private"],
                        format!("-o loop,errors=remount-ro {}", image.display()),
                    ),
                };
                let mount = self.private_dir();
                std::fs::create_dir_all(&mount).expect("the mount point is created");
                let mut command = test_env(Command::new("unshare"));
                command
                    .args(namespaces)
                    .args(["sh", "-c", ON_OWN_DISK, "sh", &options])
                    .args([&mount, self.dir.path()])
                    .arg(env!("CARGO_BIN_EXE_ward"));
                command
            }
        };
        let data = self.private_dir();
        let child = command
            .args([
                "server",
                "--listen",
                &format!("127.0.0.1:{}", self.port),
                "--test-clock",
            ])
            .arg("--data-dir")
            .arg(&data)
            .env("WARD_DATA_DIR", &data)
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

    /// The data directory as the server sees it.
    fn private_dir(&self) -> PathBuf {
        match &self.disk {
            None => self.dir.path().to_owned(),
            Some(_) => self.dir.path().join("disk"),
        }
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The data directory as the test sees it: on a disk of its own, through the server's view of
    /// the file system (`/proc/PID/root`), since the mount is private to it.
    pub fn data_dir(&self) -> PathBuf {
        let private = self.private_dir();
        match (&self.disk, self.pid()) {
            (Some(_), Some(pid)) => Path::new("/proc")
                .join(pid.to_string())
                .join("root")
                .join(private.strip_prefix("/").unwrap_or(&private)),
            _ => private,
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

    /// Starts the server again on the same port and data directory (not on a tmpfs, whose
    /// content went with the process).
    pub async fn restart(&mut self) {
        assert!(
            !matches!(self.disk, Some(Disk::Tmpfs(_))),
            "a server on a tmpfs cannot restart"
        );
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
