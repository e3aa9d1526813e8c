//! The agent: what runs on each endpoint. It enrolls once with a server, long-polls it for jobs,
//! runs each in the sandbox under the endpoint's policy with bounded concurrency, and brings every
//! result back, however often it or the server stops on the way.
//!
//! It talks to the server through [`crate::client`] and runs scripts through one
//! [`crate::sandbox::Sandbox`] per process, with [`crate::capability::HostAccess`] loaded from the
//! endpoint's policy and audit log. Its data directory holds:
//!
//! - `agent.json`: the enrollment and token (mode 0600), see `state`;
//! - `policy.toml`: the policy, written from the built-in default on first start unless
//!   `--policy` names another; `audit.jsonl`: the audit log of every run;
//! - `jobs/` and `outbox/`: the journal and the outbox that make results durable, see `spool`;
//! - `scripts-disabled.json`: present once script execution was disabled, for good.
//!
//! The parts: `enroll` (first contact), `jobs` (the poll loop and each job's life), `execute`
//! (a job as a sandbox run), `retrieve` (files read through the policy), `deliver` (outbox to
//! server with backoff), `durable` (crash-safe writes), `fault` (the pauses the end-to-end tests
//! kill the agent in).

mod deliver;
mod durable;
mod enroll;
mod error;
mod execute;
mod fault;
mod jobs;
mod retrieve;
mod spool;
mod state;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, watch};

pub use enroll::platform;
pub use error::AgentError;
pub use execute::{AGENT_STOPPED, SCRIPTS_DISABLED};
pub use state::{DisabledMarker, Enrollment, disable_scripts, scripts_disabled};

use crate::api::agent::Disabled;
use crate::audit::{RUN_END, ScriptRun, Sha256Digest};
use crate::capability::{HostAccess, RunContext};
use crate::client::Client;
use crate::sandbox::{EngineOptions, Sandbox};
use crate::status::Status;
use deliver::{Backoff, deliver};
use spool::Spool;

/// The policy an agent runs under when it is given none, written to its data directory.
pub const DEFAULT_POLICY: &str = include_str!("../../policies/default.toml");

/// How an agent starts. See `ward agent --help` for each setting's meaning.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Default: `agent` in [`crate::paths::data_dir`].
    pub data_dir: PathBuf,
    /// Needed to enroll; afterwards it replaces the saved address when given.
    pub server: Option<String>,
    /// Needed only for the first start.
    pub enroll_secret: Option<String>,
    /// Default: the host name.
    pub name: Option<String>,
    pub tags: Vec<String>,
    /// Jobs run at the same time; more wait for a free slot. Default: 4.
    pub concurrency: usize,
    /// Default: `policy.toml` in the data directory.
    pub policy: Option<PathBuf>,
    pub engine: EngineOptions,
    /// Run jobs in warm interpreters (see [`Sandbox::with_warm_interpreters`]). Default: on.
    pub warm_interpreters: bool,
    /// How long each poll asks the server to hold it open. Default: 25 s.
    pub poll_wait: Duration,
}

impl AgentConfig {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            server: None,
            enroll_secret: None,
            name: None,
            tags: Vec::new(),
            concurrency: 4,
            policy: None,
            engine: EngineOptions::default(),
            warm_interpreters: true,
            poll_wait: Duration::from_secs(25),
        }
    }
}

