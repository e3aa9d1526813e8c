//! Command-line interface: one file per subcommand, each a thin layer over the library.

mod audit;
mod policy;
mod run;
mod script;
mod server;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "ward",
    version,
    about = "Run administrators' Python scripts inside a WebAssembly sandbox, with every host operation checked and audited."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a script (or a snippet) once on this machine, in the sandbox.
    Run(Box<run::RunArgs>),
    /// Validate a policy, or explain what it allows.
    Policy(policy::PolicyArgs),
    /// Verify an audit log's hash chain.
    Audit(audit::AuditArgs),
    /// Check scripts, draft their manifests, and manage the script library.
    Script(script::ScriptArgs),
    /// Run the central server, or set up its first administrator and enrollment secret.
    Server(server::ServerArgs),
}

pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::execute(*args),
        Command::Policy(args) => policy::execute(args),
        Command::Audit(args) => audit::execute(args),
        Command::Script(args) => script::execute(args),
        Command::Server(args) => server::execute(args),
    }
}
