//! The agent's journal and outbox: what makes results survive a crash, a restart or a server that
//! is down.
//!
//! - `jobs/<job_id>.json`: written when a job is received, before anything else happens to it,
//!   and removed once its result is in the outbox. A journaled job without a result after a
//!   restart is one the agent was running when it stopped.
//! - `outbox/<job_id>.json`: the final result, written durably before it is sent, removed once
//!   the server has acknowledged it. Retrieved files wait beside it in `outbox/<job_id>.files/`.
//! - `outbox/rejected/`: results the server refused outright, kept for an operator to read.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::durable::{create_private_dir, sync_dir, write_atomic};
use crate::api::agent::{JobSpec, ResultReport};

/// Longest job id accepted as a file name.
const MAX_JOB_ID_BYTES: usize = 128;

/// A job as received, with the run id it was given here.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JournaledJob {
    pub run_id: String,
    pub spec: JobSpec,
}

/// A final result waiting for the server's acknowledgement.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub job_id: String,
    pub action_id: i64,
    pub report: ResultReport,
    /// Retrieved files staged beside the entry, uploaded before the result.
    #[serde(default)]
    pub files: Vec<StagedFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StagedFile {
    /// The path the script asked for, as the server will show it.
    pub path: String,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    pub size: u64,
    /// File name inside the entry's staging directory.
    pub staged: String,
    /// Set once the server has the file, so that a resend skips it.
    #[serde(default)]
    pub uploaded: bool,
}

/// How many delivered jobs a running agent remembers; a late abort arrives within minutes.
const SETTLED_REMEMBERED: usize = 4096;

pub struct Spool {
    jobs: PathBuf,
    outbox: PathBuf,
    /// The last [`SETTLED_REMEMBERED`] jobs whose result this process delivered: the outbox no
    /// longer has them, yet a late abort or a repeated hand-over must still find them settled.
    settled: std::sync::Mutex<std::collections::VecDeque<String>>,
}

impl Spool {
    /// Opens (creating as needed) the journal and the outbox under `data_dir`.
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let spool = Self {
            jobs: data_dir.join("jobs"),
            outbox: data_dir.join("outbox"),
            settled: Default::default(),
        };
        create_private_dir(&spool.jobs)?;
        create_private_dir(&spool.outbox)?;
        Ok(spool)
    }

    /// Whether `job_id` can name files here: letters, digits, `-` and `_`, at most 128 bytes.
    pub fn valid_id(job_id: &str) -> bool {
        !job_id.is_empty()
            && job_id.len() <= MAX_JOB_ID_BYTES
            && job_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    }

    pub fn record_job(&self, job: &JournaledJob) -> std::io::Result<()> {
        write_atomic(&self.job_path(&job.spec.job_id), &to_json(job)?)
    }

    pub fn is_journaled(&self, job_id: &str) -> bool {
        self.job_path(job_id).exists()
    }

    /// Every journaled job, oldest file name first; unreadable entries are skipped with a warning.
    pub fn journaled(&self) -> Vec<JournaledJob> {
        read_all(&self.jobs)
    }

    pub fn forget_job(&self, job_id: &str) -> std::io::Result<()> {
        remove_if_present(&self.job_path(job_id))?;
        sync_dir(&self.jobs)
    }

    /// Where the retrieved files of `job_id` wait for upload (created on demand).
    pub fn stage_dir(&self, job_id: &str) -> PathBuf {
        self.outbox.join(format!("{job_id}.files"))
    }

    /// Puts a result in the outbox, durably, replacing an earlier version of the same entry.
    pub fn post(&self, entry: &OutboxEntry) -> std::io::Result<()> {
        write_atomic(&self.entry_path(&entry.job_id), &to_json(entry)?)
    }

    /// Whether the job has a result, waiting in the outbox or already delivered.
    pub fn has_result(&self, job_id: &str) -> bool {
        self.entry_path(job_id).exists()
            || self
                .settled
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .any(|j| j == job_id)
    }

    /// Every result not yet acknowledged.
    pub fn pending(&self) -> Vec<OutboxEntry> {
        read_all(&self.outbox)
    }

    /// Removes an acknowledged result and its staged files.
    pub fn delivered(&self, job_id: &str) -> std::io::Result<()> {
        let mut settled = self.settled.lock().unwrap_or_else(|e| e.into_inner());
        if settled.len() == SETTLED_REMEMBERED {
            settled.pop_front();
        }
        settled.push_back(job_id.to_owned());
        drop(settled);
        remove_dir_if_present(&self.stage_dir(job_id))?;
        remove_if_present(&self.entry_path(job_id))?;
        sync_dir(&self.outbox)
    }

    /// Moves a result the server refused outright out of the way, keeping it for inspection.
    pub fn reject(&self, job_id: &str) -> std::io::Result<PathBuf> {
        let rejected = self.outbox.join("rejected");
        create_private_dir(&rejected)?;
        let target = rejected.join(format!("{job_id}.json"));
        fs::rename(self.entry_path(job_id), &target)?;
        remove_dir_if_present(&self.stage_dir(job_id))?;
        sync_dir(&self.outbox)?;
        Ok(target)
    }

    fn job_path(&self, job_id: &str) -> PathBuf {
        self.jobs.join(format!("{job_id}.json"))
    }

    fn entry_path(&self, job_id: &str) -> PathBuf {
        self.outbox.join(format!("{job_id}.json"))
    }
}

fn to_json<T: Serialize>(value: &T) -> std::io::Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(std::io::Error::other)
}

fn read_all<T: for<'de> Deserialize<'de>>(dir: &Path) -> Vec<T> {
    let Ok(listing) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let parsed = fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()));
            parsed
                .map_err(|error| {
                    let file = path.display();
                    tracing::warn!(%file, %error, "skipping an unreadable spool entry");
                })
                .ok()
        })
        .collect()
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn remove_dir_if_present(path: &Path) -> std::io::Result<()> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
