//! The per-endpoint statuses of an action, with the names the consoles use.
//!
//! The sandbox produces the terminal ones; the server's state machine moves between all of them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    /// The agent has not pulled the job yet.
    #[serde(rename = "Pending")]
    Pending,
    /// The agent pulled the job and is running it.
    #[serde(rename = "In Progress")]
    InProgress,
    #[serde(rename = "Completed Successfully")]
    CompletedSuccessfully,
    /// The script could not run, or it raised, or it exited with a non-zero code.
    #[serde(rename = "Failed")]
    Failed,
    /// The script hit its timeout and was stopped.
    #[serde(rename = "Timeout")]
    Timeout,
    /// Cancelled before the agent pulled it.
    #[serde(rename = "Canceled")]
    Canceled,
    /// Abort requested while in progress; the agent has not been told yet.
    #[serde(rename = "Pending Abort")]
    PendingAbort,
    #[serde(rename = "Aborted")]
    Aborted,
    /// Not pulled within four days.
    #[serde(rename = "Expired")]
    Expired,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Pending,
        Status::InProgress,
        Status::CompletedSuccessfully,
        Status::Failed,
        Status::Timeout,
        Status::Canceled,
        Status::PendingAbort,
        Status::Aborted,
        Status::Expired,
    ];

    /// The console's display name, as in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "Pending",
            Status::InProgress => "In Progress",
            Status::CompletedSuccessfully => "Completed Successfully",
            Status::Failed => "Failed",
            Status::Timeout => "Timeout",
            Status::Canceled => "Canceled",
            Status::PendingAbort => "Pending Abort",
            Status::Aborted => "Aborted",
            Status::Expired => "Expired",
        }
    }

    /// True once nothing more can happen to this endpoint's run.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::CompletedSuccessfully
                | Status::Failed
                | Status::Timeout
                | Status::Canceled
                | Status::Aborted
                | Status::Expired
        )
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown status `{s}`; use one of: {}", names.join(", "))
            })
    }
}
