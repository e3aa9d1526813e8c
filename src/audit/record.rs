//! What one line of the audit log says, and the [`Entry`] that the
//! capability layer fills in for it.
//!
//! The caller says who acted, on what, and what was decided; the log adds
//! the time, the sequence number and the hash of the line before
//! (see [`super::AuditLog::append`]). [`Record`] is also what
//! [`super::verify`] reads back, so it rejects any field it does not know.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::UtcDateTime;

use super::chain::Sha256Digest;

/// Operation name of the record written when a run starts.
pub const RUN_START: &str = "run.start";

/// Operation name of the record written when a run ends, however it ended.
pub const RUN_END: &str = "run.end";

/// Longest text kept in one field, in bytes. Targets and error texts come
/// from the guest; cutting them keeps every line far below the length that
/// reading a log accepts.
pub const MAX_FIELD_BYTES: usize = 8 * 1024;

/// Whether the policy let an operation through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The operation was allowed to reach the host.
    Allow,
    /// The operation was refused before it reached the host.
    Deny,
}

/// One line of the audit log, in the order its fields are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// Position in the file, from 0 for its first record.
    pub seq: u64,
    /// When the record was written, in UTC to the microsecond, written as
    /// RFC 3339 with six fractional digits (`2025-01-31T08:15:02.123456Z`).
    #[serde(with = "timestamp")]
    pub time: UtcDateTime,
    /// The run the operation belongs to.
    pub run_id: String,
    /// Name of the script as it is known in the script library.
    pub script: String,
    /// SHA-256 of the script's source as it was run.
    pub script_sha256: Sha256Digest,
    /// What was attempted: `file.read`, `process.kill`, `registry.write`,
    /// [`RUN_START`], [`RUN_END`], ...
    pub operation: String,
    /// What it was attempted on: a path, `pid 123 (name)`, a registry key.
    pub target: String,
    /// What the policy decided.
    pub decision: Decision,
    /// What decided it: `policies/default.toml:12`, `protected: audit log`.
    pub rule: String,
    /// What came of the operation, or its error text; `null` when the record
    /// was written before the operation could have an outcome.
    pub outcome: Option<String>,
    /// How long the operation took in microseconds; `null` when unknown.
    pub duration_us: Option<u64>,
    /// SHA-256 of the previous line of the file, or 64 zeros on the first.
    pub prev: Sha256Digest,
}

/// The run a record is about: filled once per run and borrowed by each
/// [`Entry`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptRun {
    /// Identifier of the run.
    pub run_id: String,
    /// Name of the script.
    pub script: String,
    /// SHA-256 of the script's source.
    pub script_sha256: Sha256Digest,
}

/// The caller's part of a record. Outcome and duration start unknown
/// (`null`), which is what a record written before the operation says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    run: ScriptRun,
    operation: String,
    target: String,
    decision: Decision,
    rule: String,
    outcome: Option<String>,
    duration: Option<Duration>,
}

impl Entry {
    /// An entry for `operation` on `target` in `run`, decided by `rule`.
    pub fn new(
        run: &ScriptRun,
        operation: impl Into<String>,
        target: impl Into<String>,
        decision: Decision,
        rule: impl Into<String>,
    ) -> Self {
        Self {
            run: run.clone(),
            operation: operation.into(),
            target: target.into(),
            decision,
            rule: rule.into(),
            outcome: None,
            duration: None,
        }
    }

    /// Sets what came of the operation, or its error text.
    pub fn outcome(mut self, text: impl Into<String>) -> Self {
        self.outcome = Some(text.into());
        self
    }

    /// Sets how long the operation took; stored in whole microseconds,
    /// saturating at `u64::MAX`.
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// Completes the entry into the record at `seq`, cutting any text field
    /// longer than [`MAX_FIELD_BYTES`].
    pub(super) fn into_record(self, seq: u64, time: UtcDateTime, prev: Sha256Digest) -> Record {
        Record {
            seq,
            time,
            run_id: capped(self.run.run_id),
            script: capped(self.run.script),
            script_sha256: self.run.script_sha256,
            operation: capped(self.operation),
            target: capped(self.target),
            decision: self.decision,
            rule: capped(self.rule),
            outcome: self.outcome.map(capped),
            duration_us: self
                .duration
                .map(|duration| u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)),
            prev,
        }
    }
}

/// Marks a field that was cut to [`MAX_FIELD_BYTES`].
const CUT_MARK: &str = "…[cut]";

