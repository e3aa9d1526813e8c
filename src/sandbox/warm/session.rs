//! Following one job's child from the agent: writing its audit records, gathering its output,
//! and stopping it at its deadline or when the job is aborted.

use std::future::Future;

use super::Ending;
use super::spawn::ChildProcess;
use super::uplink::AuditRequest;
use super::wire;
use crate::audit::Durability;
use crate::capability::RunContext;
use crate::sandbox::job::{Outcome, RunResult};
use crate::sandbox::limits::Limits;

/// The agent's end of a job's socket; frames are read through a buffer, so that most cost one
/// system call.
pub type Link = tokio::io::BufReader<tokio::net::UnixStream>;

/// One capped stream, gathered from the child's frames; the child caps it too, this is the
/// agent not trusting a process that ran a script.
pub struct Gathered {
    cap: usize,
    kept: Vec<u8>,
    dropped: bool,
}

impl Gathered {
    fn new(cap: usize) -> Self {
        Self {
            cap,
            kept: Vec::new(),
            dropped: false,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        let room = self.cap.saturating_sub(self.kept.len());
        let take = room.min(bytes.len());
        self.kept.extend_from_slice(&bytes[..take]);
        self.dropped |= take < bytes.len();
    }

    /// The text (invalid UTF-8 replaced) and whether anything was cut, here or in the child.
    pub fn text(&mut self, cut_in_child: bool) -> (String, bool) {
        let kept = std::mem::take(&mut self.kept);
        (
            String::from_utf8_lossy(&kept).into_owned(),
            self.dropped || cut_in_child,
        )
    }
}

pub struct Session<'a> {
    context: &'a RunContext,
    pub stdout: Gathered,
    pub stderr: Gathered,
}

impl<'a> Session<'a> {
    pub fn new(context: &'a RunContext, limits: &Limits) -> Self {
        Self {
            context,
            stdout: Gathered::new(limits.stdout_bytes),
            stderr: Gathered::new(limits.stderr_bytes),
        }
    }

    /// Serves the child until it reports, ends, runs out of time or is aborted.
    pub async fn follow(
        &mut self,
        link: &mut Link,
        child: &ChildProcess,
        limits: &Limits,
        abort: impl Future<Output = ()>,
    ) -> Ending {
        let deadline = tokio::time::sleep(limits.timeout);
        tokio::pin!(deadline);
        tokio::pin!(abort);
        loop {
            tokio::select! {
                frame = wire::read_async(link) => match frame {
                    Ok(Some((wire::AUDIT, payload))) => {
                        let (recorded, synced) = self.record(&payload);
                        if synced {
                            let sent = match wire::encode(&recorded) {
                                Ok(reply) => wire::write_async(link, wire::WRITTEN, &reply).await,
                                Err(e) => Err(e),
                            };
                            if sent.is_err() {
                                child.kill();
                                return Ending::Stopped(lost("its audit records could not be answered"));
                            }
                        } else if let Err(reason) = recorded {
                            child.kill();
                            return Ending::Stopped(lost(&format!(
                                "an audit record of its could not be written ({reason})"
                            )));
                        }
                    }
                    Ok(Some((wire::STDOUT, bytes))) => self.stdout.push(&bytes),
                    Ok(Some((wire::STDERR, bytes))) => self.stderr.push(&bytes),
                    Ok(Some((wire::DONE, payload))) => {
                        return match wire::decode::<RunResult>(&payload) {
                            Ok(result) => Ending::Reported(Box::new(result)),
                            Err(e) => Ending::Stopped(lost(&format!("its result was malformed: {e}"))),
                        };
                    }
                    Ok(Some((kind, _))) => {
                        child.kill();
                        return Ending::Stopped(lost(&format!("it sent an unknown frame `{}`", kind as char)));
                    }
                    Ok(None) => return Ending::Stopped(lost("it ended without a result")),
                    Err(e) => {
                        child.kill();
                        return Ending::Stopped(lost(&format!("its connection failed: {e}")));
                    }
                },
                () = &mut deadline => {
                    child.kill();
                    return Ending::Stopped(Outcome::TimedOut);
                }
                () = &mut abort => {
                    child.kill();
                    return Ending::Stopped(Outcome::Aborted);
                }
            }
        }
    }

    /// Writes one of the child's audit records to the agent's log; says how that went, and
    /// whether the child waits to hear it (a synced record, before an operation that changes the
    /// host, which the child refuses unless the record is written).
    fn record(&self, payload: &[u8]) -> (Result<(), String>, bool) {
        let request: AuditRequest = match wire::decode(payload) {
            Ok(request) => request,
            Err(e) => return (Err(e.to_string()), true),
        };
        let synced = request.durability == Durability::Synced;
        let recorded = match &self.context.audit {
            Some(log) => log
                .record(request.entry, request.durability)
                .map_err(|e| e.to_string()),
            None => Err("this agent keeps no audit log".into()),
        };
        (recorded, synced)
    }
}

/// The job's process stopped without a result: killed from outside, or out of memory at the
/// level of the operating system.
fn lost(why: &str) -> Outcome {
    Outcome::Crashed {
        message: format!("the job's process stopped: {why}"),
    }
}
