//! The host channel: how the guest's `psutil`, `winreg` and `ward` modules reach processes and
//! the registry, which WASI does not have.
//!
//! The guest opens `/ward/run/channel` (a file in its scratch directory) and writes one JSON
//! request per line; each write of a complete line is answered by one JSON reply line that the
//! guest reads back from the same descriptor. Nothing reaches the underlying file. Every frame is
//! bounded before the host allocates for it, and a malformed one is answered with an error, never
//! a crash.

use std::collections::VecDeque;

use serde::Deserialize;
use serde_json::{Value, json};
use tracing::Instrument;
use wasmtime_wasi::p1::types::{self, Errno};
use wasmtime_wasi::p1::wasi_snapshot_preview1::WasiSnapshotPreview1;
use wiggle::GuestMemory;

use super::{FdKind, MediatedWasi};

/// Name of the channel file in the scratch directory.
pub const CHANNEL_NAME: &str = "channel";

/// Largest request line accepted; a longer one is discarded and answered with an error.
pub const MAX_REQUEST_BYTES: usize = 1 << 20;

/// Buffered bytes of one channel: the request being written and the replies not yet read.
#[derive(Default)]
pub struct Channel {
    request: Vec<u8>,
    discarding: bool,
    replies: VecDeque<u8>,
}

/// One request as the guest sends it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub op: String,
    #[serde(default)]
    pub args: Value,
}

/// A refusal or failure, with the kind the guest module maps to a Python exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    pub kind: &'static str,
    pub message: String,
}

impl HostError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidRequest", message)
    }
}

fn reply_line(reply: Result<Value, HostError>) -> Vec<u8> {
    let value = match reply {
        Ok(value) => json!({ "ok": value }),
        Err(error) => json!({ "error": { "type": error.kind, "message": error.message } }),
    };
    let mut line = serde_json::to_vec(&value).unwrap_or_else(|_| b"{}".to_vec());
    line.push(b'\n');
    line
}

impl MediatedWasi {
    fn is_channel(&self, fd: types::Fd) -> bool {
        matches!(self.fds.get(&u32::from(fd)), Some(FdKind::Channel))
    }

    pub(super) async fn fd_write_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        fd: types::Fd,
        ciovs: types::CiovecArray,
    ) -> Result<types::Size, types::Error> {
        if !self.is_channel(fd) {
            return self.inner.fd_write(memory, fd, ciovs).await;
        }
        let mut written: u32 = 0;
        let mut lines = Vec::new();
        for iov in ciovs.iter() {
            let iov: types::Ciovec = memory.read(iov?)?;
            let bytes = memory.as_cow(iov.buf.as_array(iov.buf_len))?;
            written = written.saturating_add(iov.buf_len);
            lines.extend(self.channel.accept(&bytes));
        }
        for line in lines {
            let reply = match line {
                Ok(line) => self.serve(&line).await,
                Err(error) => Err(error),
            };
            self.channel.replies.extend(reply_line(reply));
        }
        Ok(written)
    }

    pub(super) async fn fd_read_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        fd: types::Fd,
        iovs: types::IovecArray,
    ) -> Result<types::Size, types::Error> {
        if !self.is_channel(fd) {
            return self.inner.fd_read(memory, fd, iovs).await;
        }
        let mut read: u32 = 0;
        for iov in iovs.iter() {
            let iov: types::Iovec = memory.read(iov?)?;
            let take = self.channel.replies.len().min(iov.buf_len as usize);
            if take == 0 {
                break;
            }
            let chunk: Vec<u8> = self.channel.replies.drain(..take).collect();
            memory.copy_from_slice(&chunk, iov.buf.as_array(take as u32))?;
            read += take as u32;
        }
        Ok(read)
    }

    pub(super) async fn fd_pread_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        fd: types::Fd,
        iovs: types::IovecArray,
        offset: types::Filesize,
    ) -> Result<types::Size, types::Error> {
        if self.is_channel(fd) {
            return Err(Errno::Spipe.into());
        }
        self.inner.fd_pread(memory, fd, iovs, offset).await
    }

    pub(super) async fn fd_pwrite_mediated(
        &mut self,
        memory: &mut GuestMemory<'_>,
        fd: types::Fd,
        ciovs: types::CiovecArray,
        offset: types::Filesize,
    ) -> Result<types::Size, types::Error> {
        if self.is_channel(fd) {
            return Err(Errno::Spipe.into());
        }
        self.inner.fd_pwrite(memory, fd, ciovs, offset).await
    }

    /// Decodes one request line and carries it out.
    async fn serve(&mut self, line: &[u8]) -> Result<Value, HostError> {
        let request: Request = serde_json::from_slice(line)
            .map_err(|e| HostError::invalid(format!("malformed request: {e}")))?;
        let span =
            tracing::debug_span!("host_call", run_id = %self.context.run.run_id, op = %request.op);
        self.dispatch(request).instrument(span).await
    }
}

impl Channel {
    /// Takes written bytes and returns each complete request line, or an error for one that was
    /// too long. Bytes past the limit are dropped as they arrive, so a flood costs no memory.
    fn accept(&mut self, bytes: &[u8]) -> Vec<Result<Vec<u8>, HostError>> {
        let mut complete = Vec::new();
        for piece in bytes.split_inclusive(|b| *b == b'\n') {
            let ends = piece.last() == Some(&b'\n');
            let body = if ends {
                &piece[..piece.len() - 1]
            } else {
                piece
            };
            if !self.discarding && self.request.len() + body.len() > MAX_REQUEST_BYTES {
                self.discarding = true;
                self.request = Vec::new();
            }
            if !self.discarding {
                self.request.extend_from_slice(body);
            }
            if ends {
                if std::mem::take(&mut self.discarding) {
                    complete.push(Err(HostError::invalid(format!(
                        "request longer than {MAX_REQUEST_BYTES} bytes"
                    ))));
                } else {
                    complete.push(Ok(std::mem::take(&mut self.request)));
                }
            }
        }
        complete
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_split_across_writes_are_joined() {
        let mut channel = Channel::default();
        assert!(channel.accept(b"{\"op\":").is_empty());
        let lines = channel.accept(b"\"x\"}\n{\"op\":\"y\"}\n");
        assert_eq!(
            lines,
            vec![
                Ok(b"{\"op\":\"x\"}".to_vec()),
                Ok(b"{\"op\":\"y\"}".to_vec())
            ]
        );
    }

    #[test]
    fn an_oversized_request_is_refused_without_keeping_it() {
        let mut channel = Channel::default();
        let chunk = vec![b'a'; MAX_REQUEST_BYTES / 2 + 1];
        assert!(channel.accept(&chunk).is_empty());
        assert!(channel.accept(&chunk).is_empty());
        assert!(channel.request.is_empty());
        let lines = channel.accept(b"tail\n{}\n");
        assert!(matches!(&lines[0], Err(e) if e.kind == "InvalidRequest"));
        assert_eq!(lines[1], Ok(b"{}".to_vec()));
    }
}
