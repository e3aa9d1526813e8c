//! Carries out one decoded host-channel request: processes and the registry, each checked
//! against the policy and recorded before it acts.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::MediatedWasi;
use super::channel::{HostError, Request};
use super::context::Denied;
use super::process::{KillSignal, ProcessError, ProcessInfo, parse_cpu_interval};
use super::registry::{RegValue, RegistryError, Root as RegistryRoot};
use crate::audit::Decision as Verdict;
use crate::policy::{Operation, Request as PolicyRequest, Target};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListArgs {
    #[serde(default)]
    cpu_interval: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GetArgs {
    pid: u32,
    #[serde(default)]
    cpu_interval: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KillArgs {
    pid: u32,
    signal: KillSignal,
}

/// Every registry request names a key; some also a value, an index, or data to store.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyArgs {
    root: RegistryRoot,
    path: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    index: Option<usize>,
    #[serde(default, rename = "type")]
    type_code: Option<u32>,
    #[serde(default)]
    value: Option<Value>,
}

/// The parent of `pid`, from `/proc` (warm interpreters exist only on Linux).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Whether `ancestor` is `pid`'s parent, grandparent and so on.
fn descends_from(pid: u32, ancestor: u32) -> bool {
    let mut current = pid;
    // A pid chain is short; the bound only guards against a cycle from pid reuse.
    for _ in 0..64 {
        match parent_of(current) {
            Some(parent) if parent == ancestor => return true,
            Some(parent) if parent > 1 => current = parent,
            _ => return false,
        }
    }
    false
}

/// Whether `pid` runs ward's own program, as the warm interpreters and their jobs do; other
/// programs the agent's host started stay under the policy. A process whose program cannot be
/// read counts as ward's, so that a doubt protects it.
#[cfg(unix)]
fn runs_ward(pid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let program = |path: String| std::fs::metadata(path).map(|m| (m.dev(), m.ino()));
    match (
        program(format!("/proc/{pid}/exe")),
        program("/proc/self/exe".into()),
    ) {
        (Ok(theirs), Ok(ours)) => theirs == ours,
        _ => true,
    }
}

#[cfg(not(unix))]
fn runs_ward(_pid: u32) -> bool {
    true
}

fn args<T: DeserializeOwned>(value: Value) -> Result<T, HostError> {
    serde_json::from_value(value).map_err(|e| HostError::invalid(format!("bad arguments: {e}")))
}

fn to_json<T: serde::Serialize>(value: T) -> Result<Value, HostError> {
    serde_json::to_value(value).map_err(|e| HostError::new("OSError", e.to_string()))
}

fn denied(denied: Denied) -> HostError {
    match denied {
        Denied::Policy { rule } => {
            HostError::new("AccessDenied", format!("denied by policy ({rule})"))
        }
        Denied::AuditUnavailable => HostError::new("OSError", "the audit log could not be written"),
    }
}

fn process_error(error: ProcessError) -> HostError {
    HostError::new(error.kind(), error.to_string())
}

fn registry_error(error: RegistryError) -> HostError {
    HostError::new(error.kind(), error.to_string())
}

impl MediatedWasi {
    pub(super) async fn dispatch(&mut self, request: Request) -> Result<Value, HostError> {
        match request.op.as_str() {
            "process.list" => self.process_list(args(request.args)?).await,
            "process.get" => self.process_get(args(request.args)?).await,
            "process.kill" => self.process_kill(args(request.args)?).await,
            op if op.starts_with("registry.") => self.registry(op, args(request.args)?),
            "job.next" => self.next_job(),
            op => Err(HostError::invalid(format!("unknown operation `{op}`"))),
        }
    }

    /// Hands a warm interpreter its job; any other interpreter, or a second request, has none.
    fn next_job(&mut self) -> Result<Value, HostError> {
        let gate = self
            .job_gate
            .take()
            .ok_or_else(|| HostError::invalid("there is no job waiting for this interpreter"))?;
        let job = gate(&mut self.context).map_err(|reason| HostError::new("OSError", reason))?;
        // This process's parent keeps the warm interpreters; its parent is the agent, below which
        // run the other jobs and the warm interpreters of the other risk levels, all of them
        // ward's own program.
        #[cfg(unix)]
        {
            self.agent = parent_of(std::os::unix::process::parent_id());
        }
        Ok(job)
    }

    /// Lists the processes the policy lets this script see. The listing is one operation and one
    /// audit record, saying how many processes were shown and how many withheld.
    async fn process_list(&mut self, args: ListArgs) -> Result<Value, HostError> {
        let interval = parse_cpu_interval(args.cpu_interval).map_err(process_error)?;
        let all = self.processes.list(interval).await;
        let total = all.len();
        let visible: Vec<ProcessInfo> = all
            .into_iter()
            .filter(|p| {
                let target = Target::Process {
                    pid: p.pid,
                    name: p.name.clone(),
                };
                let request = PolicyRequest {
                    risk: self.context.risk,
                    operation: Operation::ProcessList,
                    target,
                };
                self.context.policy.decide(&request).allowed
            })
            .collect();
        let outcome = format!(
            "{} shown, {} withheld by policy",
            visible.len(),
            total - visible.len()
        );
        let verdict = if visible.is_empty() {
            Verdict::Deny
        } else {
            Verdict::Allow
        };
        self.context
            .record_summary(
                Operation::ProcessList,
                "all processes",
                verdict,
                "per-process rules",
                outcome,
            )
            .map_err(denied)?;
        to_json(visible)
    }

    async fn process_get(&mut self, args: GetArgs) -> Result<Value, HostError> {
        let interval = parse_cpu_interval(args.cpu_interval).map_err(process_error)?;
        let info = self
            .process_named(args.pid, interval, Operation::ProcessList)
            .await?;
        let target = Target::Process {
            pid: info.pid,
            name: info.name.clone(),
        };
        let permit = self
            .context
            .check(Operation::ProcessList, target)
            .map_err(denied)?;
        self.context.finish(permit, Ok(())).map_err(denied)?;
        to_json(info)
    }

    async fn process_kill(&mut self, args: KillArgs) -> Result<Value, HostError> {
        let info = self
            .process_named(args.pid, None, Operation::ProcessKill)
            .await?;
        let target = Target::Process {
            pid: info.pid,
            name: info.name,
        };
        if let Some(agent) = self.agent
            && info.pid != std::process::id()
            && descends_from(info.pid, agent)
            && runs_ward(info.pid)
        {
            let label = super::context::describe(&target);
            let rule = format!("protected: a process of ward's agent (pid {agent})");
            return Err(denied(self.context.refuse(
                Operation::ProcessKill,
                &label,
                &rule,
            )));
        }
        let permit = self
            .context
            .check(Operation::ProcessKill, target)
            .map_err(denied)?;
        let result = self.processes.signal(args.pid, args.signal);
        let outcome = result.as_ref().map(drop).map_err(ToString::to_string);
        self.context.finish(permit, outcome).map_err(denied)?;
        result.map_err(process_error)?;
        Ok(Value::Null)
    }

    /// Looks a process up before the policy judges it by name. A pid with no process is recorded
    /// too, so that probing for which pids exist leaves a trace like any other request.
    async fn process_named(
        &mut self,
        pid: u32,
        interval: Option<std::time::Duration>,
        op: Operation,
    ) -> Result<ProcessInfo, HostError> {
        match self.processes.get(pid, interval).await {
            Ok(info) => Ok(info),
            Err(error) => {
                let label = format!("pid {pid}");
                let outcome = format!("error: {error}");
                self.context
                    .record_summary(op, &label, Verdict::Deny, "no such process", outcome)
                    .map_err(denied)?;
                Err(process_error(error))
            }
        }
    }

    fn registry(&mut self, op: &str, args: KeyArgs) -> Result<Value, HostError> {
        let operation = match op {
            "registry.create_key" | "registry.set_value" => Operation::RegistryWrite,
            "registry.delete_key" | "registry.delete_value" => Operation::RegistryDelete,
            _ => Operation::RegistryRead,
        };
        let key = args.root.key_name(&args.path);
        let permit = self
            .context
            .check(operation, Target::RegistryKey(key))
            .map_err(denied)?;
        let Some(hive) = self.context.registry.clone() else {
            let error = RegistryError::NotAvailable;
            self.context
                .finish(permit, Err(error.to_string()))
                .map_err(denied)?;
            return Err(registry_error(error));
        };
        let mut hive = hive.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Err(error) = hive.refresh() {
            self.context
                .finish(permit, Err(error.to_string()))
                .map_err(denied)?;
            return Err(registry_error(error));
        }
        let (root, path) = (args.root, args.path.as_str());
        let name = args.name.as_deref().unwrap_or("");
        let index = args.index.unwrap_or(0);
        let result: Result<Value, RegistryError> = match op {
            "registry.open_key" => match hive.key_exists(root, path) {
                Ok(true) => Ok(Value::Null),
                Ok(false) => Err(RegistryError::KeyNotFound {
                    key: root.key_name(path),
                }),
                Err(e) => Err(e),
            },
            "registry.create_key" => hive.create_key(root, path).map(|_| Value::Null),
            "registry.delete_key" => hive.delete_key(root, path).map(|()| Value::Null),
            "registry.query_value" => hive.query_value(root, path, name).and_then(|v| json_of(&v)),
            "registry.set_value" => {
                let data = args.value.unwrap_or(Value::Null);
                RegValue::from_wire(args.type_code.unwrap_or(u32::MAX), &data)
                    .and_then(|value| hive.set_value(root, path, name, value))
                    .map(|()| Value::Null)
            }
            "registry.delete_value" => hive.delete_value(root, path, name).map(|()| Value::Null),
            "registry.enum_key" => hive.enum_key(root, path, index).map(Value::String),
            "registry.enum_value" => hive.enum_value(root, path, index).and_then(|v| json_of(&v)),
            "registry.query_info_key" => hive.query_info_key(root, path).and_then(|v| json_of(&v)),
            other => {
                drop(hive);
                self.context
                    .finish(permit, Err("unknown operation".into()))
                    .map_err(denied)?;
                return Err(HostError::invalid(format!("unknown operation `{other}`")));
            }
        };
        drop(hive);
        let outcome = result.as_ref().map(drop).map_err(ToString::to_string);
        self.context.finish(permit, outcome).map_err(denied)?;
        result.map_err(registry_error)
    }
}

fn json_of<T: serde::Serialize>(value: &T) -> Result<Value, RegistryError> {
    serde_json::to_value(value).map_err(|e| RegistryError::InvalidValue {
        reason: e.to_string(),
    })
}
