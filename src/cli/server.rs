//! `ward server`: the central server, and the two set-up commands that work on its database
//! directly (`add-admin`, `enrollment-secret`), since no one can call the API before the first
//! administrator exists.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use ward::api::people::Role;
use ward::db::Db;
use ward::sandbox::{EngineOptions, Sandbox};
use ward::server::{AppState, Clock, Config, add_user, create_private_dir, new_enrollment_secret};

#[derive(Debug, Args)]
pub struct ServerArgs {
    #[command(subcommand)]
    command: Option<ServerCommand>,

    /// The address to listen on. Loopback by default; the API has no TLS of its own, so put a
    /// TLS proxy in front before listening beyond this machine.
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:8470",
        env = "WARD_LISTEN"
    )]
    listen: SocketAddr,

    /// Where the database and retrieved files live [default: `server` in ward's data directory].
    #[arg(long, value_name = "DIR", global = true, env = "WARD_SERVER_DATA_DIR")]
    data_dir: Option<PathBuf>,

    /// Serve `POST /api/v1/test/clock`, which moves the server's clock forward (for end-to-end
    /// tests of expiry and retention; never in production).
    #[arg(long)]
    test_clock: bool,

    /// Largest retrieved file accepted, in MiB.
    #[arg(long, value_name = "MB", default_value_t = 100)]
    max_file_mb: u64,

    /// The guest interpreter used to validate uploaded scripts (hash-checked all the same).
    #[arg(long, value_name = "FILE", env = "WARD_INTERPRETER")]
    interpreter: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ServerCommand {
    /// Add an administrator and print their API key, once.
    AddAdmin {
        /// The administrator's user name.
        name: String,
    },
    /// Make a new secret for agents to enroll with, and print it.
    EnrollmentSecret,
}

pub fn execute(args: ServerArgs) -> anyhow::Result<ExitCode> {
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| ward::paths::data_dir().join("server"));
    let runtime = tokio::runtime::Runtime::new().context("failed to start the async runtime")?;
    match args.command {
        Some(ServerCommand::AddAdmin { ref name }) => runtime.block_on(add_admin(&data_dir, name)),
        Some(ServerCommand::EnrollmentSecret) => runtime.block_on(enrollment_secret(&data_dir)),
        None => runtime.block_on(serve(args, data_dir)),
    }
}

async fn add_admin(data_dir: &Path, name: &str) -> anyhow::Result<ExitCode> {
    let db = open_db(data_dir)?;
    let now = Clock::system().now();
    let created = add_user(&db, name, Role::Administrator, now)
        .await
        .with_context(|| format!("failed to add administrator `{name}`"))?;
    println!(
        "Administrator `{}` added. Their API key, shown only now:",
        created.name
    );
    println!("{}", created.api_key);
    Ok(ExitCode::SUCCESS)
}

async fn enrollment_secret(data_dir: &Path) -> anyhow::Result<ExitCode> {
    let db = open_db(data_dir)?;
    let secret = new_enrollment_secret(&db, Clock::system().now())
        .await
        .context("failed to store a new enrollment secret")?;
    println!(
        "A new enrollment secret; enroll an agent with `ward agent --server URL --enroll SECRET`:"
    );
    println!("{secret}");
    Ok(ExitCode::SUCCESS)
}

fn open_db(data_dir: &Path) -> anyhow::Result<Db> {
    create_private_dir(data_dir)?;
    Ok(Db::open(&Config::database(data_dir))?)
}

async fn serve(args: ServerArgs, data_dir: PathBuf) -> anyhow::Result<ExitCode> {
    let options = EngineOptions {
        interpreter: args.interpreter.clone(),
        cache_dir: None,
    };
    let sandbox = match tokio::task::spawn_blocking(move || Sandbox::load(&options)).await? {
        Ok(sandbox) => Some(Arc::new(sandbox)),
        Err(error) => {
            eprintln!(
                "warning: uploaded scripts are checked against their manifest only, not parsed \
                 by the guest interpreter: {error}"
            );
            None
        }
    };

    let mut config = Config::new(&data_dir);
    config.max_file_bytes = args.max_file_mb.saturating_mul(1 << 20);
    config.test_clock = args.test_clock;
    let clock = if args.test_clock {
        Clock::adjustable()
    } else {
        Clock::system()
    };
    let state = AppState::open(config, clock, sandbox).await?;

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|source| ward::server::ServerError::Bind {
            addr: args.listen.to_string(),
            source,
        })?;
    let addr = listener.local_addr()?;
    println!("ward server listening on http://{addr}");
    println!("data directory: {}", data_dir.display());
    if !addr.ip().is_loopback() {
        eprintln!(
            "warning: listening beyond this machine without TLS; put a TLS proxy in front of \
             ward's API"
        );
    }
    if args.test_clock {
        eprintln!("warning: --test-clock lets administrators move this server's clock");
    }
    if !state.db().users_any_administrator().await? {
        let dir = data_dir.display();
        println!("No administrator exists yet. Create one (the API key is printed once):");
        println!("    ward server add-admin NAME --data-dir {dir}");
        println!("and a secret for agents to enroll with:");
        println!("    ward server enrollment-secret --data-dir {dir}");
    }
    std::io::stdout().flush()?;

    ward::server::serve(listener, state, shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
