//! The host every capability test starts from: a private state directory holding the audit log
//! (and a registry hive when asked for), a policy written by the test, and a sandbox of its own
//! that runs scripts under both. Tests read the audit log back, checked, to see what was decided.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use tempfile::TempDir;
use ward::audit::{AuditLog, Decision, Record, Verdict, verify};
use ward::capability::HostAccess;
use ward::capability::registry::Hive;
use ward::policy::{Policy, Protected, Risk};
use ward::sandbox::{Job, Mode, RunResult, Sandbox};

use crate::common::sandbox_with;

pub type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// Python every test script starts with: `attempt(f, *args)` runs one operation and names how it
/// ended, `"ok"` or the class of the exception it raised, so a script can try many operations
/// and return every answer at once.
const PRELUDE: &str = r#"
def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"
"#;

/// A directory of its own below the system's temporary directory, with a name no other test
/// uses, as the path the kernel resolves it to (so that it matches what the policy is given).
pub fn scratch_dir() -> TestResult<(TempDir, PathBuf)> {
    let dir = tempfile::Builder::new().prefix("wardtest-").tempdir()?;
    let path = std::fs::canonicalize(dir.path())?;
    Ok((dir, path))
}

/// `wardtest-` and eight random hex digits: a name no process, file or key of the host has.
pub fn unique_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("wardtest-{}", &id[..8])
}

/// The policy most file tests run under: every script may read and list below `base`, and
/// high-risk scripts may also write and delete there.
pub fn tree_policy(base: &Path) -> String {
    format!(
        r#"
[[allow]]
risk = ["standard", "high_risk"]
operations = ["file.read", "file.list"]
paths = ['{base}/**']

[[allow]]
risk = ["high_risk"]
operations = ["file.write", "file.delete"]
paths = ['{base}/**']
"#,
        base = base.display()
    )
}

/// A sandbox with host access under one policy, and the audit log it writes; dropping it
/// deletes its state directory.
pub struct Host {
    _state: TempDir,
    audit_path: PathBuf,
    hive: Option<Arc<Mutex<Hive>>>,
    policy: Arc<Policy>,
    sandbox: Sandbox,
}

/// What a [`Host`] is made of, beyond its policy.
pub struct HostBuilder {
    policy: String,
    protected: Vec<(PathBuf, &'static str)>,
    hive: bool,
}

impl HostBuilder {
    /// Protects `path` as the policy's caller would protect ward's own data.
    pub fn protect(mut self, path: &Path, label: &'static str) -> Self {
        self.protected.push((path.to_path_buf(), label));
        self
    }

    /// Gives the host a registry hive, a JSON file in its state directory.
    pub fn with_hive(mut self) -> Self {
        self.hive = true;
        self
    }

    /// Writes `{state}` in the policy as the state directory, then builds the host. PID 1, this
    /// process and its parents, the audit log and the hive are protected, as `ward` protects
    /// them.
    pub fn build(self) -> TestResult<Host> {
        let (dir, state) = scratch_dir()?;
        let audit_path = state.join("audit.jsonl");
        let hive_path = state.join("hive.json");
        let mut protected =
            Protected::for_current_process()?.with_path(audit_path.clone(), "audit log");
        if self.hive {
            protected = protected.with_path(hive_path.clone(), "registry hive");
        }
        for (path, label) in self.protected {
            protected = protected.with_path(path, label);
        }
        let text = self.policy.replace("{state}", &state.display().to_string());
        let policy = Policy::parse(&text, "test.toml", protected)?;
        let hive = if self.hive {
            Some(Arc::new(Mutex::new(Hive::open(hive_path)?)))
        } else {
            None
        };
        let policy = Arc::new(policy);
        let access = HostAccess {
            policy: policy.clone(),
            audit: Some(AuditLog::open(&audit_path)?),
            registry: hive.clone(),
        };
        Ok(Host {
            _state: dir,
            audit_path,
            hive,
            policy,
            sandbox: sandbox_with(access),
        })
    }
}

impl Host {
    /// A host under the policy `policy` (TOML; `{state}` stands for the state directory).
    pub fn builder(policy: &str) -> HostBuilder {
        HostBuilder {
            policy: policy.to_owned(),
            protected: Vec::new(),
            hive: false,
        }
    }

