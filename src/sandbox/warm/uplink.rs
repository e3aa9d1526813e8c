//! A child's one connection to the agent: its audit records, its output and its result.

use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::wire;
use crate::audit::{AuditError, Durability, Entry, RecordSink};

/// An audit record on its way to the agent. The agent answers a synced record only, once it and
/// every record before it are written; when it cannot write a buffered one it kills the child,
/// so no operation follows a record the log lacks by more than the time that takes.
#[derive(Serialize, Deserialize)]
pub struct AuditRequest {
    pub entry: Entry,
    pub durability: Durability,
}

/// Shared by the audit log, the output pipes and the child's last step; empty until the child
/// is given its job, so that nothing the warm-up does can reach the agent.
#[derive(Clone)]
pub struct Uplink {
    audit_log: PathBuf,
    stream: Arc<Mutex<Option<UnixStream>>>,
}

impl Uplink {
    pub fn new(audit_log: PathBuf) -> Self {
        Self {
            audit_log,
            stream: Arc::default(),
        }
    }

    pub fn connect(&self, stream: UnixStream) {
        *self.lock() = Some(stream);
    }

    fn lock(&self) -> MutexGuard<'_, Option<UnixStream>> {
        self.stream.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends one frame; a child whose agent is gone has no one to report to, and ends.
    pub fn send(&self, kind: u8, payload: &[u8]) {
        let mut guard = self.lock();
        let Some(stream) = guard.as_mut() else {
            return;
        };
        if let Err(e) = wire::write(stream, kind, payload) {
            tracing::error!(error = %e, "the agent stopped listening to this job; ending it");
            std::process::exit(1);
        }
    }

    fn relay(&self, request: &AuditRequest) -> Result<(), String> {
        let mut guard = self.lock();
        let stream = guard.as_mut().ok_or("no job is running in this process")?;
        let payload = wire::encode(request).map_err(|e| e.to_string())?;
        wire::write(stream, wire::AUDIT, &payload).map_err(|e| e.to_string())?;
        if request.durability == Durability::Buffered {
            return Ok(());
        }
        match wire::read(stream).map_err(|e| e.to_string())? {
            Some((wire::WRITTEN, reply)) => {
                wire::decode::<Result<(), String>>(&reply).map_err(|e| e.to_string())?
            }
            Some((kind, _)) => Err(format!("unexpected frame `{}`", kind as char)),
            None => Err("the agent closed the connection".into()),
        }
    }
}

impl RecordSink for Uplink {
    fn append(&self, entry: Entry, durability: Durability) -> Result<(), AuditError> {
        self.relay(&AuditRequest { entry, durability })
            .map_err(|reason| AuditError::Relay {
                path: self.audit_log.clone(),
                reason,
            })
    }
}
