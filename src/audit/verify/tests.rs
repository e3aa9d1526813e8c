//! One test for each way a log can be tampered with, each checking that
//! the break is reported at the right line for the right reason.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use super::super::test_support::{sample_entry, write_log};
use super::super::{AuditLog, Durability, Sha256Digest};
use super::{Anchor, Break, Problem, Verdict, Verified, verify, verify_with_anchor};

type TestResult = Result<(), Box<dyn Error>>;

/// A directory holding a log of `count` sample records, and the log's path.
fn sample_log(count: usize) -> Result<(tempfile::TempDir, PathBuf), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("audit.jsonl");
    write_log(&path, count)?;
    Ok((dir, path))
}

/// The log's lines, each with its `\n`.
fn read_lines(path: &Path) -> Result<Vec<String>, Box<dyn Error>> {
    Ok(fs::read_to_string(path)?
        .split_inclusive('\n')
        .map(str::to_owned)
        .collect())
}

fn write_lines(path: &Path, lines: &[String]) -> TestResult {
    Ok(fs::write(path, lines.concat())?)
}

fn broken_at(line: u64, problem: Problem) -> Verdict {
    Verdict::Broken(Break { line, problem })
}

fn problem_at(verdict: Verdict, line: u64) -> Result<Problem, Box<dyn Error>> {
    match verdict {
        Verdict::Broken(broken) if broken.line == line => Ok(broken.problem),
        other => Err(format!("expected a break at line {line}, got {other:?}").into()),
    }
}

#[test]
fn untouched_log_is_intact_with_its_head() -> TestResult {
    let (_dir, path) = sample_log(5)?;
    let last = read_lines(&path)?.pop().ok_or("empty log")?;

    let head = Some(Anchor {
        seq: 4,
        hash: Sha256Digest::of(last.as_bytes()),
    });
    assert_eq!(
        verify(&path)?,
        Verdict::Intact(Verified { records: 5, head })
    );
    Ok(())
}

#[test]
fn empty_log_is_intact_with_no_head() -> TestResult {
    let (_dir, path) = sample_log(0)?;

    assert_eq!(
        verify(&path)?,
        Verdict::Intact(Verified {
            records: 0,
            head: None
        })
    );
    Ok(())
}

#[test]
fn detects_an_edited_field_at_the_next_line() -> TestResult {
    let (_dir, path) = sample_log(5)?;
    let mut lines = read_lines(&path)?;
    lines[1] = lines[1].replace("/var/log/app/1.log", "/var/log/app/9.log");
    write_lines(&path, &lines)?;

    let problem = problem_at(verify(&path)?, 3)?;
    assert!(matches!(problem, Problem::Prev { .. }), "{problem}");
    Ok(())
}

#[test]
fn detects_an_edited_first_prev() -> TestResult {
    let (_dir, path) = sample_log(3)?;
    let mut lines = read_lines(&path)?;
    let forged = Sha256Digest::of(b"an earlier record");
    lines[0] = lines[0].replace(&Sha256Digest::ZERO.to_string(), &forged.to_string());
    write_lines(&path, &lines)?;

    assert_eq!(
        verify(&path)?,
        broken_at(1, Problem::NotFromZero { found: forged })
    );
    Ok(())
}

#[test]
fn detects_a_line_deleted_in_the_middle() -> TestResult {
    let (_dir, path) = sample_log(5)?;
    let mut lines = read_lines(&path)?;
    lines.remove(2);
    write_lines(&path, &lines)?;

    assert_eq!(
        verify(&path)?,
        broken_at(
            3,
            Problem::Sequence {
                expected: 2,
                found: 3
            }
        )
    );
    Ok(())
}

#[test]
fn detects_a_deleted_first_line() -> TestResult {
    let (_dir, path) = sample_log(3)?;
    let mut lines = read_lines(&path)?;
    lines.remove(0);
    write_lines(&path, &lines)?;

    assert_eq!(
        verify(&path)?,
        broken_at(
            1,
            Problem::Sequence {
                expected: 0,
                found: 1
            }
        )
    );
    Ok(())
}

#[test]
fn detects_two_swapped_lines() -> TestResult {
    let (_dir, path) = sample_log(5)?;
    let mut lines = read_lines(&path)?;
    lines.swap(1, 2);
    write_lines(&path, &lines)?;

    assert_eq!(
        verify(&path)?,
        broken_at(
            2,
            Problem::Sequence {
                expected: 1,
                found: 2
            }
        )
    );
    Ok(())
}

