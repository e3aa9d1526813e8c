//! `ward run`: one script, once, on this machine, in the sandbox.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::{Map, Value};
use ward::capability::HostAccess;
use ward::policy::Risk;
use ward::sandbox::{EngineOptions, Job, Limits, Mode, RunResult, Sandbox};
use ward::script::{
    MAX_TIMEOUT_SECS, Manifest, Outcome, ParamSpec, ParamType, bind_params, builtin,
};
use ward::status::Status;

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["script", "code", "builtin"]))]
pub struct RunArgs {
    /// The script file to run.
    script: Option<PathBuf>,

    /// Run this snippet instead of a file.
    #[arg(short = 'c', long = "code", value_name = "CODE")]
    code: Option<String>,

    /// Run one of the built-in scripts (`delete_file`, `get_process_list`, ...) with its manifest.
    #[arg(long, value_name = "NAME")]
    builtin: Option<String>,

    /// The script's manifest: its entry point, parameter types, timeout and risk apply.
    #[arg(long, value_name = "FILE", conflicts_with = "builtin")]
    manifest: Option<PathBuf>,

    /// Call this function with the parameters instead of running the whole file.
    #[arg(long, value_name = "NAME")]
    entry_point: Option<String>,

    /// A parameter for the entry point, as name=value (repeatable); lists are comma-separated.
    /// Without a manifest each value is read as the `auto_detect` type.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,

    /// Wall-clock limit in seconds, time blocked in host calls included [default: the
    /// manifest's timeout, else 600].
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,

    /// Memory limit of the guest in MiB.
    #[arg(long, value_name = "MB", default_value_t = 256)]
    memory: usize,

    /// Bytes of standard output kept; the rest is dropped and the result says so.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    stdout_limit: usize,

    /// Bytes of standard error kept.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    stderr_limit: usize,

    /// Print the full structured result as JSON.
    #[arg(long)]
    json: bool,

    /// The policy that decides what the script may do on this host (none: no host access).
    #[arg(long, value_name = "FILE", env = "WARD_POLICY")]
    policy: Option<PathBuf>,

    /// The script's risk, which decides which policy rules apply [default: from the manifest's
    /// outcome, else standard].
    #[arg(long, value_enum)]
    risk: Option<RiskArg>,

    /// Where every host operation is recorded (default: `audit.jsonl` in ward's data directory).
    #[arg(long, value_name = "FILE", env = "WARD_AUDIT_LOG")]
    audit_log: Option<PathBuf>,

    /// The guest interpreter to use instead of the fetched one (hash-checked all the same).
    #[arg(long, value_name = "FILE", env = "WARD_INTERPRETER")]
    interpreter: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RiskArg {
    Standard,
    HighRisk,
}

/// The script to run, from whichever source was named.
struct Source {
    filename: String,
    code: String,
    manifest: Option<Manifest>,
}

fn load_source(args: &RunArgs) -> anyhow::Result<Source> {
    if let Some(name) = &args.builtin {
        let Some(found) = builtin(name) else {
            let names: Vec<_> = ward::script::BUILTINS.iter().map(|b| b.name).collect();
            bail!(
                "there is no built-in script `{name}`; choose one of: {}",
                names.join(", ")
            );
        };
        let manifest = Manifest::parse(found.manifest.as_bytes())
            .map_err(|e| anyhow::anyhow!("the built-in manifest of `{name}` is invalid: {e}"))?;
        let filename = format!("{name}.py");
        return Ok(Source {
            filename,
            code: found.code.to_string(),
            manifest: Some(manifest),
        });
    }
    let manifest = match &args.manifest {
        Some(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("failed to read the manifest `{}`", path.display()))?;
            let manifest = Manifest::parse(&bytes).map_err(|e| {
                anyhow::anyhow!("the manifest `{}` is invalid:\n{e}", path.display())
            })?;
            Some(manifest)
        }
        None => None,
    };
    if let Some(path) = &args.script {
        let code = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read the script `{}`", path.display()))?;
        let filename = path
            .file_name()
            .map_or("script.py".into(), |n| n.to_string_lossy().into());
        return Ok(Source {
            filename,
            code,
            manifest,
        });
    }
    let code = args.code.clone().unwrap_or_default();
    Ok(Source {
        filename: "<snippet>".into(),
        code,
        manifest,
    })
}

/// The mode and parameters: a manifest's entry point and declared types win; without one,
/// `--entry-point` and `auto_detect` values.
fn mode(args: &RunArgs, manifest: Option<&Manifest>) -> anyhow::Result<Mode> {
    if let Some(entry) = manifest.and_then(Manifest::entry_point) {
        let params = bind_params(entry.inputs(), &args.params)
            .map_err(|e| anyhow::anyhow!("the parameters do not fit the manifest:\n{e}"))?;
        return Ok(Mode::EntryPoint {
            name: entry.name().to_string(),
            params,
        });
    }
    match &args.entry_point {
        Some(name) => Ok(Mode::EntryPoint {
            name: name.clone(),
            params: auto_params(&args.params)?,
        }),
        None if args.params.is_empty() => Ok(Mode::JustRun),
        None => bail!("--param needs an entry point: give --entry-point NAME or a manifest"),
    }
}

