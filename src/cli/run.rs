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
use ward::script::{ParamSpec, ParamType};
use ward::status::Status;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The script file to run.
    #[arg(required_unless_present = "code", conflicts_with = "code")]
    script: Option<PathBuf>,

    /// Run this snippet instead of a file.
    #[arg(short = 'c', long = "code", value_name = "CODE")]
    code: Option<String>,

    /// Call this function with the parameters instead of running the whole file.
    #[arg(long, value_name = "NAME")]
    entry_point: Option<String>,

    /// A parameter for the entry point, as name=value (repeatable); lists are comma-separated.
    #[arg(long = "param", value_name = "NAME=VALUE", requires = "entry_point")]
    params: Vec<String>,

    /// Wall-clock limit in seconds, time blocked in host calls included.
    #[arg(long, value_name = "SECONDS", default_value_t = 600.0)]
    timeout: f64,

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

    /// The script's risk, which decides which policy rules apply.
    #[arg(long, value_enum, default_value = "standard")]
    risk: RiskArg,

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

pub fn execute(args: RunArgs) -> anyhow::Result<ExitCode> {
    let (filename, code) = match (&args.script, &args.code) {
        (Some(path), _) => {
            let code = std::fs::read_to_string(path)
                .with_context(|| format!("failed to read the script `{}`", path.display()))?;
            let name = path
                .file_name()
                .map_or("script.py".into(), |n| n.to_string_lossy().into());
            (name, code)
        }
        (None, Some(code)) => ("<snippet>".to_string(), code.clone()),
        (None, None) => bail!("give a script file or a snippet with -c"),
    };
    let mode = match &args.entry_point {
        Some(name) => Mode::EntryPoint {
            name: name.clone(),
            params: parse_params(&args.params)?,
        },
        None => Mode::JustRun,
    };
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        bail!(
            "--timeout must be a positive number of seconds, got {}",
            args.timeout
        );
    }
    let limits = Limits {
        timeout: Duration::from_secs_f64(args.timeout),
        memory_bytes: args
            .memory
            .checked_mul(1 << 20)
            .context("--memory is too large")?,
        stdout_bytes: args.stdout_limit,
        stderr_bytes: args.stderr_limit,
        ..Limits::default()
    };
    let risk = match args.risk {
        RiskArg::Standard => Risk::Standard,
        RiskArg::HighRisk => Risk::HighRisk,
    };
    let job = Job {
        run_id: uuid::Uuid::new_v4().to_string(),
        filename,
        code,
        mode,
        risk,
    };

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
    let result = runtime.block_on(sandbox.run(&job, &limits, std::future::pending()))?;

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

/// Parameters given on the command line without a manifest have no declared type, so each is
/// read the way the consoles' `auto_detect` type reads it.
fn parse_params(raw: &[String]) -> anyhow::Result<Map<String, Value>> {
    let mut params = Map::new();
    for item in raw {
        let Some((name, value)) = item.split_once('=') else {
            bail!("--param `{item}` has no `=`; write it as name=value");
        };
        let spec = ParamSpec {
            name: name.to_string(),
            param_type: ParamType::AutoDetect,
        };
        let value = spec.coerce(value)?;
        if params.insert(name.to_string(), value).is_some() {
            bail!("--param `{name}` is given twice; give each parameter once");
        }
    }
    Ok(params)
}

fn print_human(result: &RunResult) {
    println!("{} in {} ms", result.status, result.duration_ms);
    if let Some(error) = &result.error {
        println!("reason: {error}");
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
            println!("{name}{note}:\n{}", text.trim_end_matches('\n'));
        }
    }
    if let Some(exception) = &result.exception
        && !exception.traceback.is_empty()
    {
        println!("traceback:\n{}", exception.traceback.trim_end_matches('\n'));
    }
    if !result.files_to_get.is_empty() {
        println!("files to get: {}", result.files_to_get.join(", "));
    }
}
