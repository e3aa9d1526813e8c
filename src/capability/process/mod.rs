//! The process capability: lists, describes and ends host processes for the
//! guest's `psutil` module.
//!
//! WASI has no processes, so a script's `psutil` calls reach the host over the
//! channel as `process.list`, `process.get` and `process.kill`. The channel
//! dispatcher asks the policy and writes the audit record; this module only
//! acts, reading the system through `sysinfo` and signalling through `rustix`.
//! Answers use psutil's vocabulary ([`ProcessInfo`]) and failures carry the
//! channel's error kinds ([`ProcessError::kind`]).

mod error;
mod info;
mod signal;
#[cfg(all(test, unix))]
mod tests;

use std::collections::HashMap;
use std::sync::Once;
use std::time::{Duration, Instant};

use sysinfo::{Pid, Process, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind, Users};

pub use error::ProcessError;
pub use info::ProcessInfo;
pub use signal::KillSignal;

/// The longest CPU measurement interval [`ProcessTable::list`] and
/// [`ProcessTable::get`] wait for; longer requests are measured over this.
pub const MAX_CPU_INTERVAL: Duration = Duration::from_secs(10);

/// Turns the `cpu_interval` of a channel request (seconds, or `null`) into the
/// interval [`ProcessTable::list`] and [`ProcessTable::get`] take. Zero means
/// no interval, as in psutil.
///
/// # Errors
///
/// [`ProcessError::InvalidInterval`] for a negative, infinite or NaN value.
pub fn parse_cpu_interval(seconds: Option<f64>) -> Result<Option<Duration>, ProcessError> {
    match seconds {
        None => Ok(None),
        Some(seconds) => match Duration::try_from_secs_f64(seconds) {
            Ok(interval) if interval.is_zero() => Ok(None),
            Ok(interval) => Ok(Some(interval)),
            Err(_) => Err(ProcessError::InvalidInterval { seconds }),
        },
    }
}

/// The host's processes as seen by one run, remembering what it saw so that
/// CPU percent can be measured between two looks, as psutil does.
///
/// Meant to live as long as the run it serves. The first time it is created
/// in a process, it asks sysinfo not to keep a `/proc` file open for every
/// process it has seen, so that listing processes does not hold hundreds of
/// descriptors in ward.
#[derive(Debug)]
pub struct ProcessTable {
    system: System,
    users: Users,
    /// CPU time of each process at the table's last look at it.
    samples: HashMap<u32, CpuSample>,
    /// Full names seen, by pid and start time; see `keep_full_name`.
    full_names: HashMap<(u32, u64), String>,
}

/// A process's CPU time at one moment, tied to its start time so that a pid
/// reused by a new process is not compared with the old one.
#[derive(Debug, Clone, Copy)]
struct CpuSample {
    start_time: u64,
    cpu_millis: u64,
    at: Instant,
}

impl CpuSample {
    fn of(process: &Process, at: Instant) -> Self {
        CpuSample {
            start_time: process.start_time(),
            cpu_millis: process.accumulated_cpu_time(),
            at,
        }
    }

    /// Percent of one core used from `earlier` to `self`, to one decimal as
    /// psutil rounds it; 0.0 when `earlier` belongs to another process.
    ///
    /// CPU time advances in clock ticks, so over a few milliseconds one tick
    /// can look like many cores at work; the result is capped at `cores`
    /// times 100, which no process can exceed.
    fn percent_since(&self, earlier: &CpuSample, cores: usize) -> f64 {
        let wall = self.at.saturating_duration_since(earlier.at).as_secs_f64();
        if earlier.start_time != self.start_time || wall <= 0.0 {
            return 0.0;
        }
        let busy = self.cpu_millis.saturating_sub(earlier.cpu_millis) as f64 / 1000.0;
        let percent = (busy / wall * 1000.0).round() / 10.0;
        percent.min(cores as f64 * 100.0)
    }
}

impl ProcessTable {
    /// An empty table; it reads the system on the first call.
    pub fn new() -> Self {
        static KEEP_NO_PROC_FILES: Once = Once::new();
        KEEP_NO_PROC_FILES.call_once(|| {
            sysinfo::set_open_files_limit(0);
        });

        ProcessTable {
            system: System::new(),
            users: Users::new(),
            samples: HashMap::new(),
            full_names: HashMap::new(),
        }
    }

    /// Every process, by increasing pid.
    ///
    /// With `cpu_interval`, reads the processes, waits that long (at most
    /// [`MAX_CPU_INTERVAL`]) and reports CPU percent over the wait; the wait
    /// is a tokio timer, so dropping the future (a run's timeout) ends it.
    /// Without one, CPU percent covers the time since this table last looked
    /// at each process, and is 0.0 for a process it has not seen before.
    pub async fn list(&mut self, cpu_interval: Option<Duration>) -> Vec<ProcessInfo> {
        self.look(None, cpu_interval).await
    }

