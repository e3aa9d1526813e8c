//! `ward action`: run a script on endpoints through the server, follow the action, steer it
//! (cancel, abort, rerun) and collect its results and retrieved files.

pub(super) mod print;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use clap::{Args, Subcommand};
use serde_json::{Map, Value};
use ward::api::actions::{ActionStatus, CreateAction, SelectEndpoints, Targets};
use ward::client::Client;
use ward::status::Status;

use super::endpoint::{ConnectArgs, FilterArgs};
use print::{print, print_aggregate, print_created, print_results, print_status};

#[derive(Debug, Args)]
pub struct ActionArgs {
    #[command(subcommand)]
    command: ActionCommand,
}

#[derive(Debug, Subcommand)]
enum ActionCommand {
    /// Run a library script, a built-in script or a snippet on endpoints.
    Run(Box<RunActionArgs>),
    /// The general status, the count per status and each endpoint's status.
    Status(IdArgs),
    /// Each endpoint's result: returned values, output, exception, files.
    Results(ResultsArgs),
    /// For each returned field with few distinct values, how many endpoints returned each value
    /// (over the endpoints named with --endpoint, or all).
    Aggregate(IdArgs),
    /// Cancel endpoints that have not pulled the job yet (all, or those named with --endpoint).
    Cancel(IdArgs),
    /// Stop the script on endpoints running it (all, or those named with --endpoint).
    Abort(IdArgs),
    /// Run the action again: same parameters, targets and timeout, current script version.
    Rerun(IdArgs),
    /// Download the retrieved files as a ZIP archive (of one endpoint with --endpoint).
    Files(IdArgs),
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source")
    .required(true)
    .args(["script", "builtin", "snippet"]))]
struct RunActionArgs {
    /// The library script's uid (see `ward script list`).
    #[arg(long, value_name = "UID")]
    script: Option<String>,

    /// A built-in script by name (`file_exists`, `get_process_list`, ...).
    #[arg(long, value_name = "NAME")]
    builtin: Option<String>,

    /// Python code to run as it is (needs the high-risk and script configuration permissions).
    #[arg(long, value_name = "CODE")]
    snippet: Option<String>,

    /// A value for the entry point's parameter, as name=value (repeatable); the server checks it
    /// against the declared type.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,

    /// Seconds before the script is stopped [default: the script's manifest timeout].
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,

    /// An endpoint id to run on (repeatable).
    #[arg(long = "endpoint", value_name = "ID")]
    endpoints: Vec<String>,

    #[command(flatten)]
    filter: FilterArgs,

    /// Wait until every endpoint has a final status, then print the results; the command then
    /// exits 0 only if every endpoint completed successfully.
    #[arg(long)]
    wait: bool,

    /// Like --wait, with a progress bar of the counts per status while the action runs.
    #[arg(long)]
    watch: bool,

    #[command(flatten)]
    server: ConnectArgs,
}

#[derive(Debug, Args)]
struct ResultsArgs {
    #[command(flatten)]
    id: IdArgs,

    /// Print the table as tab-separated values (one row per endpoint, for a spreadsheet).
    #[arg(long, conflicts_with = "json")]
    tsv: bool,
}

#[derive(Debug, Args)]
struct IdArgs {
    /// The action's id.
    id: i64,

    /// Only this endpoint (repeatable for cancel and abort).
    #[arg(long = "endpoint", value_name = "ID")]
    endpoints: Vec<String>,

    /// Where `files` writes the archive [default: action-ID-files.zip].
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,

    #[command(flatten)]
    server: ConnectArgs,
}

pub fn execute(args: ActionArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ActionCommand::Run(run) => run_action(*run),
        ActionCommand::Status(a) => with_client(&a, |c, a| async move {
            let status = c.actions_status(a.id).await?;
            print(&a.server, &status, || print_status(&status))
        }),
        ActionCommand::Results(r) => with_client(&r.id, |c, a| async move {
            if r.tsv {
                let table = c.actions_results_tsv(a.id).await?;
                print!("{}", print::tsv_rows_of(&table, &a.endpoints));
                return Ok(());
            }
            let mut results = c.actions_results(a.id).await?;
            if !a.endpoints.is_empty() {
                results.retain(|r| a.endpoints.contains(&r.endpoint_id));
            }
            print(&a.server, &results, || print_results(&results))
        }),
        ActionCommand::Aggregate(a) => with_client(&a, |c, a| async move {
            let aggregate = c.actions_aggregate(a.id, &a.endpoints).await?;
            print(&a.server, &aggregate, || print_aggregate(&aggregate))
        }),
        ActionCommand::Cancel(a) => steer(&a, "cancel"),
        ActionCommand::Abort(a) => steer(&a, "abort"),
        ActionCommand::Rerun(a) => with_client(&a, |c, a| async move {
            let created = c.actions_rerun(a.id).await?;
            print(&a.server, &created, || print_created(&created))
        }),
        ActionCommand::Files(a) => with_client(&a, |c, a| async move {
            let out = a
                .output
                .clone()
                .unwrap_or_else(|| match a.endpoints.first() {
                    Some(e) => PathBuf::from(format!("action-{}-{e}-files.zip", a.id)),
                    None => PathBuf::from(format!("action-{}-files.zip", a.id)),
                });
            let bytes = c
                .actions_files(a.id, a.endpoints.first().map(String::as_str), &out)
                .await?;
            let answer = serde_json::json!({ "file": out, "bytes": bytes });
            print(&a.server, &answer, || {
                println!("wrote {} ({bytes} bytes)", out.display())
            })
        }),
    }
}

