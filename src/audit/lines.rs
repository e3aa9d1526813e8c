//! Reading whole lines out of a log file without trusting it: each line is
//! capped at [`MAX_LINE_BYTES`] before anything is allocated for it, and a
//! last line without its `\n` is reported rather than taken as complete.
//!
//! [`super::verify`] reads forwards from the start; [`super::AuditLog::open`]
//! reads only the last line, backwards from the end, so that opening a
//! large log costs the same as opening a small one.

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};

/// Longest line accepted when reading a log, `\n` excluded. Lines written by
/// the log stay far below it (see [`super::record::MAX_FIELD_BYTES`]).
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// How much is read at a time while looking backwards for a line start.
const CHUNK: u64 = 8 * 1024;

/// What reading one line found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Line {
    /// The file has no more bytes.
    End,
    /// A full line is in the buffer, `\n` included.
    Complete,
    /// The file ends with a line that has no `\n`; its bytes are in the buffer.
    Torn,
    /// The line is longer than [`MAX_LINE_BYTES`].
    TooLong,
}

/// Reads the next line into `buf` (cleared first).
pub(super) fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<Line> {
    buf.clear();
    let limit = MAX_LINE_BYTES as u64 + 1;
    let read = reader.take(limit).read_until(b'\n', buf)?;
    Ok(match buf.last() {
        None if read == 0 => Line::End,
        Some(b'\n') => Line::Complete,
        _ if buf.len() > MAX_LINE_BYTES => Line::TooLong,
        _ => Line::Torn,
    })
}

/// What the end of a log file holds.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Tail {
    /// The file is empty.
    Empty,
    /// The last line, `\n` included.
    Line(Vec<u8>),
    /// The file does not end with `\n`.
    Torn,
    /// The last line is longer than [`MAX_LINE_BYTES`].
    TooLong,
}

/// Reads the last line of `file`, whose length is `len`.
pub(super) fn read_tail(file: &mut File, len: u64) -> io::Result<Tail> {
    if len == 0 {
        return Ok(Tail::Empty);
    }

    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    if last[0] != b'\n' {
        return Ok(Tail::Torn);
    }

    // Walk back from the final `\n` until the previous one (or the start of
    // the file), never looking further back than the longest allowed line.
    let content_end = len - 1;
    let lowest = content_end.saturating_sub(MAX_LINE_BYTES as u64 + 1);
    let mut start = None;
    let mut chunk_end = content_end;
    let mut chunk = Vec::new();
    while start.is_none() && chunk_end > lowest {
        let chunk_start = chunk_end.saturating_sub(CHUNK).max(lowest);
        chunk.resize((chunk_end - chunk_start) as usize, 0);
        file.seek(SeekFrom::Start(chunk_start))?;
        file.read_exact(&mut chunk)?;
        start = chunk
            .iter()
            .rposition(|&b| b == b'\n')
            .map(|i| chunk_start + i as u64 + 1);
        chunk_end = chunk_start;
    }
    let start = match start {
        Some(start) => start,
        None if lowest == 0 => 0,
        None => return Ok(Tail::TooLong),
    };
    if content_end - start > MAX_LINE_BYTES as u64 {
        return Ok(Tail::TooLong);
    }

    let mut line = vec![0u8; (len - start) as usize];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut line)?;
    Ok(Tail::Line(line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Write};

    fn file_with(bytes: &[u8]) -> io::Result<(tempfile::TempDir, File, u64)> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("log.jsonl");
        File::create(&path)?.write_all(bytes)?;
        Ok((dir, File::open(&path)?, bytes.len() as u64))
    }

    #[test]
    fn reads_complete_then_torn_lines() -> io::Result<()> {
        let mut reader = BufReader::new(&b"one\ntwo\nthr"[..]);
        let mut buf = Vec::new();

        assert_eq!(read_line(&mut reader, &mut buf)?, Line::Complete);
        assert_eq!(buf, b"one\n");
        assert_eq!(read_line(&mut reader, &mut buf)?, Line::Complete);
        assert_eq!(read_line(&mut reader, &mut buf)?, Line::Torn);
        assert_eq!(buf, b"thr");
        assert_eq!(read_line(&mut reader, &mut buf)?, Line::End);
        Ok(())
    }

    #[test]
    fn refuses_a_line_longer_than_the_cap() -> io::Result<()> {
        let long = vec![b'x'; MAX_LINE_BYTES + 10];
        let mut reader = BufReader::new(&long[..]);
        let mut buf = Vec::new();

        assert_eq!(read_line(&mut reader, &mut buf)?, Line::TooLong);
        assert_eq!(buf.len(), MAX_LINE_BYTES + 1);
        Ok(())
    }

    #[test]
    fn tail_is_the_last_line_whatever_its_length() -> io::Result<()> {
        let long = "y".repeat(3 * CHUNK as usize + 5);
        let content = format!("first\n{long}\n");
        let (_dir, mut file, len) = file_with(content.as_bytes())?;
        assert_eq!(
            read_tail(&mut file, len)?,
            Tail::Line(format!("{long}\n").into_bytes())
        );

        let (_dir, mut file, len) = file_with(b"only\n")?;
        assert_eq!(read_tail(&mut file, len)?, Tail::Line(b"only\n".to_vec()));
        Ok(())
    }

    #[test]
    fn tail_accepts_a_line_of_exactly_the_cap() -> io::Result<()> {
        let mut content = b"first\n".to_vec();
        content.extend(vec![b'z'; MAX_LINE_BYTES]);
        content.push(b'\n');
        let (_dir, mut file, len) = file_with(&content)?;

        let tail = read_tail(&mut file, len)?;
        assert!(matches!(tail, Tail::Line(line) if line.len() == MAX_LINE_BYTES + 1));
        Ok(())
    }

    #[test]
    fn tail_reports_empty_torn_and_too_long_files() -> io::Result<()> {
        let (_dir, mut file, len) = file_with(b"")?;
        assert_eq!(read_tail(&mut file, len)?, Tail::Empty);

        let (_dir, mut file, len) = file_with(b"one\ntw")?;
        assert_eq!(read_tail(&mut file, len)?, Tail::Torn);

        let mut long = vec![b'z'; MAX_LINE_BYTES + 1];
        long.push(b'\n');
        let (_dir, mut file, len) = file_with(&long)?;
        assert_eq!(read_tail(&mut file, len)?, Tail::TooLong);
        Ok(())
    }
}
