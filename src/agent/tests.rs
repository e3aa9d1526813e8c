//! Unit tests of the agent's durable parts: the journal and outbox, the recovery after a crash,
//! retrieval through the policy, and the backoff.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Map;

use super::deliver::Backoff;
use super::execute::not_run;
use super::retrieve::retrieve;
use super::spool::{JournaledJob, OutboxEntry, Spool};
use super::{AGENT_STOPPED, recover};
use crate::api::agent::{JobSpec, ResultReport};
use crate::audit::AuditLog;
use crate::capability::HostAccess;
use crate::policy::{Policy, Protected, Risk};
use crate::status::Status;

fn spec(job_id: &str) -> JobSpec {
    JobSpec {
        job_id: job_id.into(),
        action_id: 7,
        script_name: "probe".into(),
        code: "print(1)".into(),
        entry_point: String::new(),
        parameters: Map::new(),
        timeout_secs: 5,
        risk: Risk::Standard,
    }
}

fn host(readable: &Path, audit: &Path, max_bytes: u64) -> HostAccess {
    let text = format!(
        "[[allow]]\nrisk = [\"standard\"]\noperations = [\"file.read\"]\npaths = [\"{}/**\"]\n\n\
         [limits]\nmax_retrieved_file_bytes = {max_bytes}\n",
        readable.display()
    );
    let policy = Policy::parse(&text, "test policy", Protected::new()).unwrap();
    HostAccess {
        policy: Arc::new(policy),
        audit: Some(AuditLog::open(audit).unwrap()),
        registry: None,
    }
}

#[test]
fn a_result_stays_in_the_outbox_until_it_is_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path()).unwrap();
    let entry = OutboxEntry {
        job_id: "job-1".into(),
        action_id: 7,
        report: ResultReport {
            result: not_run("run-1", Status::Failed, "no"),
            failed_files: Vec::new(),
        },
        files: Vec::new(),
    };

    spool.post(&entry).unwrap();
    assert!(spool.has_result("job-1"));
    assert_eq!(Spool::open(dir.path()).unwrap().pending().len(), 1);

    spool.delivered("job-1").unwrap();
    assert!(spool.pending().is_empty());
    assert!(
        spool.has_result("job-1"),
        "a delivered job stays settled for this process"
    );
    assert!(
        !Spool::open(dir.path()).unwrap().has_result("job-1"),
        "and only for it"
    );
}

#[test]
fn a_job_journaled_without_a_result_is_reported_failed_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path()).unwrap();
    let job = JournaledJob {
        run_id: "run-9".into(),
        spec: spec("job-9"),
    };
    spool.record_job(&job).unwrap();
    let audit = dir.path().join("audit.jsonl");

    recover(&spool, &host(dir.path(), &audit, 1));

    let log = std::fs::read_to_string(&audit).unwrap();
    assert!(log.contains("\"run_id\":\"run-9\""), "{log}");
    assert!(log.contains("\"run.end\""), "{log}");
    let pending = spool.pending();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].report.result.status, Status::Failed);
    assert_eq!(
        pending[0].report.result.error.as_deref(),
        Some(AGENT_STOPPED)
    );
    assert!(spool.journaled().is_empty());
}

#[test]
fn job_ids_that_could_leave_the_spool_are_refused() {
    assert!(Spool::valid_id("0f3a-job_12"));
    assert!(!Spool::valid_id("../agent"));
    assert!(!Spool::valid_id("a/b"));
    assert!(!Spool::valid_id(""));
    assert!(!Spool::valid_id(&"x".repeat(200)));
}

#[test]
fn retrieval_stages_an_allowed_file_with_its_hash_and_audits_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("report.txt"), b"hello").unwrap();
    let audit = dir.path().join("audit.jsonl");
    let host = host(&data, &audit, 1024);
    let stage = dir.path().join("stage");
    let asked = data.join("report.txt").display().to_string();

    let (staged, failed) = retrieve(
        &host,
        &spec("j"),
        "run-r",
        std::slice::from_ref(&asked),
        &stage,
    );

    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(staged[0].path, asked);
    assert_eq!(staged[0].size, 5);
    assert_eq!(
        staged[0].sha256,
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    assert_eq!(
        std::fs::read(stage.join(&staged[0].staged)).unwrap(),
        b"hello"
    );
    let log = std::fs::read_to_string(&audit).unwrap();
    assert!(
        log.contains("file.read") && log.contains("report.txt"),
        "{log}"
    );
}

#[test]
fn retrieval_refuses_paths_the_policy_denies_and_files_over_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("big.bin"), vec![0u8; 100]).unwrap();
    std::fs::write(dir.path().join("secret.txt"), b"no").unwrap();
    let host = host(&data, &dir.path().join("audit.jsonl"), 10);
    let asked = [
        data.join("big.bin").display().to_string(),
        dir.path().join("secret.txt").display().to_string(),
        "relative.txt".to_string(),
        data.join("missing.txt").display().to_string(),
    ];

    let (staged, failed) = retrieve(&host, &spec("j"), "run-r", &asked, &dir.path().join("s"));

    assert!(staged.is_empty());
    let reasons: Vec<&str> = failed.iter().map(|f| f.reason.as_str()).collect();
    assert!(reasons[0].contains("limit of 10 bytes"), "{reasons:?}");
    assert!(reasons[1].contains("denied by the policy"), "{reasons:?}");
    assert!(reasons[2].contains("absolute"), "{reasons:?}");
    assert_eq!(reasons[3], "no such file");
}

#[cfg(unix)]
#[test]
fn retrieval_judges_a_link_by_where_it_leads() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(dir.path().join("outside.txt"), b"secret").unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside.txt"), data.join("link.txt")).unwrap();
    let host = host(&data, &dir.path().join("audit.jsonl"), 1024);
    let asked = [data.join("link.txt").display().to_string()];

    let (staged, failed) = retrieve(&host, &spec("j"), "run-r", &asked, &dir.path().join("s"));

    assert!(staged.is_empty());
    assert!(
        failed[0].reason.contains("denied by the policy"),
        "{failed:?}"
    );
}

#[test]
fn backoff_doubles_up_to_its_cap_and_starts_over_after_a_reset() {
    let mut backoff = Backoff::new();
    let waits: Vec<Duration> = (0..10).map(|_| backoff.step()).collect();

    assert!(waits[0] <= Duration::from_millis(250));
    assert!(waits[1] > waits[0] / 2);
    assert!(waits.iter().all(|w| *w <= Duration::from_secs(10)));
    assert!(waits[9] >= Duration::from_millis(7500));
    backoff.reset();
    assert!(backoff.step() <= Duration::from_millis(250));
}
