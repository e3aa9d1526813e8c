//! The writer: one open log file shared by every run in the process.
//!
//! The capability layer calls [`AuditLog::append`] before it lets an
//! operation reach the host. The writer keeps the head of the chain (last
//! sequence number and line hash) in memory, so an append never reads the
//! file: it encodes one line, hashes it, writes it with a single call and,
//! when asked, flushes it to disk. Nothing but records is ever written.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use time::UtcDateTime;

use super::chain::{Anchor, Sha256Digest};
use super::error::AuditError;
use super::lines::{self, MAX_LINE_BYTES, Tail};
use super::record::{Entry, Record};

/// How far a record must have gone when [`AuditLog::append`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Durability {
    /// On disk (`sync_data`), together with every record before it. For
    /// operations that change the host: the record survives a power loss
    /// that happens after the change.
    Synced,
    /// Handed to the operating system, in order, but not yet flushed to
    /// disk: it survives a crash of ward but not of the machine. For
    /// operations that change nothing on the host, such as reads. Flushed by
    /// the next synced append, by [`AuditLog::flush`], or when the last
    /// handle is dropped.
    Buffered,
}

/// An open audit log. Clones share the same file and chain, so one value
/// can be handed to every run in the process; appends from many threads
/// are written one after the other.
///
/// The file is locked while any clone is alive, so a second writer (in this
/// process or another) fails to open it instead of forking the chain. On
/// Windows that lock also keeps every other handle from reading the file, so
/// `ward audit verify` there needs the writer closed first.
#[derive(Clone)]
pub struct AuditLog {
    shared: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    writer: Writer,
}

enum Writer {
    /// This process holds the file and the head of the chain.
    File(Mutex<State>),
    /// Another process does: a warm interpreter's records go to the agent that started it, so
    /// that one chain stays one chain however many processes run scripts.
    Relay(Arc<dyn RecordSink>),
}

/// Hands records to the process that writes the log. A synced record returns once that process
/// has written it and every record before it; a buffered one once it is in the operating
/// system's hands on its way there, as a buffered record written to a file is.
pub trait RecordSink: Send + Sync {
    /// # Errors
    ///
    /// [`AuditError::Relay`] when the record did not reach the log; the operation it describes
    /// must not proceed.
    fn append(&self, entry: Entry, durability: Durability) -> Result<(), AuditError>;
}

struct State {
    file: File,
    /// Length of the file up to the end of its last whole record.
    len: u64,
    /// The last record written, or `None` while the file is empty.
    head: Option<Anchor>,
    /// Records were written since the last flush to disk.
    unsynced: bool,
    /// A write or flush failed and the file may not match `len` and `head`.
    failed: bool,
    /// Reused for encoding each line.
    line: Vec<u8>,
}

