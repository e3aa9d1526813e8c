//! The job loop: a long poll that hands each new job to its own task, and the life of one job
//! from the journal to the outbox.
//!
//! A job is journaled before anything else happens to it, then waits for one of the
//! `concurrency` slots, is reported In Progress, runs in the sandbox, has its files retrieved,
//! and ends in the outbox, from where [`deliver`] takes it to the server. An abort from the poll
//! resolves the job's abort signal wherever it is: waiting for a slot, or running.
//!
//! Fault-injection point for tests (see `fault`): `WARD_AGENT_FAULT=pause-after-handover` holds
//! the poll loop for a minute after a reply handed jobs over and before any is journaled, so that
//! a test can kill the agent while the server shows them In Progress and the agent has no trace.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Semaphore, watch};
use tracing::Instrument;

use super::deliver::{Backoff, deliver};
use super::execute::{SCRIPTS_DISABLED, not_run, run_job};
use super::fault;
use super::retrieve::retrieve;
use super::spool::{JournaledJob, OutboxEntry, Spool, StagedFile};
use crate::api::agent::{FailedFile, JobSpec, ResultReport, StatusReport};
use crate::capability::HostAccess;
use crate::client::Client;
use crate::sandbox::{RunResult, Sandbox};
use crate::status::Status;

/// How long the In Progress report may hold up the start of a job.
const STATUS_REPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything the job tasks share.
pub struct Worker {
    pub client: Client,
    pub spool: Arc<Spool>,
    pub sandbox: Arc<Sandbox>,
    pub host: HostAccess,
    pub slots: Arc<Semaphore>,
    /// The abort switch of every job received and not yet in the outbox.
    pub running: Mutex<HashMap<String, watch::Sender<bool>>>,
    /// `Some(reason)` once script execution is disabled on this endpoint.
    pub disabled: watch::Receiver<Option<String>>,
    /// How long each poll asks the server to wait for work.
    pub poll_wait: Duration,
}

