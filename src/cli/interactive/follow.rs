//! Following one action from the command line through the server's progress stream: a progress
//! bar of the counts per status on a terminal, a line per change otherwise, and, when asked,
//! each endpoint's result as soon as it is final. Used by `ward interactive` and by
//! `ward action run --watch`.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::time::Instant;
use ward::api::progress::{ProgressCounts, ProgressEvent};
use ward::client::Client;

use crate::cli::action::print::print_results;

/// How a follow ended.
#[derive(Debug)]
pub enum Followed {
    /// Every endpoint is final; the counts at the end.
    Done(ProgressCounts),
    /// The time allowed ran out first.
    StillRunning,
}

/// What to show while following.
#[derive(Debug, Clone, Copy)]
pub struct Show {
    /// Print each endpoint's result once it is final.
    pub results: bool,
    /// Without a terminal for the bar, print a line each time the counts change.
    pub lines: bool,
}

/// Follows action `id` until every endpoint is final, with a progress bar when standard error
/// is a terminal, and returns the final counts.
pub async fn watch(client: &Client, id: i64) -> anyhow::Result<ProgressCounts> {
    let show = Show {
        results: false,
        lines: false,
    };
    match follow(client, id, show, None).await? {
        Followed::Done(counts) => Ok(counts),
        Followed::StillRunning => bail!("stopped following action {id} before it ended"),
    }
}

/// Follows action `id` until every endpoint is final, or until `limit` has passed.
pub async fn follow(
    client: &Client,
    id: i64,
    show: Show,
    limit: Option<Duration>,
) -> anyhow::Result<Followed> {
    let mut stream = client.actions_events(id).await?;
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    let lines = show.lines && bar.is_hidden();
    let deadline = limit.map(|limit| Instant::now() + limit);
    // Endpoints final since the results were last read.
    let mut arrived: BTreeSet<String> = BTreeSet::new();

    loop {
        let next = match deadline {
            Some(deadline) => match tokio::time::timeout_at(deadline, stream.next()).await {
                Ok(next) => next,
                Err(_) => {
                    bar.finish_and_clear();
                    return Ok(Followed::StillRunning);
                }
            },
            None => stream.next().await,
        };
        let event = next.with_context(|| format!("lost the progress of action {id}"))?;
        let Some(event) = event else {
            bar.finish_and_clear();
            bail!(
                "the server ended the progress stream of action {id} before every endpoint was \
                 final; `ward action status {id}` shows where it is"
            );
        };
        let (counts, done) = match event {
            ProgressEvent::Endpoint(endpoint) => {
                if show.results {
                    arrived.insert(endpoint.endpoint_id);
                }
                continue;
            }
            ProgressEvent::Counts(counts) => (counts, false),
            ProgressEvent::Done(counts) => (counts, true),
        };
        if !arrived.is_empty() {
            // The endpoint events of one change come before its counts: read their results
            // once for all of them.
            let mut results = client.actions_results(id).await?;
            results.retain(|r| arrived.contains(&r.endpoint_id));
            arrived.clear();
            bar.suspend(|| print_results(&results));
        }
        if done {
            bar.finish_and_clear();
            return Ok(Followed::Done(counts));
        }
        update(&bar, &counts, lines);
    }
}

/// Shows `counts` on the bar, or as a line when there is no bar.
fn update(bar: &ProgressBar, counts: &ProgressCounts, lines: bool) {
    bar.set_message(summary(counts));
    bar.set_length(u64::try_from(counts.total).unwrap_or(u64::MAX));
    bar.set_position(u64::try_from(counts.finished).unwrap_or(u64::MAX));
    if lines {
        println!(
            "action {}: {}/{} final ({})",
            counts.action_id,
            counts.finished,
            counts.total,
            summary(counts)
        );
    }
}

/// The statuses some endpoint has, with their counts: `Completed Successfully: 2, Pending: 1`.
pub fn summary(counts: &ProgressCounts) -> String {
    let parts: Vec<String> = counts
        .counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(status, n)| format!("{status}: {n}"))
        .collect();
    if parts.is_empty() {
        "no endpoints".to_owned()
    } else {
        parts.join(", ")
    }
}
