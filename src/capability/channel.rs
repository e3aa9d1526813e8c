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

/// Replies the guest has not read yet, past which a new request is refused (`ENOBUFS`).
pub const MAX_UNREAD_REPLY_BYTES: usize = 8 << 20;

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
        if self.channel.replies.len() > MAX_UNREAD_REPLY_BYTES {
            return Err(Errno::Nobufs.into());
        }
        // One request per call at most: the rest of the buffer is left for the guest to write
        // again, so a flood of requests is served one host call at a time, each under the run's
        // timeout, and unread replies never pile up past the limit above.
        let mut written: u32 = 0;
        let mut request = None;
        for iov in ciovs.iter() {
            let iov: types::Ciovec = memory.read(iov?)?;
            let bytes = memory.as_cow(iov.buf.as_array(iov.buf_len))?;
            let (consumed, line) = self.channel.accept(&bytes);
            written = written.saturating_add(u32::try_from(consumed).unwrap_or(u32::MAX));
            if line.is_some() {
                request = line;
                break;
            }
        }
        if let Some(line) = request {
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
        let request = Request::decode(line)?;
        let span =
            tracing::debug_span!("host_call", run_id = %self.context.run.run_id, op = %request.op);
        self.dispatch(request).instrument(span).await
    }
}

impl Request {
    /// Decodes one request line (without its newline), as the channel does before dispatching it.
    ///
    /// # Errors
    ///
    /// An `InvalidRequest` [`HostError`] for bytes that are not one JSON request object.
    pub fn decode(line: &[u8]) -> Result<Request, HostError> {
        serde_json::from_slice(line)
            .map_err(|e| HostError::invalid(format!("malformed request: {e}")))
    }
}

impl Channel {
    /// Takes written bytes up to the end of the first complete request line, and returns how
    /// many it took and that line (or an error for one that was too long). Bytes past the limit
    /// are dropped as they arrive, so a flood costs no memory.
    pub fn accept(&mut self, bytes: &[u8]) -> (usize, Option<Result<Vec<u8>, HostError>>) {
        let (body, consumed, ends) = match bytes.iter().position(|b| *b == b'\n') {
            Some(end) => (&bytes[..end], end + 1, true),
            None => (bytes, bytes.len(), false),
        };
        if !self.discarding && self.request.len() + body.len() > MAX_REQUEST_BYTES {
            self.discarding = true;
            self.request = Vec::new();
        }
        if !self.discarding {
            self.request.extend_from_slice(body);
        }
        if !ends {
            return (consumed, None);
        }
        let line = if std::mem::take(&mut self.discarding) {
            Err(HostError::invalid(format!(
                "request longer than {MAX_REQUEST_BYTES} bytes"
            )))
        } else {
            Ok(std::mem::take(&mut self.request))
        };
        (consumed, Some(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_split_across_writes_are_joined() {
        let mut channel = Channel::default();
        assert_eq!(channel.accept(b"{\"op\":"), (6, None));
        let (consumed, line) = channel.accept(b"\"x\"}\n{\"op\":\"y\"}\n");
        assert_eq!(consumed, 5, "only the first request is taken");
        assert_eq!(line, Some(Ok(b"{\"op\":\"x\"}".to_vec())));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Whatever bytes the guest writes, in whatever pieces, the decoder never panics, keeps
        /// at most one request's worth of bytes, and yields each line at most once.
        #[test]
        fn arbitrary_writes_never_panic_or_grow_past_one_request(
            pieces in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..512), 0..16)
        ) {
            let mut channel = Channel::default();
            for piece in &pieces {
                let mut rest: &[u8] = piece;
                while !rest.is_empty() {
                    let (consumed, line) = channel.accept(rest);
                    proptest::prop_assert!(consumed > 0 && consumed <= rest.len());
                    if let Some(Ok(line)) = line {
                        let _ = serde_json::from_slice::<Request>(&line);
                    }
                    rest = &rest[consumed..];
                }
                proptest::prop_assert!(channel.request.len() <= MAX_REQUEST_BYTES);
            }
        }
    }

    #[test]
    fn an_oversized_request_is_refused_without_keeping_it() {
        let mut channel = Channel::default();
        let chunk = vec![b'a'; MAX_REQUEST_BYTES / 2 + 1];
        assert_eq!(channel.accept(&chunk).1, None);
        assert_eq!(channel.accept(&chunk).1, None);
        assert!(channel.request.is_empty());
        let (_, line) = channel.accept(b"tail\n{}\n");
        assert!(matches!(line, Some(Err(e)) if e.kind == "InvalidRequest"));
        assert_eq!(channel.accept(b"{}\n").1, Some(Ok(b"{}".to_vec())));
    }
}
