//! `ward agent`: runs this machine's agent (enrolling it on first start), or disables script
//! execution on it for good with `ward agent disable-scripts`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use ward::agent::{AgentConfig, SCRIPTS_DISABLED, default_data_dir, disable_scripts};
use ward::sandbox::EngineOptions;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AgentArgs {
    #[command(subcommand)]
    command: Option<AgentCommand>,

    #[command(flatten)]
    run: RunAgentArgs,
}

#[derive(Debug, Subcommand)]
enum AgentCommand {
    /// Disable script execution on this endpoint, for good. No ward command undoes it: the agent
    /// refuses every new job from then on and tells the server why; scripts already running
    /// finish. To run scripts here again, enroll a new agent with a new data directory.
    DisableScripts {
        /// The agent's data directory [default: `agent` in ward's data directory].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,

        /// Why, as the server and its users will see it.
        #[arg(
            long,
            value_name = "TEXT",
            default_value = "disabled by the endpoint's administrator"
        )]
        reason: String,
    },
}

#[derive(Debug, Args)]
struct RunAgentArgs {
    /// The server's address (`http://HOST:PORT`); needed to enroll, remembered afterwards.
    #[arg(long, value_name = "URL", env = "WARD_SERVER")]
    server: Option<String>,

    /// The enrollment secret printed by `ward server enrollment-secret`; needed on the first
    /// start only.
    #[arg(
        long = "enroll",
        value_name = "SECRET",
        env = "WARD_ENROLL_SECRET",
        hide_env_values = true
    )]
    enroll: Option<String>,

    /// Where the agent keeps its token, policy, audit log, journal and outbox [default: `agent`
    /// in ward's data directory].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Jobs run at the same time; more wait for a free slot.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 4,
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    concurrency: u16,

    /// The policy scripts run under [default: `policy.toml` in the data directory, written from
    /// the built-in default on first start].
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,

    /// The endpoint's name on the server [default: the host name]; used when enrolling.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,

    /// A tag (or group) the server can target the endpoint by (repeatable); used when enrolling.
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,

    /// The guest interpreter to use instead of the fetched one (hash-checked all the same).
    #[arg(long, value_name = "FILE", env = "WARD_INTERPRETER")]
    interpreter: Option<PathBuf>,

    /// Start a fresh interpreter for every job instead of forking one kept warm (about 100 ms
    /// more per job). Warm interpreters exist on Linux only; elsewhere this is the only way.
    #[arg(long)]
    fresh_instances: bool,
}

pub fn execute(args: AgentArgs) -> anyhow::Result<ExitCode> {
    if let Some(AgentCommand::DisableScripts { data_dir, reason }) = args.command {
        let dir = data_dir.unwrap_or_else(default_data_dir);
        let marker = disable_scripts(&dir, &reason)?;
        println!("{SCRIPTS_DISABLED}, for good (reason: {}).", marker.reason);
        println!(
            "A running agent notices within a second, tells the server and refuses every new \
             job; scripts already running finish. No ward command undoes this."
        );
        return Ok(ExitCode::SUCCESS);
    }

    let args = args.run;
    let mut config = AgentConfig::new(args.data_dir.unwrap_or_else(default_data_dir));
    config.server = args.server;
    config.enroll_secret = args.enroll;
    config.name = args.name;
    config.tags = args.tags;
    config.concurrency = usize::from(args.concurrency);
    config.policy = args.policy;
    config.warm_interpreters = !args.fresh_instances;
    config.engine = EngineOptions {
        interpreter: args.interpreter,
        cache_dir: None,
    };
    eprintln!("ward agent: data directory {}", config.data_dir.display());

    let runtime = tokio::runtime::Runtime::new().context("failed to start the async runtime")?;
    runtime.block_on(ward::agent::run(config, shutdown_signal()))?;
    // Jobs still running are journaled; the next start reports them. Do not wait for them here.
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