impl Worker {
    /// Polls forever, reconnecting with backoff whenever the server is unreachable.
    pub async fn poll_loop(self: Arc<Self>) {
        let mut backoff = Backoff::new();
        let mut connected = false;
        loop {
            // Until the server has answered once, ask it not to wait, so that being connected
            // is known (and logged) at once.
            let wait = if connected {
                self.poll_wait
            } else {
                Duration::ZERO
            };
            // The first answer after starting or reconnecting also repeats the jobs the server
            // thinks this agent holds, so that one handed over just before a crash is not lost.
            match self.client.poll(wait, !connected).await {
                Ok(poll) => {
                    if !connected {
                        tracing::info!(
                            server = self.client.server(),
                            "connected; waiting for jobs"
                        );
                        connected = true;
                    }
                    backoff.reset();
                    if !poll.jobs.is_empty() {
                        fault::point("pause-after-handover").await;
                    }
                    for job in poll.jobs {
                        self.accept(job);
                    }
                    for job_id in poll.aborts {
                        self.abort(&job_id);
                    }
                }
                Err(error) => {
                    connected = false;
                    let wait = backoff.step();
                    let retry_in_ms = wait.as_millis() as u64;
                    tracing::warn!(%error, retry_in_ms, "polling the server failed");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Sender<bool>>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes one job from the poll: refuses it if scripts are disabled, otherwise journals it and
    /// starts its task. A job already received (the server sent it twice) is ignored.
    fn accept(self: &Arc<Self>, spec: JobSpec) {
        let job_id = spec.job_id.clone();
        if !Spool::valid_id(&job_id) {
            tracing::error!(job_id = %job_id, "ignoring a job whose id cannot name a file");
            return;
        }
        if self.running().contains_key(&job_id)
            || self.spool.is_journaled(&job_id)
            || self.spool.has_result(&job_id)
        {
            tracing::debug!(job_id = %job_id, "job already received");
            return;
        }
        let run_id = uuid::Uuid::new_v4().to_string();
        let (action_id, script) = (spec.action_id, &spec.script_name);
        let span =
            tracing::info_span!("job", action_id, job_id = %job_id, run_id = %run_id, %script);

        if self.disabled.borrow().is_some() {
            span.in_scope(|| tracing::warn!("job refused: {SCRIPTS_DISABLED}"));
            let result = not_run(&run_id, Status::Failed, SCRIPTS_DISABLED);
            self.finish_later(job_id, spec.action_id, result, span);
            return;
        }

        let journaled = JournaledJob {
            run_id: run_id.clone(),
            spec,
        };
        if let Err(error) = self.spool.record_job(&journaled) {
            let reason = format!("the agent could not record the job on its disk: {error}");
            let result = not_run(&run_id, Status::Failed, reason);
            self.finish_later(job_id, journaled.spec.action_id, result, span);
            return;
        }
        let (switch, signal) = watch::channel(false);
        self.running().insert(job_id, switch);
        tokio::spawn(self.clone().run(journaled, signal).instrument(span));
    }

    /// Stops a running (or waiting) job. An abort for a job this agent does not hold any more is
    /// answered with an Aborted result, so that the server never waits on it.
    fn abort(self: &Arc<Self>, job_id: &str) {
        if let Some(switch) = self.running().get(job_id) {
            tracing::info!(job_id, "abort requested");
            switch.send_replace(true);
            return;
        }
        if !Spool::valid_id(job_id) || self.spool.has_result(job_id) {
            return;
        }
        tracing::warn!(
            job_id,
            "abort for a job this agent is not running; reporting it Aborted"
        );
        let result = not_run(
            job_id,
            Status::Aborted,
            "the job was not running on this agent when the abort arrived",
        );
        let span = tracing::info_span!("job", job_id);
        self.finish_later(job_id.to_string(), 0, result, span);
    }

    /// [`Self::finish`] for a job that never ran, in a task of its own inside `span`.
    fn finish_later(
        self: &Arc<Self>,
        job_id: String,
        action_id: i64,
        result: RunResult,
        span: tracing::Span,
    ) {
        let worker = self.clone();
        let work = async move {
            worker
                .finish(&job_id, action_id, result, Vec::new(), Vec::new())
                .await;
        };
        tokio::spawn(work.instrument(span));
    }

    async fn run(self: Arc<Self>, job: JournaledJob, signal: watch::Receiver<bool>) {
        let JournaledJob { run_id, spec } = job;
        tracing::info!("job received");
        let slot = tokio::select! {
            slot = self.slots.clone().acquire_owned() => slot.ok(),
            () = aborted(signal.clone()) => None,
        };
        let Some(slot) = slot else {
            let result = not_run(
                &run_id,
                Status::Aborted,
                "aborted before the script started",
            );
            self.finish(&spec.job_id, spec.action_id, result, Vec::new(), Vec::new())
                .await;
            return;
        };

        self.report_started(&spec.job_id).await;
        let result = run_job(&self.sandbox, &spec, &run_id, aborted(signal)).await;
        let (files, failed) = self.retrieve(&spec, &run_id, &result).await;
        // The slot is for running; delivering may wait out a server outage without holding it.
        drop(slot);
        self.finish(&spec.job_id, spec.action_id, result, files, failed)
            .await;
    }

    /// Tells the server the script is starting now, which also restarts its count towards
    /// "silent too long". Best effort: the final result supersedes it.
    async fn report_started(&self, job_id: &str) {
        let report = StatusReport {
            status: Status::InProgress,
            reason: None,
        };
        let sent = self.client.report_status(job_id, &report);
        match tokio::time::timeout(STATUS_REPORT_TIMEOUT, sent).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "could not report In Progress"),
            Err(_) => tracing::warn!("reporting In Progress timed out"),
        }
    }

    async fn retrieve(
        &self,
        spec: &JobSpec,
        run_id: &str,
        result: &RunResult,
    ) -> (Vec<StagedFile>, Vec<FailedFile>) {
        if result.files_to_get.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let host = self.host.clone();
        let spec = spec.clone();
        let run_id = run_id.to_string();
        let paths = result.files_to_get.clone();
        let stage = self.spool.stage_dir(&spec.job_id);
        let work =
            tokio::task::spawn_blocking(move || retrieve(&host, &spec, &run_id, &paths, &stage));
        work.await.unwrap_or_else(|error| {
            let failed = result
                .files_to_get
                .iter()
                .map(|path| FailedFile {
                    path: path.clone(),
                    reason: format!("the agent failed while reading it: {error}"),
                })
                .collect();
            (Vec::new(), failed)
        })
    }

    /// Puts a result in the outbox, durably, then delivers it. Only once the result is on disk is
    /// the job taken out of the journal.
    async fn finish(
        &self,
        job_id: &str,
        action_id: i64,
        result: RunResult,
        files: Vec<StagedFile>,
        failed_files: Vec<FailedFile>,
    ) {
        tracing::info!(status = %result.status, duration_ms = result.duration_ms, "job ended");
        let entry = OutboxEntry {
            job_id: job_id.to_string(),
            action_id,
            report: ResultReport {
                result,
                failed_files,
            },
            files,
        };
        match self.spool.post(&entry) {
            Ok(()) => {
                if let Err(error) = self.spool.forget_job(job_id) {
                    tracing::warn!(%error, "could not remove the job from the journal");
                }
            }
            Err(error) => {
                tracing::error!(%error, "could not put the result in the outbox; sending it anyway")
            }
        }
        self.running().remove(job_id);
        deliver(self.client.clone(), self.spool.clone(), entry).await;
    }
}

/// Resolves once the job's abort switch is on; never, if the switch is dropped without it.
async fn aborted(mut signal: watch::Receiver<bool>) {
    if signal.wait_for(|on| *on).await.is_err() {
        std::future::pending::<()>().await;
    }
}