/// Runs `work` with a client for `args`' server, on a runtime of its own.
fn with_client<'a, F, Fut>(args: &'a IdArgs, work: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce(Client, &'a IdArgs) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let client = args.server.client()?;
    args.server.runtime()?.block_on(work(client, args))?;
    Ok(ExitCode::SUCCESS)
}

fn steer(args: &IdArgs, verb: &str) -> anyhow::Result<ExitCode> {
    with_client(args, |client, args| async move {
        let select = SelectEndpoints {
            endpoint_ids: args.endpoints.clone(),
        };
        let status = match verb {
            "cancel" => client.actions_cancel(args.id, &select).await?,
            _ => client.actions_abort(args.id, &select).await?,
        };
        print(&args.server, &status, || print_status(&status))
    })
}

fn run_action(args: RunActionArgs) -> anyhow::Result<ExitCode> {
    let client = args.server.client()?;
    let runtime = args.server.runtime()?;
    runtime.block_on(async {
        let request = CreateAction {
            script_uid: match (&args.script, &args.builtin) {
                (Some(uid), _) => Some(uid.clone()),
                (None, Some(name)) => Some(builtin_uid(&client, name).await?),
                (None, None) => None,
            },
            snippet: args.snippet.clone(),
            parameters: parameters(&args.params)?,
            timeout: args.timeout,
            targets: targets(&args)?,
        };
        let created = client.actions_create(&request).await?;
        if !args.wait && !args.watch {
            return print(&args.server, &created, || print_created(&created))
                .map(|()| ExitCode::SUCCESS);
        }
        if !args.server.json {
            print_created(&created);
        }
        let all_ok = if args.watch {
            let watched = super::interactive::watch(&client, created.action_id).await?;
            let succeeded = watched.counts.get(Status::CompletedSuccessfully.as_str());
            succeeded == Some(&watched.total)
        } else {
            let status = wait_for_end(&client, created.action_id).await?;
            status
                .endpoints
                .iter()
                .all(|e| e.status == Status::CompletedSuccessfully)
        };
        let results = client.actions_results(created.action_id).await?;
        print(&args.server, &results, || print_results(&results))?;
        Ok(if all_ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

async fn builtin_uid(client: &Client, name: &str) -> anyhow::Result<String> {
    let scripts = client.scripts_list().await?;
    let found = scripts
        .iter()
        .find(|s| s.builtin && !s.deleted && s.name == name);
    match found {
        Some(script) => Ok(script.script_uid.clone()),
        None => {
            let names: Vec<_> = scripts
                .iter()
                .filter(|s| s.builtin)
                .map(|s| s.name.as_str())
                .collect();
            bail!(
                "the server has no built-in script `{name}`; it has: {}",
                names.join(", ")
            )
        }
    }
}

pub(super) fn parameters(raw: &[String]) -> anyhow::Result<Map<String, Value>> {
    let mut params = Map::new();
    for item in raw {
        let Some((name, value)) = item.split_once('=') else {
            bail!("--param `{item}` has no `=`; write it as name=value");
        };
        if params
            .insert(name.to_string(), Value::String(value.to_string()))
            .is_some()
        {
            bail!("--param `{name}` is given twice; give each parameter once");
        }
    }
    Ok(params)
}

fn targets(args: &RunActionArgs) -> anyhow::Result<Targets> {
    let filter = args.filter.to_filter();
    if args.endpoints.is_empty() && filter.is_none() {
        bail!(
            "name the endpoints to run on: --endpoint ID (repeatable) or --filter-name, \
             --filter-platform, --filter-ip, --filter-tag, --filter-status (see `ward endpoint \
             list`)"
        );
    }
    Ok(Targets {
        endpoint_ids: args.endpoints.clone(),
        filter,
    })
}

/// Polls the action's status until every endpoint is final.
async fn wait_for_end(client: &Client, id: i64) -> anyhow::Result<ActionStatus> {
    loop {
        let status = client.actions_status(id).await?;
        if status.endpoints.iter().all(|e| e.status.is_final()) {
            return Ok(status);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