fn capped(mut text: String) -> String {
    if text.len() > MAX_FIELD_BYTES {
        let keep = text.floor_char_boundary(MAX_FIELD_BYTES - CUT_MARK.len());
        text.truncate(keep);
        text.push_str(CUT_MARK);
    }
    text
}

/// The one spelling of a record's time: UTC, six fractional digits, `Z`.
mod timestamp {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::UtcDateTime;
    use time::format_description::BorrowedFormatItem;
    use time::macros::format_description;

    const FORMAT: &[BorrowedFormatItem<'_>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

    pub fn serialize<S: Serializer>(time: &UtcDateTime, serializer: S) -> Result<S::Ok, S::Error> {
        let text = time.format(FORMAT).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<UtcDateTime, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        UtcDateTime::parse(&text, FORMAT).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> ScriptRun {
        ScriptRun {
            run_id: "run-1".to_owned(),
            script: "collect_logs".to_owned(),
            script_sha256: Sha256Digest::of(b"print('hi')\n"),
        }
    }

    fn at(text: &str) -> Result<UtcDateTime, time::error::Parse> {
        UtcDateTime::parse(text, &time::format_description::well_known::Rfc3339)
    }

    #[test]
    fn record_serializes_with_documented_names_and_time_format()
    -> Result<(), Box<dyn std::error::Error>> {
        let entry = Entry::new(
            &run(),
            "file.read",
            "/etc/hosts",
            Decision::Allow,
            "p.toml:3",
        )
        .outcome("ok")
        .duration(Duration::from_micros(42));
        let record = entry.into_record(7, at("2025-01-31T08:15:02.5Z")?, Sha256Digest::ZERO);
        let text = serde_json::to_string(&record)?;

        assert!(
            text.starts_with(r#"{"seq":7,"time":"2025-01-31T08:15:02.500000Z","run_id":"run-1","#)
        );
        assert!(
            text.contains(
                r#""decision":"allow","rule":"p.toml:3","outcome":"ok","duration_us":42,"#
            )
        );
        assert_eq!(serde_json::from_str::<Record>(&text)?, record);
        Ok(())
    }

    #[test]
    fn unknown_outcome_and_duration_are_written_as_null() -> Result<(), Box<dyn std::error::Error>>
    {
        let entry = Entry::new(
            &run(),
            "file.write",
            "/srv/app/out.txt",
            Decision::Allow,
            "p.toml:9",
        );
        let record = entry.into_record(0, at("2025-01-31T08:15:02Z")?, Sha256Digest::ZERO);
        let text = serde_json::to_string(&record)?;

        assert!(text.contains(r#""outcome":null,"duration_us":null,"#));
        assert!(text.contains(r#""time":"2025-01-31T08:15:02.000000Z""#));
        Ok(())
    }

    #[test]
    fn record_rejects_unknown_fields_and_other_time_spellings()
    -> Result<(), Box<dyn std::error::Error>> {
        let entry = Entry::new(&run(), "file.read", "/a", Decision::Deny, "default");
        let record = entry.into_record(0, at("2025-01-31T08:15:02Z")?, Sha256Digest::ZERO);
        let text = serde_json::to_string(&record)?;

        let extra = text.replacen('{', r#"{"note":"x","#, 1);
        assert!(serde_json::from_str::<Record>(&extra).is_err());
        let offset = text.replace(".000000Z", ".000000+00:00");
        assert!(serde_json::from_str::<Record>(&offset).is_err());
        Ok(())
    }

    #[test]
    fn long_fields_are_cut_at_a_character_boundary() -> Result<(), time::error::Parse> {
        let target = "é".repeat(MAX_FIELD_BYTES);
        let entry = Entry::new(&run(), "file.read", target, Decision::Deny, "default");
        let record = entry.into_record(0, at("2025-01-31T08:15:02Z")?, Sha256Digest::ZERO);

        assert!(record.target.len() <= MAX_FIELD_BYTES);
        assert!(record.target.ends_with(CUT_MARK));
        Ok(())
    }

    #[test]
    fn huge_durations_saturate() -> Result<(), time::error::Parse> {
        let entry = Entry::new(&run(), RUN_END, "collect_logs", Decision::Allow, "run")
            .duration(Duration::MAX);
        let record = entry.into_record(0, at("2025-01-31T08:15:02Z")?, Sha256Digest::ZERO);

        assert_eq!(record.duration_us, Some(u64::MAX));
        Ok(())
    }
}
