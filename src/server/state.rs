//! What every request handler shares: the store, the clock, the configuration, the sandbox
//! (to validate uploaded scripts) and the per-endpoint wake-ups of long polls.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::Clock;
use super::poll::Wakers;
use crate::db::{Db, DbError};
use crate::sandbox::Sandbox;

/// The server's settings; [`Config::new`] gives every default.
#[derive(Debug, Clone)]
pub struct Config {
    /// Holds the database (`ward.db`) and the retrieved files (`files/`).
    pub data_dir: PathBuf,
    /// Largest retrieved file accepted, in bytes. Default 100 MiB.
    pub max_file_bytes: u64,
    /// Largest JSON body accepted, in bytes. Default 32 MiB (a result carries up to 1 MiB of
    /// each output stream and 8 MiB of returned value).
    pub max_body_bytes: usize,
    /// A job not pulled within this many seconds expires. Default four days.
    pub pending_expiry_secs: i64,
    /// A job whose agent is silent for its timeout plus this many seconds fails. Default 300.
    pub silence_grace_secs: i64,
    /// Retrieved files are kept this many seconds after the script ran. Default 90 days.
    pub file_retention_secs: i64,
    /// An endpoint is connected if it polled within this many seconds. Default 60.
    pub connected_within_secs: i64,
    /// Longest long poll, in seconds; agents asking for more wait this long. Default 30.
    pub max_poll_wait_secs: u64,
    /// An abort the agent was told about but did not act on is told again after this many
    /// seconds (the answer may have been lost). Default 60.
    pub abort_retell_secs: i64,
    /// How often Pending jobs are checked for expiry. Default one minute.
    pub expiry_every: Duration,
    /// How often running jobs are checked for silent agents. Default 30 seconds.
    pub silence_every: Duration,
    /// How often retrieved files are checked for the end of their retention. Default one hour.
    pub retention_every: Duration,
    /// Serve `POST /api/v1/test/clock` (needs an adjustable [`Clock`]). Default off.
    pub test_clock: bool,
}

impl Config {
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        const DAY: i64 = 24 * 60 * 60;
        Config {
            data_dir: data_dir.into(),
            max_file_bytes: 100 << 20,
            max_body_bytes: 32 << 20,
            pending_expiry_secs: 4 * DAY,
            silence_grace_secs: 300,
            file_retention_secs: 90 * DAY,
            connected_within_secs: 60,
            max_poll_wait_secs: 30,
            abort_retell_secs: 60,
            expiry_every: Duration::from_secs(60),
            silence_every: Duration::from_secs(30),
            retention_every: Duration::from_secs(60 * 60),
            test_clock: false,
        }
    }

    /// The database file in `data_dir`.
    pub fn database(data_dir: &Path) -> PathBuf {
        data_dir.join("ward.db")
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("failed to {what} `{}`: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the built-in script `{name}` does not load: {reason}")]
    Builtin { name: String, reason: String },
    #[error(
        "could not listen on {addr}: {source}; is another server running there? choose \
         another address with `--listen`"
    )]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// Cheap to clone; every clone is the same server.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    clock: Clock,
    config: Config,
    sandbox: Option<Arc<Sandbox>>,
    wakers: Wakers,
    started_at: i64,
}

impl AppState {
    /// Opens the data directory (creating it, private to this user), the database, and puts
    /// the built-in scripts in the library. Without `sandbox`, uploads are checked against
    /// their manifest only, not parsed by the guest interpreter.
    ///
    /// # Errors
    ///
    /// When the directory or the database cannot be opened.
    pub async fn open(
        config: Config,
        clock: Clock,
        sandbox: Option<Arc<Sandbox>>,
    ) -> Result<AppState, ServerError> {
        create_private_dir(&config.data_dir)?;
        create_private_dir(&files_dir(&config.data_dir))?;
        if config.test_clock && clock.is_adjustable() {
            super::test_clock::restore_offset(&config.data_dir, &clock).await;
        }
        let db = Db::open(&Config::database(&config.data_dir))?;
        super::library::seed_builtins(&db, clock.now()).await?;
        let started_at = clock.now();
        Ok(AppState {
            inner: Arc::new(Inner {
                db,
                clock,
                config,
                sandbox,
                wakers: Wakers::default(),
                started_at,
            }),
        })
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    pub fn now(&self) -> i64 {
        self.inner.clock.now()
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn sandbox(&self) -> Option<&Sandbox> {
        self.inner.sandbox.as_deref()
    }

    pub(super) fn wakers(&self) -> &Wakers {
        &self.inner.wakers
    }

    /// When this server started, by its clock.
    pub fn started_at(&self) -> i64 {
        self.inner.started_at
    }

    /// Where retrieved files are stored, each under a generated name.
    pub fn files_dir(&self) -> PathBuf {
        files_dir(&self.inner.config.data_dir)
    }
}

fn files_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("files")
}

/// Creates `dir` if needed, readable by this user only (on Unix).
pub fn create_private_dir(dir: &Path) -> Result<(), ServerError> {
    let io = |what| {
        move |source| ServerError::Io {
            what,
            path: dir.to_owned(),
            source,
        }
    };
    std::fs::create_dir_all(dir).map_err(io("create the directory"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io("make private the directory"))?;
    }
    Ok(())
}
