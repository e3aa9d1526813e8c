//! What ward tells a script about one process, in the shape and vocabulary of
//! psutil, built from what sysinfo read.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sysinfo::{Process, ProcessStatus, Users};

/// One process as the guest's `psutil` sees it. Serialized as a JSON object
/// with exactly these field names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessInfo {
    pub pid: u32,
    /// `None` when the system names no parent (PID 1 and kernel threads on
    /// Linux).
    pub ppid: Option<u32>,
    /// The short name, extended from the command line when Linux truncated it
    /// to 15 bytes, as psutil does.
    pub name: String,
    /// Path of the executable; `None` when the system would not say (kernel
    /// threads, or processes of other accounts).
    pub exe: Option<String>,
    /// Arguments, the program first; empty when the system would not say.
    pub cmdline: Vec<String>,
    /// The account of the real user id, or that id as text when no account
    /// has it; `None` when the system would not say.
    pub username: Option<String>,
    /// Percent of one CPU core used over the measured interval; may exceed
    /// 100 for a process busy on several cores. See
    /// [`super::ProcessTable::list`] for what the interval is.
    pub cpu_percent: f64,
    /// CPU time used so far, user and system together, in seconds. Lets the
    /// guest measure `cpu_percent` between two calls of its own, as psutil's
    /// `Process.cpu_percent()` does.
    pub cpu_time: f64,
    /// Resident set size in bytes.
    pub memory_rss: u64,
    /// Virtual memory size in bytes.
    pub memory_vms: u64,
    /// One of psutil's status strings: `running`, `sleeping`, `disk-sleep`,
    /// `stopped`, `tracing-stop`, `zombie`, `dead`, `wake-kill`, `waking`,
    /// `parked`, `idle`, `locked`, or `unknown` for a state psutil has no word
    /// for.
    pub status: String,
    /// When the process started, in seconds since the Unix epoch (whole
    /// seconds).
    pub create_time: f64,
}

impl ProcessInfo {
    /// Describes `process` with the CPU percent its table measured.
    pub(super) fn describe(process: &Process, cpu_percent: f64, users: &Users) -> Self {
        let cmdline: Vec<String> = process
            .cmd()
            .iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        let short_name = process.name().to_string_lossy();
        let username = process
            .user_id()
            .map(|uid| match users.get_user_by_id(uid) {
                Some(user) => user.name().to_owned(),
                None => (**uid).to_string(),
            });

        ProcessInfo {
            pid: process.pid().as_u32(),
            ppid: process.parent().map(|parent| parent.as_u32()),
            name: full_name(&short_name, &cmdline),
            exe: process.exe().map(|exe| exe.to_string_lossy().into_owned()),
            cmdline,
            username,
            cpu_percent,
            cpu_time: process.accumulated_cpu_time() as f64 / 1000.0,
            memory_rss: process.memory(),
            memory_vms: process.virtual_memory(),
            status: status_name(process.status()).to_owned(),
            create_time: process.start_time() as f64,
        }
    }
}

/// Linux keeps only the first 15 bytes of a process name; when the program in
/// the command line starts with those bytes, its file name is the full name.
fn full_name(short_name: &str, cmdline: &[String]) -> String {
    const TRUNCATED_LEN: usize = 15;

    if short_name.len() >= TRUNCATED_LEN
        && let Some(program) = cmdline.first()
        && let Some(file_name) = Path::new(program).file_name()
    {
        let file_name = file_name.to_string_lossy();
        if file_name.starts_with(short_name) {
            return file_name.into_owned();
        }
    }
    short_name.to_owned()
}

/// psutil's word for a process state.
fn status_name(status: ProcessStatus) -> &'static str {
    match status {
        ProcessStatus::Run => "running",
        ProcessStatus::Sleep => "sleeping",
        ProcessStatus::UninterruptibleDiskSleep => "disk-sleep",
        ProcessStatus::Stop => "stopped",
        ProcessStatus::Tracing => "tracing-stop",
        ProcessStatus::Zombie => "zombie",
        ProcessStatus::Dead => "dead",
        ProcessStatus::Wakekill => "wake-kill",
        ProcessStatus::Waking => "waking",
        ProcessStatus::Parked => "parked",
        ProcessStatus::Idle => "idle",
        ProcessStatus::LockBlocked => "locked",
        ProcessStatus::Unknown(_) => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    #[test]
    fn a_truncated_name_is_completed_from_the_command_line() {
        let cmdline = strings(&["/usr/sbin/NetworkManager-dispatcher", "--debug"]);
        assert_eq!(
            full_name("NetworkManager-", &cmdline),
            "NetworkManager-dispatcher"
        );
    }

    #[test]
    fn a_short_name_or_an_unrelated_program_keeps_the_name() {
        assert_eq!(full_name("sleep", &strings(&["/bin/sleeper"])), "sleep");
        let cmdline = strings(&["/usr/bin/python3", "worker.py"]);
        assert_eq!(full_name("a-renamed-worke", &cmdline), "a-renamed-worke");
        assert_eq!(full_name("a-renamed-worke", &[]), "a-renamed-worke");
    }

    #[test]
    fn states_use_psutil_words() {
        assert_eq!(status_name(ProcessStatus::Run), "running");
        assert_eq!(
            status_name(ProcessStatus::UninterruptibleDiskSleep),
            "disk-sleep"
        );
        assert_eq!(status_name(ProcessStatus::Tracing), "tracing-stop");
        assert_eq!(status_name(ProcessStatus::Unknown(63)), "unknown");
    }

    #[test]
    fn info_serializes_with_psutil_field_names() -> Result<(), serde_json::Error> {
        let info = ProcessInfo {
            pid: 7,
            ppid: None,
            name: "sleep".to_owned(),
            exe: None,
            cmdline: strings(&["sleep", "300"]),
            username: Some("root".to_owned()),
            cpu_percent: 0.0,
            cpu_time: 0.01,
            memory_rss: 4096,
            memory_vms: 8192,
            status: "sleeping".to_owned(),
            create_time: 1.0,
        };
        let json = serde_json::to_value(&info)?;
        assert_eq!(json["ppid"], serde_json::Value::Null);
        assert_eq!(json["cmdline"][1], "300");
        assert_eq!(json["memory_rss"], 4096);
        assert_eq!(serde_json::from_value::<ProcessInfo>(json)?, info);
        Ok(())
    }
}
