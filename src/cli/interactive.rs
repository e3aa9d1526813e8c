//! `ward interactive`: holds a scope of endpoints and runs, on all of them at once, each library
//! script (`:run NAME name=value ...`) or Python snippet entered, showing the counts per status
//! live and each endpoint's result as it arrives. Every run is an ordinary action on the server,
//! so `:open ID` (or `ward action results ID`) finds it again later.
//!
//! Commands are read from standard input line by line, so a pipe works as well as a terminal;
//! `parse` says what a line means, `follow` shows an action's progress.

mod follow;
mod parse;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::Map;
use ward::api::actions::{CreateAction, Targets};
use ward::api::endpoints::EndpointInfo;
use ward::client::Client;

pub(super) use follow::watch;
use follow::{Followed, Show, follow, summary};
use parse::{Input, Reader};

use super::action::parameters;
use super::action::print::print_created;
use super::endpoint::{ConnectArgs, FilterArgs};

/// A snippet's timeout when none is given, as the server applies it.
const SNIPPET_TIMEOUT_SECS: u64 = 600;

const HELP: &str = "\
Each line runs on every endpoint in scope:
  PYTHON                      a snippet; a line ending with `:` opens a block, an empty line
                              ends it
  :paste                      start a block of several statements; an empty line ends it
  :run NAME name=value ...    a library script by name or uid, with parameter values
  :open ID                    follow an earlier action again, its results so far first
  :scope                      list the endpoints in scope
  :help, :quit";

#[derive(Debug, Args)]
pub struct InteractiveArgs {
    /// An endpoint id to hold in scope (repeatable).
    #[arg(long = "endpoint", value_name = "ID")]
    endpoints: Vec<String>,

    #[command(flatten)]
    filter: FilterArgs,

    /// Seconds before each run is stopped [default: the script's manifest timeout; 600 for a
    /// snippet].
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,

    /// Stop following a run after this many seconds and read the next line; the run goes on
    /// and `:open ID` follows it again [default: the run's timeout plus a minute].
    #[arg(long = "follow", value_name = "SECONDS")]
    follow_secs: Option<u64>,

    #[command(flatten)]
    server: ConnectArgs,
}

