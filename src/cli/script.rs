//! `ward script …`: checking scripts before upload, drafting their manifests, and the local
//! script library.
//!
//! `validate`, `manifest` (for a file) and `modules` work on files and need no library; `add`,
//! `list`, `show`, `code`, `manifest` (for a library script), `duplicate`, `edit` and `delete`
//! work on the library folder given by `--library`. With `--server` (or `WARD_SERVER`), `upload`,
//! `list`, `show` and `code` work on that server's library instead. Every command takes `--json`.

mod checks;
mod library;
mod remote;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use ward::sandbox::{EngineOptions, Sandbox};

#[derive(Debug, Args)]
pub struct ScriptArgs {
    #[command(subcommand)]
    command: ScriptCommand,

    /// The library folder [default: `library` in ward's data directory].
    #[arg(long, global = true, value_name = "DIR", env = "WARD_LIBRARY")]
    library: Option<PathBuf>,

    /// The guest interpreter to use instead of the fetched one (hash-checked all the same).
    #[arg(long, global = true, value_name = "FILE", env = "WARD_INTERPRETER")]
    interpreter: Option<PathBuf>,

    /// Print the result as JSON.
    #[arg(long, global = true)]
    json: bool,

    /// A ward server whose library `upload`, `list`, `show` and `code` work on [default: the
    /// local library folder].
    #[arg(long, global = true, value_name = "URL", env = "WARD_SERVER")]
    server: Option<String>,

    /// Your API key for `--server`.
    #[arg(
        long,
        global = true,
        value_name = "KEY",
        env = "WARD_API_KEY",
        hide_env_values = true
    )]
    api_key: Option<String>,
}

#[derive(Debug, Subcommand)]
enum ScriptCommand {
    /// Check a script (and its manifest): syntax, imports, entry point. Lists every problem.
    Validate {
        /// The script file.
        script: PathBuf,
        /// Its definitions file.
        #[arg(long, value_name = "FILE")]
        manifest: Option<PathBuf>,
    },
    /// Draft a manifest from a script file's entry point, or print a library script's manifest.
    ///
    /// TARGET is read as a file when it exists or ends in `.py`, otherwise as a library id or
    /// name.
    Manifest {
        target: String,
        /// The function a run calls (files only); without it the draft runs the whole file.
        #[arg(long, value_name = "NAME")]
        entry_point: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the modules scripts can import, and why the rest of the standard library cannot be.
    Modules,
    /// Validate a script with its manifest and add it to the library.
    Add {
        script: PathBuf,
        #[arg(long, value_name = "FILE")]
        manifest: PathBuf,
        /// Recorded as the script's author [default: the current user].
        #[arg(long, value_name = "NAME")]
        created_by: Option<String>,
    },
    /// Upload a script with its manifest to the server named by `--server`; it validates both.
    Upload {
        script: PathBuf,
        #[arg(long, value_name = "FILE")]
        manifest: PathBuf,
    },
    /// List the library's scripts, built-ins included.
    List,
    /// Show one script of the library, by id or name.
    Show { script: String },
    /// Print a library script's code.
    Code {
        script: String,
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Copy a library script (a built-in too) as a new, editable script.
    Duplicate {
        script: String,
        /// The copy's name [default: "<name> (copy)"].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Recorded as the copy's author [default: the current user].
        #[arg(long, value_name = "NAME")]
        created_by: Option<String>,
    },
    /// Replace a library script's code, manifest or both; the result is validated first.
    Edit {
        script: String,
        #[arg(long, value_name = "FILE", required_unless_present = "manifest")]
        code: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        manifest: Option<PathBuf>,
    },
    /// Delete a library script (not a built-in).
    Delete { script: String },
}

pub fn execute(args: ScriptArgs) -> anyhow::Result<ExitCode> {
    let shared = Shared {
        library: args.library.clone(),
        interpreter: args.interpreter.clone(),
        json: args.json,
        api_key: args.api_key.clone(),
    };
    if let Some(server) = args.server.as_deref() {
        match &args.command {
            ScriptCommand::Upload { script, manifest } => {
                return remote::upload(&shared, server, script, manifest);
            }
            ScriptCommand::List => return remote::list(&shared, server),
            ScriptCommand::Show { script } => return remote::show(&shared, server, script),
            ScriptCommand::Code { script, output } => {
                return remote::code(&shared, server, script, output.as_deref());
            }
            _ => {}
        }
    }
    match args.command {
        ScriptCommand::Upload { .. } => {
            anyhow::bail!(
                "`ward script upload` sends a script to a server: give --server URL or set WARD_SERVER"
            )
        }
        ScriptCommand::Validate { script, manifest } => {
            checks::validate(&shared, &script, manifest.as_deref())
        }
        ScriptCommand::Manifest {
            target,
            entry_point,
            output,
        } => {
            if is_file_target(&target) {
                checks::draft(&shared, Path::new(&target), entry_point.as_deref(), output)
            } else {
                library::definitions(&shared, &target, output)
            }
        }
        ScriptCommand::Modules => checks::modules(&shared),
        ScriptCommand::Add {
            script,
            manifest,
            created_by,
        } => library::add(&shared, &script, &manifest, created_by),
        ScriptCommand::List => library::list(&shared),
        ScriptCommand::Show { script } => library::show(&shared, &script),
        ScriptCommand::Code { script, output } => library::code(&shared, &script, output),
        ScriptCommand::Duplicate {
            script,
            name,
            created_by,
        } => library::duplicate(&shared, &script, name.as_deref(), created_by),
        ScriptCommand::Edit {
            script,
            code,
            manifest,
        } => library::edit(&shared, &script, code.as_deref(), manifest.as_deref()),
        ScriptCommand::Delete { script } => library::delete(&shared, &script),
    }
}

/// What every `ward script` command shares.
struct Shared {
    library: Option<PathBuf>,
    interpreter: Option<PathBuf>,
    json: bool,
    api_key: Option<String>,
}

impl Shared {
    fn sandbox(&self) -> anyhow::Result<Sandbox> {
        let options = EngineOptions {
            interpreter: self.interpreter.clone(),
            cache_dir: None,
        };
        Ok(Sandbox::load(&options)?)
    }

    fn library_dir(&self) -> PathBuf {
        self.library
            .clone()
            .unwrap_or_else(|| ward::paths::data_dir().join("library"))
    }
}

fn is_file_target(target: &str) -> bool {
    target.ends_with(".py") || Path::new(target).is_file()
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().context("failed to start the async runtime")
}

fn read_text(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("failed to read the {what} `{}`", path.display()))
}

/// Writes `text` to `output`, or to standard output without one.
fn write_out(text: &str, output: Option<&Path>) -> anyhow::Result<()> {
    match output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("failed to write `{}`", path.display())),
        None => emit(text),
    }
}

/// Writes `text` to standard output. A reader that stopped reading (`| head`) ends the output
/// quietly rather than as an error.
fn emit(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("failed to write to standard output"),
    }
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    emit(&format!("{}\n", serde_json::to_string_pretty(value)?))
}

/// The author recorded when none is given: the login name from the environment.
fn current_user(given: Option<String>) -> String {
    given
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}