impl AuditLog {
    /// Opens the log at `path`, creating it (and its directories) if needed.
    ///
    /// A new file is readable and writable by its owner only (mode 0600 on
    /// Unix), and new directories by their owner only (0700). An existing
    /// file is continued from its last line, which is the only part read:
    /// opening does not check the chain, [`super::verify`] does.
    ///
    /// # Errors
    ///
    /// Fails when the file cannot be created or opened, when another handle
    /// holds it ([`AuditError::Locked`]), and when its last line is cut off
    /// ([`AuditError::TornTail`]) or is not a record ([`AuditError::BadTail`]):
    /// a damaged log is never silently continued.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AuditError> {
        let path = path.as_ref().to_path_buf();
        create_parent(&path)?;

        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(|source| AuditError::Open {
            path: path.clone(),
            source,
        })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(AuditError::Locked { path }),
            Err(TryLockError::Error(source)) => return Err(AuditError::Open { path, source }),
        }

        let read_error = |source| AuditError::Read {
            path: path.clone(),
            source,
        };
        let len = file.metadata().map_err(read_error)?.len();
        let head = match lines::read_tail(&mut file, len).map_err(read_error)? {
            Tail::Empty => None,
            Tail::Line(line) => Some(head_of(&path, &line)?),
            Tail::Torn => return Err(AuditError::TornTail { path }),
            Tail::TooLong => {
                let reason = format!("longer than {MAX_LINE_BYTES} bytes");
                return Err(AuditError::BadTail { path, reason });
            }
        };

        let state = State {
            file,
            len,
            head,
            unsynced: false,
            failed: false,
            line: Vec::new(),
        };
        Ok(Self {
            shared: Arc::new(Shared {
                path,
                writer: Writer::File(Mutex::new(state)),
            }),
        })
    }

    /// A log written by another process, which `sink` reaches. `path` names that process's file.
    pub fn relayed(path: impl Into<PathBuf>, sink: Arc<dyn RecordSink>) -> Self {
        Self {
            shared: Arc::new(Shared {
                path: path.into(),
                writer: Writer::Relay(sink),
            }),
        }
    }

    /// The file this log writes to; the policy protects it from scripts.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The last record written, or `None` for an empty log. Store it outside
    /// the log and pass it to [`super::verify_with_anchor`] later to detect
    /// records removed from the end, which the chain alone cannot show.
    /// A relayed log has no head of its own: ask the process that writes it.
    pub fn head(&self) -> Option<Anchor> {
        self.lock().and_then(|state| state.head)
    }

    /// Writes `entry` as [`Self::append`] does, or hands it to the process that writes a relayed
    /// log.
    ///
    /// # Errors
    ///
    /// As [`Self::append`], and [`AuditError::Relay`] for a relayed log.
    pub fn record(&self, entry: Entry, durability: Durability) -> Result<(), AuditError> {
        match &self.shared.writer {
            Writer::File(_) => self.append(entry, durability).map(drop),
            Writer::Relay(sink) => sink.append(entry, durability),
        }
    }

    /// Writes `entry` as the next record, stamped with the current time, the
    /// next sequence number and the hash of the line before, and returns that
    /// record's anchor once it is as durable as `durability` asks.
    ///
    /// # Errors
    ///
    /// When writing fails the file is cut back to its last whole record and
    /// [`AuditError::Write`] is returned; if it cannot be cut back, or a
    /// flush to disk fails ([`AuditError::Sync`]), the log refuses every later
    /// record with [`AuditError::Failed`]. In every error case the operation
    /// the entry describes must not proceed.
    pub fn append(&self, entry: Entry, durability: Durability) -> Result<Anchor, AuditError> {
        let path = &self.shared.path;
        let mut guard = match &self.shared.writer {
            Writer::File(state) => lock(state),
            Writer::Relay(_) => {
                return Err(AuditError::Relay {
                    path: path.clone(),
                    reason: "only the process that writes the log knows its anchors; use \
                             `record`"
                        .into(),
                });
            }
        };
        let state = &mut *guard;
        if state.failed {
            return Err(AuditError::Failed { path: path.clone() });
        }

        let (seq, prev) = match state.head {
            None => (0, Sha256Digest::ZERO),
            Some(head) => match head.seq.checked_add(1) {
                Some(seq) => (seq, head.hash),
                None => return Err(AuditError::Exhausted { path: path.clone() }),
            },
        };
        let record = entry.into_record(seq, UtcDateTime::now().truncate_to_microsecond(), prev);
        state.line.clear();
        serde_json::to_writer(&mut state.line, &record).map_err(|source| AuditError::Encode {
            path: path.clone(),
            source,
        })?;
        state.line.push(b'\n');
        let anchor = Anchor {
            seq,
            hash: Sha256Digest::of(&state.line),
        };

        if let Err(source) = state.file.write_all(&state.line) {
            // Drop whatever part of the line reached the file, so that the
            // next record follows the last whole one.
            state.failed = state.file.set_len(state.len).is_err();
            return Err(AuditError::Write {
                path: path.clone(),
                source,
            });
        }
        state.len += state.line.len() as u64;
        state.head = Some(anchor);
        state.unsynced = true;

        if durability == Durability::Synced {
            state.sync(path)?;
        }
        Ok(anchor)
    }

    /// Flushes every buffered record to disk.
    ///
    /// # Errors
    ///
    /// [`AuditError::Sync`] when the flush fails, and [`AuditError::Failed`]
    /// when an earlier one did.
    pub fn flush(&self) -> Result<(), AuditError> {
        // A relayed record is as durable as asked when its append returns.
        let Some(mut state) = self.lock() else {
            return Ok(());
        };
        if state.failed {
            return Err(AuditError::Failed {
                path: self.shared.path.clone(),
            });
        }
        state.sync(&self.shared.path)
    }

    fn lock(&self) -> Option<MutexGuard<'_, State>> {
        match &self.shared.writer {
            Writer::File(state) => Some(lock(state)),
            Writer::Relay(_) => None,
        }
    }
}

/// The state behind the lock. No code panics while holding it, so a poisoned lock still guards
/// consistent state.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.shared.path)
            .finish_non_exhaustive()
    }
}

impl State {
    fn sync(&mut self, path: &Path) -> Result<(), AuditError> {
        if !self.unsynced {
            return Ok(());
        }
        match self.file.sync_data() {
            Ok(()) => {
                self.unsynced = false;
                Ok(())
            }
            Err(source) => {
                // After a failed flush the kernel may have dropped the data;
                // a later flush that succeeds would not prove otherwise.
                self.failed = true;
                Err(AuditError::Sync {
                    path: path.to_path_buf(),
                    source,
                })
            }
        }
    }
}

impl Drop for State {
    /// Flushes buffered records when the last handle goes. A failure here
    /// cannot be reported; callers that need to know call `flush` first.
    fn drop(&mut self) {
        if self.unsynced && !self.failed {
            let _ = self.file.sync_data();
        }
    }
}

/// Makes the log's directory, owner-only on Unix, if it does not exist.
fn create_parent(path: &Path) -> Result<(), AuditError> {
    let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    else {
        return Ok(());
    };
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(parent)
        .map_err(|source| AuditError::CreateDir {
            path: parent.to_path_buf(),
            source,
        })
}

/// The anchor of the record on `line` (`\n` included), found at open.
fn head_of(path: &Path, line: &[u8]) -> Result<Anchor, AuditError> {
    let body = line.strip_suffix(b"\n").unwrap_or(line);
    let record: Record = serde_json::from_slice(body).map_err(|error| AuditError::BadTail {
        path: path.to_path_buf(),
        reason: error.to_string(),
    })?;
    Ok(Anchor {
        seq: record.seq,
        hash: Sha256Digest::of(line),
    })
}

#[cfg(test)]
mod tests;
