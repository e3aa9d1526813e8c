//! Command-line interface: one file per subcommand, each a thin layer over the library.

mod action;
mod agent;
mod audit;
mod endpoint;
mod interactive;
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
    /// Run this machine's agent: enroll once, then pull jobs from the server and run them.
    Agent(agent::AgentArgs),
    /// List the endpoints enrolled with a server.
    Endpoint(endpoint::EndpointArgs),
    /// Run scripts on endpoints through a server, and follow, steer and collect the actions.
    Action(action::ActionArgs),
    /// Hold a scope of endpoints and run library scripts or Python snippets on all of them at
    /// once, line by line from standard input, with live counts and results.
    Interactive(Box<interactive::InteractiveArgs>),
    /// Run the central server, or set up its first administrator and enrollment secret.
    Server(server::ServerArgs),
    /// The process of warm interpreters that the agent starts, its control socket as standard
    /// input; not for direct use.
    #[cfg(target_os = "linux")]
    #[command(name = "warm-interpreters", hide = true)]
    WarmInterpreters,
}

pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::execute(*args),
        Command::Policy(args) => policy::execute(args),
        Command::Audit(args) => audit::execute(args),
        Command::Script(args) => script::execute(args),
        Command::Agent(args) => agent::execute(args),
        Command::Endpoint(args) => endpoint::execute(args),
        Command::Action(args) => action::execute(args),
        Command::Interactive(args) => interactive::execute(*args),
        Command::Server(args) => server::execute(args),
        #[cfg(target_os = "linux")]
        Command::WarmInterpreters => {
            ward::sandbox::warm::serve()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
