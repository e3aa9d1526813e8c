//! The per-run gate every capability passes through: ask the policy, write the audit record,
//! and only then act.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::registry::Hive;
use crate::audit::{AuditLog, Decision as Verdict, Durability, Entry, ScriptRun};
use crate::policy::{Decision, Operation, Policy, Request, Risk, Target};

/// Who is asking: one run of one script, at one risk level, under one policy.
#[derive(Clone)]
pub struct RunContext {
    pub policy: Arc<Policy>,
    pub audit: Option<AuditLog>,
    pub risk: Risk,
    pub run: ScriptRun,
    /// The file-backed registry the policy names, shared by every run of this sandbox.
    pub registry: Option<Arc<Mutex<Hive>>>,
}

/// An operation the policy allowed, waiting for its outcome to be recorded.
#[must_use = "record the outcome with `RunContext::finish`"]
pub struct Permit {
    operation: Operation,
    target: String,
    rule: String,
    started: Instant,
}

/// Why a capability refused: the policy's rule, or an audit log that could not be written.
#[derive(Debug, Clone)]
pub enum Denied {
    Policy { rule: String },
    AuditUnavailable,
}

impl RunContext {
    /// Decides `operation` on `target` and records the decision. An allowed operation that
    /// changes the host is recorded and synced to disk before this returns, so the record exists
    /// before the effect does; reads are recorded once, by [`Self::finish`], before their result
    /// reaches the guest. An operation whose record cannot be written is refused.
    pub fn check(&self, operation: Operation, target: Target) -> Result<Permit, Denied> {
        let label = describe(&target);
        self.check_as(operation, target, label)
    }

    /// [`Self::check`] with the target written as `label` in the audit log, for a path reached
    /// through a symbolic link (`/etc/passwd (reached as /tmp/link)`).
    pub fn check_as(
        &self,
        operation: Operation,
        target: Target,
        label: String,
    ) -> Result<Permit, Denied> {
        let decision: Decision = self.policy.decide(&Request {
            risk: self.risk,
            operation,
            target,
        });
        if !decision.allowed {
            tracing::debug!(run_id = %self.run.run_id, op = operation.as_str(), target = %label, rule = %decision.rule, "denied");
            let entry = Entry::new(
                &self.run,
                operation.as_str(),
                &label,
                Verdict::Deny,
                &decision.rule,
            )
            .outcome("denied");
            self.record(entry, Durability::Buffered)?;
            return Err(Denied::Policy {
                rule: decision.rule,
            });
        }
        if operation.changes_host() {
            let entry = Entry::new(
                &self.run,
                operation.as_str(),
                &label,
                Verdict::Allow,
                &decision.rule,
            )
            .outcome("started");
            self.record(entry, Durability::Synced)?;
        }
        Ok(Permit {
            operation,
            target: label,
            rule: decision.rule,
            started: Instant::now(),
        })
    }

    /// Refuses without asking the policy, for requests that cannot be judged as asked (a path that
    /// leaves its root, a malformed request); the refusal is recorded like a policy denial.
    pub fn refuse(&self, operation: Operation, label: &str, rule: &str) -> Denied {
        let entry =
            Entry::new(&self.run, operation.as_str(), label, Verdict::Deny, rule).outcome("denied");
        match self.record(entry, Durability::Buffered) {
            Ok(()) => Denied::Policy {
                rule: rule.to_string(),
            },
            Err(denied) => denied,
        }
    }

    /// Records one operation that covers many targets (a process listing), decided target by
    /// target by the caller.
    pub fn record_summary(
        &self,
        operation: Operation,
        label: &str,
        verdict: Verdict,
        rule: &str,
        outcome: String,
    ) -> Result<(), Denied> {
        let entry =
            Entry::new(&self.run, operation.as_str(), label, verdict, rule).outcome(outcome);
        self.record(entry, Durability::Buffered)
    }

    /// Records how an allowed operation ended. An error means the record could not be written:
    /// the caller must then withhold the operation's result from the guest.
    pub fn finish(&self, permit: Permit, outcome: Result<(), String>) -> Result<(), Denied> {
        let text = match outcome {
            Ok(()) => "ok".to_string(),
            Err(error) => format!("error: {error}"),
        };
        let entry = Entry::new(
            &self.run,
            permit.operation.as_str(),
            &permit.target,
            Verdict::Allow,
            &permit.rule,
        )
        .outcome(text)
        .duration(permit.started.elapsed());
        self.record(entry, Durability::Buffered)
    }

    /// Records the start or end of the run itself. Neither changes the host, so, like reads,
    /// they are handed to the operating system without waiting for the disk: the next record of
    /// an operation that changes the host flushes them with it.
    pub fn record_run(
        &self,
        operation: &str,
        outcome: String,
        duration: Option<Duration>,
    ) -> Result<(), Denied> {
        let mut entry = Entry::new(
            &self.run,
            operation,
            &self.run.script,
            Verdict::Allow,
            "run",
        )
        .outcome(outcome);
        if let Some(duration) = duration {
            entry = entry.duration(duration);
        }
        self.record(entry, Durability::Buffered)
    }

    fn record(&self, entry: Entry, durability: Durability) -> Result<(), Denied> {
        let Some(audit) = &self.audit else {
            return Ok(());
        };
        audit.record(entry, durability).map_err(|error| {
            tracing::error!(run_id = %self.run.run_id, %error, "failed to write an audit record; refusing the operation");
            Denied::AuditUnavailable
        })
    }
}

/// How a target reads in the audit log.
pub fn describe(target: &Target) -> String {
    match target {
        Target::Path(path) => path.display().to_string(),
        Target::Process { pid, name } => format!("pid {pid} ({name})"),
        Target::RegistryKey(key) => key.clone(),
    }
}
