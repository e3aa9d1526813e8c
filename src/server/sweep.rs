//! The background sweeps that time drives, each on its own interval and reading "now" from the
//! server's clock: jobs not pulled in time expire, jobs whose agent went silent fail, and
//! retrieved files past their retention are deleted and marked expired. [`tick`] runs all
//! three at once, for tests and for `POST /api/v1/test/clock`.

use std::time::Duration;

use serde::Serialize;
use tokio::task::JoinHandle;

use super::AppState;
use crate::db::DbError;

/// The reason a job that ran too long without news ends `Failed` with.
pub const SILENT_REASON: &str = "the agent did not report a result in time";

/// What one round of sweeps changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub jobs_expired: usize,
    pub jobs_failed_silent: usize,
    pub files_removed: usize,
}

/// Runs every sweep once, now.
///
/// # Errors
///
/// The first store error; the sweeps before it have done their work.
pub async fn tick(state: &AppState) -> Result<SweepReport, DbError> {
    Ok(SweepReport {
        jobs_expired: expire_pending(state).await?,
        jobs_failed_silent: fail_silent(state).await?,
        files_removed: remove_expired_files(state).await?,
    })
}

/// Starts the three sweeps on their intervals; they run until the runtime stops.
pub fn spawn(state: &AppState) -> Vec<JoinHandle<()>> {
    let config = state.config();
    vec![
        every(state.clone(), config.expiry_every, "expiry", |s| {
            Box::pin(async move { expire_pending(&s).await })
        }),
        every(state.clone(), config.silence_every, "silence", |s| {
            Box::pin(async move { fail_silent(&s).await })
        }),
        every(state.clone(), config.retention_every, "retention", |s| {
            Box::pin(async move { remove_expired_files(&s).await })
        }),
    ]
}

type Sweep = fn(AppState) -> std::pin::Pin<Box<dyn Future<Output = Result<usize, DbError>> + Send>>;

fn every(state: AppState, period: Duration, name: &'static str, sweep: Sweep) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period.max(Duration::from_millis(10)));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match sweep(state.clone()).await {
                Ok(0) => {}
                Ok(changed) => tracing::info!(sweep = name, changed, "sweep done"),
                Err(error) => {
                    tracing::error!(sweep = name, %error, "sweep failed; it runs again at its next interval")
                }
            }
        }
    })
}

async fn expire_pending(state: &AppState) -> Result<usize, DbError> {
    let now = state.now();
    let limit = state.config().pending_expiry_secs;
    let reason = format!(
        "the endpoint did not pick up the job within {}",
        span(limit)
    );
    state.db().jobs_expire(now - limit, &reason, now).await
}

async fn fail_silent(state: &AppState) -> Result<usize, DbError> {
    let now = state.now();
    let grace = state.config().silence_grace_secs;
    state
        .db()
        .jobs_fail_silent(state.started_at(), grace, SILENT_REASON, now)
        .await
}

async fn remove_expired_files(state: &AppState) -> Result<usize, DbError> {
    let due = state.db().files_due(state.now()).await?;
    let dir = state.files_dir();
    let mut removed = 0;
    for file in due {
        match tokio::fs::remove_file(dir.join(&file.file.stored_name)).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                tracing::error!(file = %file.file.stored_name, %error, "an expired file could not be deleted; retrying at the next sweep");
                continue;
            }
        }
        state
            .db()
            .files_mark_expired(&file.file.stored_name)
            .await?;
        removed += 1;
    }
    Ok(removed)
}

/// `secs` in words: `4 days`, `90 minutes`, `45 seconds`.
fn span(secs: i64) -> String {
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s >= 3_600 && s % 3_600 == 0 => plural(s / 3_600, "hour"),
        s if s >= 60 && s % 60 == 0 => plural(s / 60, "minute"),
        s => plural(s, "second"),
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}