fn auto_params(raw: &[String]) -> anyhow::Result<Map<String, Value>> {
    let mut params = Map::new();
    for item in raw {
        let Some((name, value)) = item.split_once('=') else {
            bail!("--param `{item}` has no `=`; write it as name=value");
        };
        let spec = ParamSpec {
            name: name.to_string(),
            param_type: ParamType::AutoDetect,
        };
        if params
            .insert(name.to_string(), spec.coerce(value)?)
            .is_some()
        {
            bail!("--param `{name}` is given twice; give each parameter once");
        }
    }
    Ok(params)
}

/// Smallest and largest `--memory`: CPython needs some room to start, and a 32-bit guest
/// cannot address more than 4 GiB.
const MEMORY_MIB: std::ops::RangeInclusive<usize> = 32..=4096;

fn limits(args: &RunArgs, manifest: Option<&Manifest>) -> anyhow::Result<Limits> {
    let max = MAX_TIMEOUT_SECS as f64;
    let timeout = match args.timeout {
        Some(s) if s > 0.0 && s <= max => Duration::from_secs_f64(s),
        Some(s) => bail!("--timeout must be more than 0 and at most {max} seconds, got {s}"),
        None => manifest.map_or(Limits::default().timeout, Manifest::timeout),
    };
    if !MEMORY_MIB.contains(&args.memory) {
        bail!(
            "--memory must be between {} and {} MiB, got {}",
            MEMORY_MIB.start(),
            MEMORY_MIB.end(),
            args.memory
        );
    }
    Ok(Limits {
        timeout,
        memory_bytes: args.memory << 20,
        stdout_bytes: args.stdout_limit,
        stderr_bytes: args.stderr_limit,
        ..Limits::default()
    })
}

pub fn execute(args: RunArgs) -> anyhow::Result<ExitCode> {
    let source = load_source(&args)?;
    let manifest = source.manifest.as_ref();
    let risk = match (args.risk, manifest.map(Manifest::outcome)) {
        (Some(RiskArg::HighRisk), _) | (None, Some(Outcome::HighRisk)) => Risk::HighRisk,
        _ => Risk::Standard,
    };
    let job = Job {
        run_id: uuid::Uuid::new_v4().to_string(),
        filename: source.filename.clone(),
        code: source.code.clone(),
        mode: mode(&args, manifest)?,
        risk,
    };
    let limits = limits(&args, manifest)?;

    let options = EngineOptions {
        interpreter: args.interpreter.clone(),
        cache_dir: None,
    };
    let mut sandbox = Sandbox::load(&options)?;
    if let Some(policy) = &args.policy {
        let audit_log = args
            .audit_log
            .clone()
            .unwrap_or_else(|| ward::paths::data_dir().join("audit.jsonl"));
        sandbox = sandbox.with_host_access(HostAccess::load(policy, &audit_log)?);
        eprintln!(
            "policy: {}; audit log: {}",
            policy.display(),
            audit_log.display()
        );
    }
    let runtime = tokio::runtime::Runtime::new().context("failed to start the async runtime")?;
    let result = runtime.block_on(sandbox.run(&job, &limits, std::future::pending()));
    // A host call stuck in the operating system (a read that never returns) must not keep the
    // command from exiting once the run has ended.
    runtime.shutdown_timeout(Duration::from_secs(1));
    let result = result?;

    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print_human(&result);
    }
    Ok(if result.status == Status::CompletedSuccessfully {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The script's text with control characters (other than newlines and tabs) shown as escapes,
/// so that a script cannot move the cursor, clear the screen or fake ward's own lines.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\t' => c.to_string(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

fn print_human(result: &RunResult) {
    println!("{} in {} ms", result.status, result.duration_ms);
    if let Some(error) = &result.error {
        println!("reason: {}", printable(error));
    }
    if !result.return_value.is_null() {
        let pretty = serde_json::to_string_pretty(&result.return_value).unwrap_or_default();
        println!("return value:\n{pretty}");
    }
    for (name, text, truncated) in [
        ("stdout", &result.stdout, result.stdout_truncated),
        ("stderr", &result.stderr, result.stderr_truncated),
    ] {
        if !text.is_empty() {
            let note = if truncated {
                " (truncated at its limit)"
            } else {
                ""
            };
            println!("{name}{note}:\n{}", printable(text.trim_end_matches('\n')));
        }
    }
    if let Some(exception) = &result.exception
        && !exception.traceback.is_empty()
    {
        println!(
            "traceback:\n{}",
            printable(exception.traceback.trim_end_matches('\n'))
        );
    }
    if !result.files_to_get.is_empty() {
        println!(
            "files to get: {}",
            printable(&result.files_to_get.join(", "))
        );
    }
}