    /// The process `pid`, with CPU percent measured as [`ProcessTable::list`]
    /// measures it.
    ///
    /// # Errors
    ///
    /// [`ProcessError::NoSuchProcess`] when no process has that pid, or it
    /// ended during the interval.
    pub async fn get(
        &mut self,
        pid: u32,
        cpu_interval: Option<Duration>,
    ) -> Result<ProcessInfo, ProcessError> {
        self.look(Some(Pid::from_u32(pid)), cpu_interval)
            .await
            .pop()
            .ok_or(ProcessError::NoSuchProcess { pid })
    }

    /// Sends `signal` to the process `pid` and returns without waiting for it
    /// to end.
    ///
    /// # Errors
    ///
    /// [`ProcessError::NoSuchProcess`] when no process has that pid (including
    /// 0 and pids too large to name one process), [`ProcessError::AccessDenied`]
    /// when the system refuses (EPERM), [`ProcessError::Signal`] otherwise.
    pub fn signal(&mut self, pid: u32, signal: KillSignal) -> Result<(), ProcessError> {
        signal::send(&mut self.system, pid, signal)
    }

    /// Reads `only` one process or all of them, twice around a wait when there
    /// is an interval, and describes them.
    async fn look(
        &mut self,
        only: Option<Pid>,
        cpu_interval: Option<Duration>,
    ) -> Vec<ProcessInfo> {
        if let Some(interval) = cpu_interval.filter(|interval| !interval.is_zero()) {
            self.refresh(only);
            self.remember(only, Instant::now());
            tokio::time::sleep(interval.min(MAX_CPU_INTERVAL)).await;
        }

        self.refresh(only);
        self.users.refresh();
        let now = Instant::now();
        let cores = self.cores();
        let mut seen: Vec<ProcessInfo> = self
            .processes(only)
            .map(|(pid, process)| {
                let cpu_percent = self.samples.get(&pid.as_u32()).map_or(0.0, |earlier| {
                    CpuSample::of(process, now).percent_since(earlier, cores)
                });
                ProcessInfo::describe(process, cpu_percent, &self.users)
            })
            .collect();
        for info in &mut seen {
            self.keep_full_name(info);
        }
        seen.sort_by_key(|info| info.pid);
        self.remember(only, now);
        seen
    }

    fn refresh(&mut self, only: Option<Pid>) {
        let what = ProcessRefreshKind::nothing()
            .with_cpu()
            .with_memory()
            .with_cmd(UpdateKind::Always)
            .with_exe(UpdateKind::Always)
            .with_user(UpdateKind::Always)
            .without_tasks();
        let only = only.as_slice();
        let which = if only.is_empty() {
            ProcessesToUpdate::All
        } else {
            ProcessesToUpdate::Some(only)
        };
        self.system.refresh_processes_specifics(which, true, what);
    }

    /// Logical CPUs, as sysinfo counted them while reading CPU times, or as
    /// the standard library sees them where sysinfo did not.
    fn cores(&self) -> usize {
        match self.system.cpus().len() {
            0 => std::thread::available_parallelism().map_or(1, |cores| cores.get()),
            cores => cores,
        }
    }

    /// The processes of the last refresh: the one asked for, or all.
    fn processes(&self, only: Option<Pid>) -> impl Iterator<Item = (Pid, &Process)> {
        let all = self.system.processes();
        let selected: Box<dyn Iterator<Item = (&Pid, &Process)>> = match only {
            Some(pid) => Box::new(all.get_key_value(&pid).into_iter()),
            None => Box::new(all.iter()),
        };
        selected.map(|(pid, process)| (*pid, process))
    }

    /// Linux cuts a process name to 15 bytes, and once the process is a zombie its command line,
    /// which gave the full name, is gone too. The full name seen earlier for the same process
    /// (same pid and start time) is kept, so the policy judges a dying process by the name it
    /// judged it by while it ran.
    fn keep_full_name(&mut self, info: &mut ProcessInfo) {
        let key = (info.pid, info.create_time.to_bits());
        match self.full_names.get(&key) {
            Some(full) if full.len() > info.name.len() && full.starts_with(&info.name) => {
                info.name = full.clone();
            }
            _ => {
                self.full_names.insert(key, info.name.clone());
            }
        }
    }

    /// Records the CPU time of the processes just read, forgetting those that
    /// are gone.
    fn remember(&mut self, only: Option<Pid>, at: Instant) {
        let fresh: Vec<(u32, CpuSample)> = self
            .processes(only)
            .map(|(pid, process)| (pid.as_u32(), CpuSample::of(process, at)))
            .collect();
        match only {
            None => self.samples = fresh.into_iter().collect(),
            Some(pid) => {
                self.samples.remove(&pid.as_u32());
                self.samples.extend(fresh);
            }
        }
    }
}

impl Default for ProcessTable {
    fn default() -> Self {
        ProcessTable::new()
    }
}
