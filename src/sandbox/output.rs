//! Capture of the guest's standard output and error, capped in size.
//!
//! A script that floods its output must neither exhaust the host's memory nor fail: bytes past
//! the cap are accepted and dropped, and the run's result says the stream was truncated.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Receives the kept bytes as they are written, instead of the pipe keeping them.
pub type Forward = Box<dyn FnMut(&[u8]) + Send>;

struct Captured {
    cap: usize,
    /// Bytes accepted so far, whether kept here or forwarded.
    accepted: usize,
    kept: Vec<u8>,
    dropped: u64,
    forward: Option<Forward>,
}

/// One capped stream; clones share the same buffer and cap.
#[derive(Clone)]
pub struct CappedPipe {
    inner: Arc<Mutex<Captured>>,
}

impl CappedPipe {
    pub fn new(cap: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Captured {
                cap,
                accepted: 0,
                kept: Vec::new(),
                dropped: 0,
                forward: None,
            })),
        }
    }

    /// Starts over with a new cap, handing what is written to `forward` from now on. A warm
    /// interpreter's child does this for its job, whose output must reach the agent even if the
    /// child is killed before it ends.
    pub fn restart(&self, cap: usize, forward: Forward) {
        let mut inner = self.lock();
        *inner = Captured {
            cap,
            accepted: 0,
            kept: Vec::new(),
            dropped: 0,
            forward: Some(forward),
        };
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Captured> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, bytes: &[u8]) {
        let mut inner = self.lock();
        let room = inner.cap.saturating_sub(inner.accepted);
        let take = room.min(bytes.len());
        inner.accepted += take;
        inner.dropped += (bytes.len() - take) as u64;
        if take == 0 {
            return;
        }
        match &mut inner.forward {
            Some(forward) => forward(&bytes[..take]),
            None => inner.kept.extend_from_slice(&bytes[..take]),
        }
    }

    /// The text kept (invalid UTF-8 replaced) and whether anything was dropped.
    pub fn take(&self) -> (String, bool) {
        let mut inner = self.lock();
        let kept = std::mem::take(&mut inner.kept);
        (
            String::from_utf8_lossy(&kept).into_owned(),
            inner.dropped > 0,
        )
    }
}

impl IsTerminal for CappedPipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CappedPipe {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Pollable for CappedPipe {
    async fn ready(&mut self) {}
}

impl OutputStream for CappedPipe {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 << 10)
    }
}

impl tokio::io::AsyncWrite for CappedPipe {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