    pub fn new(policy: &str) -> TestResult<Host> {
        Self::builder(policy).build()
    }

    pub fn audit_path(&self) -> &Path {
        &self.audit_path
    }

    /// The policy the sandbox runs under, for a test to check a decision before acting on it.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn hive(&self) -> Option<&Arc<Mutex<Hive>>> {
        self.hive.as_ref()
    }

    /// Runs `code` (after [`PRELUDE`]) at `risk`, calling its `run` with `params`.
    pub async fn call(&self, risk: Risk, code: &str, params: Value) -> TestResult<RunResult> {
        let code = format!("{PRELUDE}\n{code}");
        self.call_script("script.py", &code, "run", risk, params)
            .await
    }

    /// Runs `code` as it is, calling its entry point `entry` with `params`.
    pub async fn call_script(
        &self,
        filename: &str,
        code: &str,
        entry: &str,
        risk: Risk,
        params: Value,
    ) -> TestResult<RunResult> {
        let params: Map<String, Value> = match params {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let job = Job {
            run_id: format!("test-{}", uuid::Uuid::new_v4()),
            filename: filename.into(),
            code: code.into(),
            mode: Mode::EntryPoint {
                name: entry.into(),
                params,
            },
            risk,
        };
        let limits = crate::common::limits_with_timeout(30.0);
        Ok(self
            .sandbox
            .run(&job, &limits, std::future::pending())
            .await?)
    }

    /// Runs `code` at `risk` like [`Self::call`] and returns what `run` returned, failing with
    /// the whole result when the script did not complete.
    pub async fn returned(&self, risk: Risk, code: &str, params: Value) -> TestResult<Returned> {
        let result = self.call(risk, code, params).await?;
        if result.exception.is_some() || result.error.is_some() {
            return Err(format!("the script failed: {result:#?}").into());
        }
        let records = self.records(&result.run_id)?;
        Ok(Returned {
            value: result.return_value,
            records,
        })
    }

    /// The records of run `run_id`, after checking that the whole log's chain holds.
    pub fn records(&self, run_id: &str) -> TestResult<Vec<Record>> {
        match verify(&self.audit_path)? {
            Verdict::Intact(_) => {}
            Verdict::Broken(at) => return Err(format!("the audit log is broken: {at}").into()),
        }
        let text = std::fs::read_to_string(&self.audit_path)?;
        let mut records = Vec::new();
        for line in text.lines() {
            let record: Record = serde_json::from_str(line)?;
            if record.run_id == run_id {
                records.push(record);
            }
        }
        Ok(records)
    }
}

/// What a script's `run` returned, with the audit records of its run.
pub struct Returned {
    pub value: Value,
    pub records: Vec<Record>,
}

impl Returned {
    /// Asserts that every attempt the script returned ended as `expected`.
    pub fn assert_every(&self, expected: &str) {
        for (attempt, _) in self.value.as_object().into_iter().flatten() {
            assert_eq!(self.at(attempt), expected, "{attempt}: {:?}", self.value);
        }
    }

    /// The returned value at `key`, as a string (`"ok"` or an exception's class for
    /// `attempt`).
    pub fn at(&self, key: &str) -> &str {
        self.value.get(key).and_then(Value::as_str).unwrap_or("")
    }
}

/// The first record of `records` for `operation` on a target containing `target`, with
/// `decision`; fails listing every record when there is none.
pub fn recorded<'a>(
    records: &'a [Record],
    operation: &str,
    target: &str,
    decision: Decision,
) -> TestResult<&'a Record> {
    records
        .iter()
        .find(|r| r.operation == operation && r.target.contains(target) && r.decision == decision)
        .ok_or_else(|| {
            let lines: Vec<String> = records
                .iter()
                .map(|r| {
                    format!(
                        "{} {} {:?} {} -> {:?}",
                        r.operation, r.target, r.decision, r.rule, r.outcome
                    )
                })
                .collect();
            format!(
                "no {decision:?} record of {operation} on {target}; the run recorded:\n{}",
                lines.join("\n")
            )
            .into()
        })
}
