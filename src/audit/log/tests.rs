//! Tests of the writer: chaining, reopening, sharing, and refusing to
//! continue a damaged or already open log.

use std::error::Error;
use std::fs;
use std::io::Write;
use std::thread;

use super::super::test_support::{sample_entry, write_log};
use super::super::{Record, Sha256Digest, Verdict, verify};
use super::{AuditError, AuditLog, Durability};

type TestResult = Result<(), Box<dyn Error>>;

fn records(path: &std::path::Path) -> Result<Vec<Record>, Box<dyn Error>> {
    let text = fs::read_to_string(path)?;
    Ok(text
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?)
}

fn intact_count(path: &std::path::Path) -> Result<u64, Box<dyn Error>> {
    match verify(path)? {
        Verdict::Intact(verified) => Ok(verified.records),
        Verdict::Broken(broken) => Err(broken.to_string().into()),
    }
}

#[test]
fn first_record_chains_from_zeros_and_each_next_from_the_line_before() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 3)?;

    let text = fs::read_to_string(&path)?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let records = records(&path)?;
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].prev, Sha256Digest::ZERO);
    for n in 1..3 {
        assert_eq!(records[n].seq, n as u64);
        assert_eq!(records[n].prev, Sha256Digest::of(lines[n - 1].as_bytes()));
    }
    Ok(())
}

#[test]
fn append_returns_the_anchor_that_head_reports() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("audit.jsonl");
    let log = AuditLog::open(&path)?;
    assert_eq!(log.head(), None);

    log.append(sample_entry(0), Durability::Synced)?;
    let anchor = log.append(sample_entry(1), Durability::Synced)?;

    let text = fs::read_to_string(&path)?;
    let last = text.split_inclusive('\n').next_back().ok_or("no line")?;
    assert_eq!(anchor.seq, 1);
    assert_eq!(anchor.hash, Sha256Digest::of(last.as_bytes()));
    assert_eq!(log.head(), Some(anchor));
    Ok(())
}

#[test]
fn reopening_continues_the_sequence_and_the_chain() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 2)?;

    let log = AuditLog::open(&path)?;
    let before = log.head().ok_or("no head after reopening")?;
    let anchor = log.append(sample_entry(2), Durability::Synced)?;
    drop(log);

    assert_eq!(before.seq, 1);
    assert_eq!(anchor.seq, 2);
    assert_eq!(records(&path)?[2].prev, before.hash);
    assert_eq!(intact_count(&path)?, 3);
    Ok(())
}

#[test]
fn buffered_records_reach_the_file_in_order() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("audit.jsonl");
    let log = AuditLog::open(&path)?;
    for n in 0..5 {
        log.append(sample_entry(n), Durability::Buffered)?;
    }

    let seqs: Vec<u64> = records(&path)?.iter().map(|record| record.seq).collect();
    assert_eq!(seqs, [0, 1, 2, 3, 4]);
    log.flush()?;
    Ok(())
}

#[test]
fn ten_thousand_buffered_records_verify() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 10_000)?;

    assert_eq!(intact_count(&path)?, 10_000);
    Ok(())
}

#[test]
fn clones_on_many_threads_share_one_chain() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("audit.jsonl");
    let log = AuditLog::open(&path)?;

    thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|worker| {
                let log = log.clone();
                scope.spawn(move || -> Result<(), AuditError> {
                    for n in 0..100 {
                        let durability = if n % 10 == 0 {
                            Durability::Synced
                        } else {
                            Durability::Buffered
                        };
                        log.append(sample_entry(worker * 100 + n), durability)?;
                    }
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|worker| match worker.join() {
                Ok(result) => result.map_err(Box::<dyn Error>::from),
                Err(_) => Err("a writer thread panicked".into()),
            })
    })?;
    drop(log);

    assert_eq!(intact_count(&path)?, 800);
    Ok(())
}

#[test]
fn log_can_be_shared_between_threads() {
    fn assert_shareable<T: Send + Sync + Clone>() {}
    assert_shareable::<AuditLog>();
}

#[test]
fn refuses_to_continue_a_log_with_a_torn_last_line() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 2)?;
    fs::OpenOptions::new()
        .append(true)
        .open(&path)?
        .write_all(br#"{"seq":2,"ti"#)?;

    let error = AuditLog::open(&path).err().ok_or("a torn log was opened")?;
    let message = error.to_string();
    assert!(matches!(error, AuditError::TornTail { .. }));
    assert!(message.contains(&path.display().to_string()));
    assert!(message.contains("ward audit verify"));
    Ok(())
}

#[test]
fn refuses_to_continue_a_log_whose_last_line_is_not_a_record() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("audit.jsonl");
    write_log(&path, 1)?;
    fs::OpenOptions::new()
        .append(true)
        .open(&path)?
        .write_all(b"starting agent\n")?;

    let error = AuditLog::open(&path)
        .err()
        .ok_or("a damaged log was opened")?;
    assert!(matches!(error, AuditError::BadTail { .. }));
    assert!(error.to_string().contains("ward audit verify"));
    Ok(())
}

#[test]
fn refuses_a_second_writer_while_the_first_is_open() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("audit.jsonl");
    let first = AuditLog::open(&path)?;

    let second = AuditLog::open(&path);
    assert!(matches!(second, Err(AuditError::Locked { .. })));
    drop(first);
    AuditLog::open(&path)?;
    Ok(())
}

#[test]
fn creates_missing_directories() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("agent").join("data").join("audit.jsonl");
    AuditLog::open(&path)?.append(sample_entry(0), Durability::Synced)?;

    assert_eq!(intact_count(&path)?, 1);
    Ok(())
}

#[cfg(unix)]
#[test]
fn new_file_and_directory_are_private_to_the_owner() -> TestResult {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("agent").join("audit.jsonl");
    AuditLog::open(&path)?;

    assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
    assert_eq!(
        fs::metadata(dir.path().join("agent"))?.permissions().mode() & 0o777,
        0o700
    );
    Ok(())
}