pub fn execute(args: InteractiveArgs) -> anyhow::Result<ExitCode> {
    if args.server.json {
        bail!("`ward interactive` prints text; `--json` belongs to the other commands");
    }
    let client = args.server.client()?;
    let runtime = args.server.runtime()?;
    let scope = runtime.block_on(scope(&client, &args))?;
    let names: Vec<&str> = scope.iter().map(|e| e.name.as_str()).collect();
    println!(
        "{} endpoint(s) in scope: {}. `:help` lists the commands.",
        scope.len(),
        names.join(", ")
    );
    let session = Session {
        client,
        targets: Targets {
            endpoint_ids: scope.iter().map(|e| e.endpoint_id.clone()).collect(),
            filter: None,
        },
        scope,
        timeout: args.timeout,
        follow_secs: args.follow_secs,
    };

    let stdin = std::io::stdin();
    let prompt = stdin.is_terminal();
    let mut reader = Reader::default();
    let mut lines = stdin.lock().lines();
    let mut failures = 0usize;
    loop {
        if prompt {
            print!("{}", if reader.in_block() { "... " } else { "> " });
            std::io::stdout()
                .flush()
                .context("failed to write the prompt")?;
        }
        let (input, ended) = match lines.next() {
            Some(line) => (
                reader.line(&line.context("failed to read standard input")?),
                false,
            ),
            None => (reader.finish(), true),
        };
        if let Some(input) = input {
            if input == Input::Quit {
                break;
            }
            if let Err(error) = runtime.block_on(session.handle(input)) {
                failures += 1;
                eprintln!("error: {error:#}");
            }
        }
        if ended {
            break;
        }
    }
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The endpoints the targeting flags name: those the filter matches, only the listed ones when
/// ids are given too.
async fn scope(client: &Client, args: &InteractiveArgs) -> anyhow::Result<Vec<EndpointInfo>> {
    let filter = args.filter.to_filter();
    if args.endpoints.is_empty() && filter.is_none() {
        bail!(
            "name the endpoints to hold in scope: --endpoint ID (repeatable) or --filter-name, \
             --filter-platform, --filter-ip, --filter-tag, --filter-status (see `ward endpoint \
             list`)"
        );
    }
    let mut found = client.endpoints_list(&filter.unwrap_or_default()).await?;
    if !args.endpoints.is_empty() {
        if let Some(missing) = args
            .endpoints
            .iter()
            .find(|id| !found.iter().any(|e| &e.endpoint_id == *id))
        {
            bail!("no endpoint `{missing}` matches; `ward endpoint list` shows the enrolled ones");
        }
        found.retain(|e| args.endpoints.contains(&e.endpoint_id));
    }
    if found.is_empty() {
        bail!("no endpoint matches the filter; `ward endpoint list` shows the enrolled ones");
    }
    Ok(found)
}

struct Session {
    client: Client,
    scope: Vec<EndpointInfo>,
    /// The scope as every run targets it: the endpoints found at the start, by id.
    targets: Targets,
    timeout: Option<u64>,
    follow_secs: Option<u64>,
}

impl Session {
    async fn handle(&self, input: Input) -> anyhow::Result<()> {
        match input {
            Input::Snippet(code) => self.run(None, Some(code), Map::new()).await,
            Input::Run { script, params } => {
                let uid = self.script_uid(&script).await?;
                self.run(Some(uid), None, parameters(&params)?).await
            }
            Input::Open(id) => self.follow(id).await,
            Input::Scope => {
                for e in &self.scope {
                    println!(
                        "  {:<20} {:<32} {:<8} {}",
                        e.name, e.endpoint_id, e.platform, e.status
                    );
                }
                Ok(())
            }
            Input::Help => {
                println!("{HELP}");
                Ok(())
            }
            Input::Bad(why) => bail!(why),
            Input::Quit => Ok(()),
        }
    }

    async fn run(
        &self,
        script_uid: Option<String>,
        snippet: Option<String>,
        parameters: Map<String, serde_json::Value>,
    ) -> anyhow::Result<()> {
        let request = CreateAction {
            script_uid,
            snippet,
            parameters,
            timeout: self.timeout,
            targets: self.targets.clone(),
        };
        let created = self.client.actions_create(&request).await?;
        print_created(&created);
        self.follow(created.action_id).await
    }

    /// Shows action `id` until it ends or the follow time runs out.
    async fn follow(&self, id: i64) -> anyhow::Result<()> {
        let secs = self
            .follow_secs
            .unwrap_or(self.timeout.unwrap_or(SNIPPET_TIMEOUT_SECS) + 60);
        let show = Show {
            results: true,
            lines: true,
        };
        match follow(&self.client, id, show, Some(Duration::from_secs(secs))).await? {
            Followed::Done(counts) => println!("action {id} done: {}", summary(&counts)),
            Followed::StillRunning => println!(
                "action {id} is still running after {secs} s; `:open {id}` follows it again"
            ),
        }
        Ok(())
    }

    /// The uid of the library script called `name` (or whose uid is `name`).
    async fn script_uid(&self, name: &str) -> anyhow::Result<String> {
        let scripts = self.client.scripts_list().await?;
        let live = scripts.iter().filter(|s| !s.deleted);
        if let Some(script) = live
            .clone()
            .find(|s| s.name == name || s.script_uid == name)
        {
            return Ok(script.script_uid.clone());
        }
        let names: Vec<&str> = live.map(|s| s.name.as_str()).collect();
        bail!(
            "the library has no script `{name}`; it has: {}",
            names.join(", ")
        )
    }
}