/// Runs the agent until `shutdown` resolves. Jobs still running then are reported Failed by the
/// next start, with [`AGENT_STOPPED`] as the reason.
pub async fn run(
    config: AgentConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<(), AgentError> {
    let dir = &config.data_dir;
    durable::create_private_dir(dir).map_err(AgentError::io("create", dir))?;

    // Local set-up first, so that a broken policy or a missing interpreter fails at once.
    let policy = policy_path(&config)?;
    let host = HostAccess::load_protecting(
        &policy,
        &dir.join("audit.jsonl"),
        &[(dir.as_path(), "ward agent's data directory")],
    )?;
    let engine = config.engine.clone();
    let sandbox = tokio::task::spawn_blocking(move || Sandbox::load(&engine))
        .await
        .map_err(|_| AgentError::Panicked {
            what: "load the sandbox engine",
        })??
        .with_host_access(host.clone());
    let sandbox = if config.warm_interpreters {
        let program = std::env::current_exe().map_err(AgentError::io("find", Path::new("ward")))?;
        sandbox.with_warm_interpreters(program)
    } else {
        sandbox
    };

    let enrollment = enroll::enrollment(&config).await?;
    let client = Client::new(&enrollment.server)?.with_agent_token(&enrollment.token);
    let (endpoint_id, policy) = (&enrollment.endpoint_id, policy.display());
    tracing::info!(%endpoint_id, %policy, "agent started");

    let spool = Arc::new(Spool::open(dir).map_err(AgentError::io("open the outbox in", dir))?);
    recover(&spool, &host);
    for entry in spool.pending() {
        tokio::spawn(deliver(client.clone(), spool.clone(), entry));
    }

    // Read now, not only by the watcher, so that not even the first poll's jobs can slip through.
    let (disabled_tx, disabled) = watch::channel(scripts_disabled(dir).map(|m| m.reason));
    tokio::spawn(watch_disabled(dir.clone(), disabled_tx, client.clone()));
    let worker = Arc::new(jobs::Worker {
        client,
        spool,
        sandbox: Arc::new(sandbox),
        host,
        slots: Arc::new(Semaphore::new(config.concurrency.max(1))),
        running: Mutex::new(HashMap::new()),
        disabled,
        poll_wait: config.poll_wait,
    });
    tokio::select! {
        () = worker.poll_loop() => {}
        () = shutdown => tracing::info!("agent stopping"),
    }
    Ok(())
}

/// The policy file to load: `--policy`, else the data directory's own, written from
/// [`DEFAULT_POLICY`] the first time.
fn policy_path(config: &AgentConfig) -> Result<PathBuf, AgentError> {
    if let Some(policy) = &config.policy {
        return Ok(policy.clone());
    }
    let path = config.data_dir.join("policy.toml");
    durable::create_new(&path, DEFAULT_POLICY.as_bytes())
        .map_err(AgentError::io("write the default policy to", &path))?;
    Ok(path)
}

/// Gives every job that was running when the agent last stopped a Failed result in the outbox.
fn recover(spool: &Spool, host: &HostAccess) {
    for job in spool.journaled() {
        let job_id = job.spec.job_id.clone();
        if !spool.has_result(&job_id) {
            let action_id = job.spec.action_id;
            tracing::warn!(%job_id, action_id, "{AGENT_STOPPED}; reporting it Failed");
            // The run's own end was never recorded: the process that would have is gone.
            let context = RunContext {
                policy: host.policy.clone(),
                audit: host.audit.clone(),
                risk: job.spec.risk,
                run: ScriptRun {
                    run_id: job.run_id.clone(),
                    script: execute::filename(&job.spec.script_name),
                    script_sha256: Sha256Digest::of(job.spec.code.as_bytes()),
                },
                registry: None,
            };
            if context
                .record_run(
                    RUN_END,
                    format!("{}: {AGENT_STOPPED}", Status::Failed),
                    None,
                )
                .is_err()
            {
                tracing::error!(%job_id, "could not record the end of the interrupted run");
            }
            let entry = spool::OutboxEntry {
                job_id: job_id.clone(),
                action_id: job.spec.action_id,
                report: crate::api::agent::ResultReport {
                    result: execute::not_run(&job.run_id, Status::Failed, AGENT_STOPPED),
                    failed_files: Vec::new(),
                },
                files: Vec::new(),
            };
            if let Err(error) = spool.post(&entry) {
                tracing::error!(%job_id, %error, "could not write the result to the outbox");
                continue;
            }
        }
        if let Err(error) = spool.forget_job(&job_id) {
            tracing::warn!(job_id = %job_id, %error, "could not remove the job from the journal");
        }
    }
}

/// Notices the disable marker (checked twice a second), refuses new jobs from then on, and tells
/// the server until it has heard.
async fn watch_disabled(dir: PathBuf, switch: watch::Sender<Option<String>>, client: Client) {
    let marker = loop {
        if let Some(marker) = scripts_disabled(&dir) {
            break marker;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    tracing::warn!(reason = %marker.reason, "{SCRIPTS_DISABLED}; new jobs are refused");
    switch.send_replace(Some(marker.reason.clone()));
    let report = Disabled {
        reason: marker.reason,
    };
    let mut backoff = Backoff::new();
    loop {
        match client.report_disabled(&report).await {
            Ok(()) => return,
            Err(error) if error.is_transient() => tokio::time::sleep(backoff.step()).await,
            Err(error) => {
                tracing::error!(%error, "the server refused the report that scripts are disabled");
                return;
            }
        }
    }
}

/// The agent's data directory when none is given: `agent` in ward's data directory.
pub fn default_data_dir() -> PathBuf {
    crate::paths::data_dir().join("agent")
}
