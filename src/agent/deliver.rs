//! Getting a result from the outbox to the server: staged files first, then the result, resent
//! with capped exponential backoff until the server acknowledges it. An acknowledgement of either
//! kind (`accepted` true, or false because the server already had it) ends the delivery; so does
//! an outright refusal, after which the entry is kept aside in `outbox/rejected/`.
//!
//! Fault-injection point for tests (see `fault`): `WARD_AGENT_FAULT=pause-after-upload` holds a
//! delivery for a minute after a file reached the server and before the entry records it, so
//! that a test can kill the agent there.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tracing::Instrument;

use super::fault;
use super::spool::{OutboxEntry, Spool};
use crate::api::agent::FailedFile;
use crate::client::{Client, ClientError};

/// First wait after a failed attempt.
const BACKOFF_START: Duration = Duration::from_millis(250);

/// Longest wait between two attempts, so that a server back from a restart hears from every
/// agent within this time.
const BACKOFF_CAP: Duration = Duration::from_secs(10);

/// Doubling waits from [`BACKOFF_START`] up to [`BACKOFF_CAP`], each shortened by up to a quarter
/// at random so that many agents do not retry in step.
pub struct Backoff {
    next: Duration,
}

impl Backoff {
    pub fn new() -> Self {
        Self {
            next: BACKOFF_START,
        }
    }

    /// The wait before the next attempt.
    pub fn step(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(BACKOFF_CAP);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        wait - wait.mul_f64(f64::from(nanos % 1000) / 4000.0)
    }

    pub fn reset(&mut self) {
        self.next = BACKOFF_START;
    }
}

/// Delivers `entry` until the server acknowledges or refuses it; never gives up on a server that
/// is unreachable or failing.
pub async fn deliver(client: Client, spool: std::sync::Arc<Spool>, mut entry: OutboxEntry) {
    let span = tracing::info_span!("deliver", job_id = %entry.job_id, action_id = entry.action_id);
    async move {
        let mut backoff = Backoff::new();
        loop {
            match attempt(&client, &spool, &mut entry).await {
                Ok(accepted) => {
                    let status = entry.report.result.status;
                    tracing::info!(accepted, %status, "result delivered");
                    if let Err(error) = spool.delivered(&entry.job_id) {
                        tracing::warn!(%error, "could not remove a delivered result");
                    }
                    return;
                }
                Err(error) if retry(&error) => {
                    let wait = backoff.step();
                    let retry_in_ms = wait.as_millis() as u64;
                    tracing::warn!(%error, retry_in_ms, "result not delivered yet");
                    tokio::time::sleep(wait).await;
                }
                Err(error) => {
                    match spool.reject(&entry.job_id) {
                        Ok(kept) => {
                            let kept = kept.display();
                            tracing::error!(%error, %kept, "the server refused the result");
                        }
                        Err(io) => tracing::error!(%error, %io, "the server refused the result"),
                    }
                    return;
                }
            }
        }
    }
    .instrument(span)
    .await
}

/// Whether a failed attempt is worth repeating. A refused token is retried too: it may be a
/// server restored from a backup that does not know this agent yet, and nothing is lost by trying.
fn retry(error: &ClientError) -> bool {
    error.is_transient() || error.status() == Some(401)
}

/// One attempt: upload what is not uploaded yet, then the result. A file the server refuses
/// outright is moved to the failed files with the server's reason, and the entry rewritten.
async fn attempt(
    client: &Client,
    spool: &Spool,
    entry: &mut OutboxEntry,
) -> Result<bool, ClientError> {
    let stage = spool.stage_dir(&entry.job_id);
    let mut index = 0;
    while index < entry.files.len() {
        let file = &entry.files[index];
        if file.uploaded {
            index += 1;
            continue;
        }
        let sent = client
            .upload_file(
                &entry.job_id,
                &file.path,
                &file.sha256,
                &stage.join(&file.staged),
            )
            .await;
        match sent {
            Ok(()) => {
                fault::point("pause-after-upload").await;
                entry.files[index].uploaded = true;
                index += 1;
            }
            Err(error) if retry(&error) => return Err(error),
            Err(error) => {
                let reason = match &error {
                    ClientError::Io { .. } => format!("the agent lost its staged copy: {error}"),
                    _ => format!("the server refused the file: {error}"),
                };
                let file = entry.files.remove(index);
                entry.report.failed_files.push(FailedFile {
                    path: file.path,
                    reason,
                });
            }
        }
        if let Err(error) = spool.post(entry) {
            tracing::warn!(%error, "could not update the outbox entry");
        }
    }
    client.report_result(&entry.job_id, &entry.report).await
}
