//! `ward policy`: check a policy file, and explain in plain words what it allows.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use ward::policy::{Policy, Protected, Risk};

#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Validate a policy file; errors and warnings point at the line.
    Check { file: PathBuf },
    /// Print everything a script of one risk may do on this host under a policy.
    Explain {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "standard")]
        risk: RiskArg,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RiskArg {
    Standard,
    HighRisk,
}

/// The targets protected on this host, as the agent and `ward run` protect them, so that the
/// explanation shows them too.
fn load(file: &Path) -> anyhow::Result<Policy> {
    let protected = Protected::for_current_process()?.with_path(
        std::path::absolute(ward::paths::data_dir())?,
        "ward data directory",
    );
    Ok(Policy::load(file, protected)?)
}

pub fn execute(args: PolicyArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        PolicyCommand::Check { file } => {
            let policy = load(&file)?;
            let warnings = policy.check();
            for warning in &warnings {
                println!("warning: {warning}");
            }
            println!("{}: valid, {} warning(s)", file.display(), warnings.len());
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Explain { file, risk } => {
            let risk = match risk {
                RiskArg::Standard => Risk::Standard,
                RiskArg::HighRisk => Risk::HighRisk,
            };
            print!("{}", load(&file)?.explain(risk));
            Ok(ExitCode::SUCCESS)
        }
    }
}