#[test]
fn detects_an_inserted_record_even_when_it_chains_correctly() -> TestResult {
    let (_dir, path) = sample_log(4)?;
    let mut lines = read_lines(&path)?;
    let mut forged: super::Record = serde_json::from_str(&lines[2])?;
    forged.target = "/etc/shadow".to_owned();
    forged.prev = Sha256Digest::of(lines[1].as_bytes());
    lines.insert(2, format!("{}\n", serde_json::to_string(&forged)?));
    write_lines(&path, &lines)?;

    assert_eq!(
        verify(&path)?,
        broken_at(
            4,
            Problem::Sequence {
                expected: 3,
                found: 2
            }
        )
    );
    Ok(())
}

#[test]
fn detects_an_inserted_line_that_is_not_a_record() -> TestResult {
    let (_dir, path) = sample_log(3)?;
    let mut lines = read_lines(&path)?;
    lines.insert(1, "agent restarted\n".to_owned());
    write_lines(&path, &lines)?;

    let problem = problem_at(verify(&path)?, 2)?;
    assert!(matches!(problem, Problem::NotRecord(_)), "{problem}");
    Ok(())
}

#[test]
fn detects_a_record_with_an_unknown_field() -> TestResult {
    let (_dir, path) = sample_log(3)?;
    let mut lines = read_lines(&path)?;
    lines[2] = lines[2].replacen('{', r#"{"approved":true,"#, 1);
    write_lines(&path, &lines)?;

    let problem = problem_at(verify(&path)?, 3)?;
    assert!(matches!(problem, Problem::NotRecord(_)), "{problem}");
    Ok(())
}

#[test]
fn detects_a_truncated_last_line() -> TestResult {
    let (_dir, path) = sample_log(3)?;
    let bytes = fs::read(&path)?;
    fs::write(&path, &bytes[..bytes.len() - 10])?;

    assert_eq!(verify(&path)?, broken_at(3, Problem::Torn));
    Ok(())
}

#[test]
fn removed_last_records_pass_the_chain_but_not_the_anchor() -> TestResult {
    let (_dir, path) = sample_log(5)?;
    let anchor = AuditLog::open(&path)?.head().ok_or("no head")?;
    let mut lines = read_lines(&path)?;
    lines.truncate(3);
    write_lines(&path, &lines)?;

    assert!(matches!(
        verify(&path)?,
        Verdict::Intact(Verified { records: 3, .. })
    ));
    let verdict = verify_with_anchor(&path, anchor)?;
    assert_eq!(verdict, broken_at(4, Problem::AnchorMissing { seq: 4 }));
    Ok(())
}

#[test]
fn edited_last_record_passes_the_chain_but_not_the_anchor() -> TestResult {
    let (_dir, path) = sample_log(3)?;
    let anchor = AuditLog::open(&path)?.head().ok_or("no head")?;
    let mut lines = read_lines(&path)?;
    lines[2] = lines[2].replace("\"allow\"", "\"deny\"");
    write_lines(&path, &lines)?;

    assert!(matches!(verify(&path)?, Verdict::Intact(_)));
    let problem = problem_at(verify_with_anchor(&path, anchor)?, 3)?;
    assert!(
        matches!(problem, Problem::AnchorMismatch { seq: 2, .. }),
        "{problem}"
    );
    Ok(())
}

#[test]
fn log_rewritten_with_a_fresh_chain_fails_the_anchor() -> TestResult {
    let (_dir, path) = sample_log(3)?;
    let anchor = AuditLog::open(&path)?.head().ok_or("no head")?;
    fs::remove_file(&path)?;
    let log = AuditLog::open(&path)?;
    for n in 10..13 {
        log.append(sample_entry(n), Durability::Buffered)?;
    }
    drop(log);

    assert!(matches!(verify(&path)?, Verdict::Intact(_)));
    let problem = problem_at(verify_with_anchor(&path, anchor)?, 3)?;
    assert!(
        matches!(problem, Problem::AnchorMismatch { .. }),
        "{problem}"
    );
    Ok(())
}

#[test]
fn log_grown_past_its_anchor_is_intact() -> TestResult {
    let (_dir, path) = sample_log(3)?;
    let log = AuditLog::open(&path)?;
    let anchor = log.head().ok_or("no head")?;
    log.append(sample_entry(3), Durability::Synced)?;
    drop(log);

    assert!(matches!(
        verify_with_anchor(&path, anchor)?,
        Verdict::Intact(Verified { records: 4, .. })
    ));
    Ok(())
}

#[test]
fn break_names_its_line() {
    let broken = Break {
        line: 7,
        problem: Problem::Torn,
    };

    assert!(broken.to_string().starts_with("line 7: "));
}
