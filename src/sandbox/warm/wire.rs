//! Frames between the agent, its warm interpreters' process and each job's child process.
//!
//! A frame is one kind byte, a little-endian `u32` length and that many bytes: JSON for
//! messages, raw bytes for output. The job's own socket travels with the job frame as an
//! `SCM_RIGHTS` message, so no path or address ever names it.

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;

use rustix::net::{
    RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags, recvmsg, sendmsg,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Agent to process: the set-up of its warm interpreter ([`super::zygote::Setup`]).
pub const SETUP: u8 = b'S';
/// Process to agent: the interpreter is warm and waits for jobs; or why it could not start.
pub const READY: u8 = b'R';
pub const FAILED: u8 = b'F';
/// Agent to process: one job, with the socket of its child process attached.
pub const JOB: u8 = b'J';
/// Child to agent: its pid and scratch directory; the agent answers [`GO`].
pub const STARTED: u8 = b'P';
pub const GO: u8 = b'G';
/// Child to agent: an audit record to write; the agent answers [`WRITTEN`].
pub const AUDIT: u8 = b'A';
pub const WRITTEN: u8 = b'W';
/// Child to agent: bytes the script wrote to standard output or error, already capped.
pub const STDOUT: u8 = b'O';
pub const STDERR: u8 = b'E';
/// Child to agent: the run's result, its output left out (it came as [`STDOUT`]/[`STDERR`]).
pub const DONE: u8 = b'D';

/// No frame is larger: the biggest are a job's code and a result, both capped well below it.
const MAX_FRAME: usize = 256 << 20;

fn header(kind: u8, len: usize) -> io::Result<[u8; 5]> {
    let len = u32::try_from(len)
        .ok()
        .filter(|len| *len as usize <= MAX_FRAME)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "frame too large"))?;
    let mut header = [kind, 0, 0, 0, 0];
    header[1..].copy_from_slice(&len.to_le_bytes());
    Ok(header)
}

fn length(header: &[u8; 5]) -> io::Result<usize> {
    let len = u32::from_le_bytes([header[1], header[2], header[3], header[4]]) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    Ok(len)
}

pub fn encode<T: Serialize>(message: &T) -> io::Result<Vec<u8>> {
    serde_json::to_vec(message).map_err(io::Error::other)
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> io::Result<T> {
    serde_json::from_slice(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Writes a frame with one system call rather than two: a child may send thousands of audit
/// records a second.
pub fn write(to: &mut impl Write, kind: u8, payload: &[u8]) -> io::Result<()> {
    to.write_all(&frame(kind, payload)?)
}

fn frame(kind: u8, payload: &[u8]) -> io::Result<Vec<u8>> {
    let mut frame = Vec::with_capacity(5 + payload.len());
    frame.extend_from_slice(&header(kind, payload.len())?);
    frame.extend_from_slice(payload);
    Ok(frame)
}

/// The next frame, or `None` at a clean end of the stream.
pub fn read(from: &mut impl Read) -> io::Result<Option<(u8, Vec<u8>)>> {
    let mut head = [0u8; 5];
    match from.read_exact(&mut head) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut payload = vec![0; length(&head)?];
    from.read_exact(&mut payload)?;
    Ok(Some((head[0], payload)))
}

pub async fn write_async(
    to: &mut (impl AsyncWrite + Unpin),
    kind: u8,
    payload: &[u8],
) -> io::Result<()> {
    to.write_all(&frame(kind, payload)?).await
}

pub async fn read_async(from: &mut (impl AsyncRead + Unpin)) -> io::Result<Option<(u8, Vec<u8>)>> {
    let mut head = [0u8; 5];
    match from.read_exact(&mut head).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut payload = vec![0; length(&head)?];
    from.read_exact(&mut payload).await?;
    Ok(Some((head[0], payload)))
}

/// Writes a [`JOB`] frame with `socket` attached to its first byte.
pub fn send_job(to: &mut UnixStream, payload: &[u8], socket: &OwnedFd) -> io::Result<()> {
    let head = header(JOB, payload.len())?;
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    let fds = [socket.as_fd()];
    control.push(SendAncillaryMessage::ScmRights(&fds));
    let sent = sendmsg(
        &*to,
        &[IoSlice::new(&head)],
        &mut control,
        SendFlags::empty(),
    )?;
    to.write_all(&head[sent..])?;
    to.write_all(payload)
}

/// Reads a [`JOB`] frame and the socket attached to it; `None` when the agent closed the
/// stream.
pub fn receive_job(from: &mut UnixStream) -> io::Result<Option<(Vec<u8>, OwnedFd)>> {
    let mut head = [0u8; 5];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let received = recvmsg(
        &*from,
        &mut [IoSliceMut::new(&mut head)],
        &mut control,
        RecvFlags::CMSG_CLOEXEC,
    )?;
    if received.bytes == 0 {
        return Ok(None);
    }
    let mut socket = None;
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(fds) = message {
            socket = fds.into_iter().next();
        }
    }
    from.read_exact(&mut head[received.bytes..])?;
    let socket = socket.filter(|_| head[0] == JOB).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "a job frame came without its socket",
        )
    })?;
    let mut payload = vec![0; length(&head)?];
    from.read_exact(&mut payload)?;
    Ok(Some((payload, socket)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_frame_carries_its_socket() -> io::Result<()> {
        let (mut agent, mut process) = UnixStream::pair()?;
        let (ours, theirs) = UnixStream::pair()?;
        send_job(&mut agent, b"{\"x\":1}", &OwnedFd::from(theirs))?;
        let (payload, socket) = receive_job(&mut process)?.expect("a job");
        assert_eq!(payload, b"{\"x\":1}");
        let mut theirs = UnixStream::from(socket);
        write(&mut theirs, DONE, b"done")?;
        let mut ours = ours;
        assert_eq!(read(&mut ours)?, Some((DONE, b"done".to_vec())));
        drop(agent);
        assert!(receive_job(&mut process)?.is_none());
        Ok(())
    }

    #[test]
    fn an_oversized_length_is_refused_before_allocating() {
        let mut bytes: &[u8] = &[AUDIT, 0xff, 0xff, 0xff, 0xff];
        assert!(read(&mut bytes).is_err());
    }
}
