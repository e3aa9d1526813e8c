//! The host a hostile script runs against, built afresh for each script, and the checks every
//! run must pass whatever its header says.
//!
//! Layout below a private temporary directory `{BASE}`: `root/` is the one directory the policy
//! opens to scripts (every file operation); `outside/secret.txt` lies outside every rule;
//! `state/` holds the audit log, the policy file and `data/`, standing for ward's data
//! directory. The policy allows every file operation on `state/**` too, so that only their
//! protection keeps scripts out, and lets high-risk scripts kill any process, so that only
//! protection spares PID 1, this process and its parents (checked before any script runs).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};
use tempfile::TempDir;
use ward::audit::{AuditLog, Record, Verdict, verify};
use ward::capability::HostAccess;
use ward::policy::{Operation, Policy, Protected, Request, Risk, Target};
use ward::sandbox::{Job, Limits, Mode, RunResult, Sandbox};

use crate::common::sandbox_with;

const POLICY: &str = r#"
[[allow]]
risk = ["standard", "high_risk"]
operations = ["file.*"]
paths = ['{BASE}/root', '{BASE}/root/**', '{BASE}/state/**']

[[allow]]
risk = ["standard", "high_risk"]
operations = ["process.list"]
processes = ["*"]

[[allow]]
risk = ["high_risk"]
operations = ["process.kill"]
processes = ["*"]
"#;

/// What every hostile run may use: short enough to keep the suite fast.
pub fn limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(2),
        memory_bytes: 64 << 20,
        stdout_bytes: 64 << 10,
        stderr_bytes: 64 << 10,
        result_bytes: 1 << 20,
    }
}

pub struct World {
    _dir: TempDir,
    base: PathBuf,
    secret: String,
    policy_text: String,
    /// When `outside/secret.txt` and `data/token` were last modified, before the run.
    modified: Vec<Option<SystemTime>>,
    policy: Arc<Policy>,
    sandbox: Sandbox,
}

/// Turns an I/O error into a sentence naming `what` failed.
pub(super) fn io(what: &str) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

impl World {
    pub fn new() -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("wardtest-hostile-")
            .tempdir()
            .map_err(io("create the base directory"))?;
        let base = std::fs::canonicalize(dir.path()).map_err(io("resolve the base"))?;
        let secret = format!("secret-{}", uuid::Uuid::new_v4().simple());
        for sub in ["root/sub", "outside", "state/data"] {
            std::fs::create_dir_all(base.join(sub)).map_err(io("create the layout"))?;
        }
        let write = |path: &str, text: &str| std::fs::write(base.join(path), text);
        write("root/a.txt", "inside").map_err(io("write root/a.txt"))?;
        write("outside/secret.txt", &secret).map_err(io("write the secret"))?;
        write("state/data/token", &secret).map_err(io("write the data"))?;
        let policy_text = POLICY.replace("{BASE}", &base.display().to_string());
        write("state/policy.toml", &policy_text).map_err(io("write the policy"))?;

