//! Following one job's child from the agent: writing its audit records, gathering its output,
//! and stopping it at its deadline or when the job is aborted.

use std::future::Future;

use super::Ending;
use super::pool::ChildProcess;
use super::uplink::AuditRequest;
use super::wire;
use crate::capability::RunContext;
use crate::sandbox::job::{Outcome, RunResult};
use crate::sandbox::limits::Limits;

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
        link: &mut tokio::net::UnixStream,
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
                        let reply = self.record(&payload);
                        let sent = match wire::encode(&reply) {
                            Ok(reply) => wire::write_async(link, wire::WRITTEN, &reply).await,
                            Err(e) => Err(e),
                        };
                        if sent.is_err() {
                            child.kill();
                            return Ending::Stopped(lost("its audit records could not be answered"));
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

    /// Writes one of the child's audit records to the agent's log and says how that went; the
    /// child refuses the operation unless it hears that the record is written.
    fn record(&self, payload: &[u8]) -> Result<crate::audit::Anchor, String> {
        let request: AuditRequest = wire::decode(payload).map_err(|e| e.to_string())?;
        match &self.context.audit {
            Some(log) => log
                .append(request.entry, request.durability)
                .map_err(|e| e.to_string()),
            None => Err("this agent keeps no audit log".into()),
        }
    }
}

/// The job's process stopped without a result: killed from outside, or out of memory at the
/// level of the operating system.
fn lost(why: &str) -> Outcome {
    Outcome::Crashed {
        message: format!("the job's process stopped: {why}"),
    }
}