        let audit = base.join("state/audit.jsonl");
        let protected = Protected::for_current_process()
            .map_err(|e| e.to_string())?
            .with_path(audit.clone(), "audit log")
            .with_path(base.join("state/data"), "ward data directory");
        let policy =
            Policy::load(&base.join("state/policy.toml"), protected).map_err(|e| e.to_string())?;
        let policy = Arc::new(policy);
        let access = HostAccess {
            policy: policy.clone(),
            audit: Some(AuditLog::open(&audit).map_err(|e| e.to_string())?),
            registry: None,
        };
        let modified = guarded_files(&base).iter().map(|p| modified(p)).collect();
        let world = World {
            _dir: dir,
            base,
            secret,
            policy_text,
            modified,
            policy,
            sandbox: sandbox_with(access),
        };
        world.protected_processes_are_refused()?;
        Ok(world)
    }

    /// `text` with every placeholder replaced: `{BASE}`, `{ROOT}`, `{OUTSIDE}`, `{STATE}`,
    /// `{AUDIT_LOG}`, `{POLICY}`, `{DATA}`, `{PID}` (this process) and `{PPID}` (its parent).
    pub fn fill(&self, text: &str) -> String {
        let at = |sub: &str| self.base.join(sub).display().to_string();
        [
            ("{ROOT}", at("root")),
            ("{OUTSIDE}", at("outside")),
            ("{STATE}", at("state")),
            ("{AUDIT_LOG}", at("state/audit.jsonl")),
            ("{POLICY}", at("state/policy.toml")),
            ("{DATA}", at("state/data")),
            ("{BASE}", self.base.display().to_string()),
            ("{PID}", std::process::id().to_string()),
            ("{PPID}", std::os::unix::process::parent_id().to_string()),
        ]
        .iter()
        .fold(text.to_owned(), |text, (key, value)| {
            text.replace(key, value)
        })
    }

    pub(super) fn path(&self, sub: &str) -> PathBuf {
        self.base.join(sub)
    }

    /// Refuses to go on unless the policy denies killing every protected process: no script of
    /// this suite may ever signal one.
    fn protected_processes_are_refused(&self) -> Result<(), String> {
        for (pid, _) in self.policy.protected().pids() {
            let decision = self.policy.decide(&Request {
                risk: Risk::HighRisk,
                operation: Operation::ProcessKill,
                target: Target::Process {
                    pid,
                    name: "any".into(),
                },
            });
            if decision.allowed {
                return Err(format!("pid {pid} would be killed: {decision:?}"));
            }
        }
        Ok(())
    }

    /// Runs `code` at high risk, calling its `run()`, under [`limits`].
    pub async fn run(&self, name: &str, code: &str) -> Result<(Job, RunResult), String> {
        let job = Job {
            run_id: format!("hostile-{}", uuid::Uuid::new_v4()),
            filename: format!("{name}.py"),
            code: code.to_owned(),
            mode: Mode::EntryPoint {
                name: "run".into(),
                params: Map::new(),
            },
            risk: Risk::HighRisk,
        };
        let result = self
            .sandbox
            .run(&job, &limits(), std::future::pending())
            .await
            .map_err(|e| format!("the host side of the run failed: {e}"))?;
        Ok((job, result))
    }

    /// Every record of the audit log, after checking that its chain holds.
    pub fn records(&self) -> Result<Vec<Record>, String> {
        let path = self.path("state/audit.jsonl");
        match verify(&path).map_err(|e| e.to_string())? {
            Verdict::Intact(_) => {}
            Verdict::Broken(at) => return Err(format!("the audit log is broken: {at}")),
        }
        let text = std::fs::read_to_string(&path).map_err(io("read the audit log"))?;
        text.lines()
            .map(|line| serde_json::from_str(line).map_err(|e| format!("{e}: {line}")))
            .collect()
    }

    /// What went wrong outside the sandbox: the secret leaked into what the run gave back, or a
    /// file outside the root, the data directory or the policy changed.
    pub fn leaks_and_changes(&self, result: &RunResult) -> Vec<String> {
        let mut found = Vec::new();
        let shown = [
            result.return_value.to_string(),
            result.stdout.clone(),
            result.stderr.clone(),
            result.error.clone().unwrap_or_default(),
            format!("{:?}", result.exception),
        ];
        if shown.iter().any(|text| text.contains(&self.secret)) {
            found.push("the secret reached the run's result or output".into());
        }
        for (dir, only) in [("outside", "secret.txt"), ("state/data", "token")] {
            if listing(&self.path(dir)) != [only] {
                found.push(format!("{dir}/ changed: {:?}", listing(&self.path(dir))));
            }
            let text = std::fs::read_to_string(self.path(dir).join(only)).unwrap_or_default();
            if text != self.secret {
                found.push(format!("{dir}/{only} changed"));
            }
        }
        let now: Vec<_> = guarded_files(&self.base)
            .iter()
            .map(|p| modified(p))
            .collect();
        if now != self.modified {
            found.push("the secret or the data was touched (modification time)".into());
        }
        let policy = std::fs::read_to_string(self.path("state/policy.toml")).unwrap_or_default();
        if policy != self.policy_text {
            found.push("the policy file changed".into());
        }
        found
    }

    /// Runs a trivial job in the same sandbox: it must complete and return its value.
    pub async fn serves_next_job(&self) -> Result<(), String> {
        let code = "def run():\n    return {'next': 'served'}\n";
        let (_, result) = self.run("next_job", code).await?;
        let served = serde_json::json!({ "next": "served" });
        if result.return_value != served || result.status.as_str() != "Completed Successfully" {
            return Err(format!("the next job was not served: {result:#?}"));
        }
        Ok(())
    }
}

fn guarded_files(base: &Path) -> [PathBuf; 2] {
    [
        base.join("outside/secret.txt"),
        base.join("state/data/token"),
    ]
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The returned value as the header's `returns:` lines match it.
pub fn returned_text(result: &RunResult) -> String {
    match &result.return_value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
