//! `ward endpoint list`: the endpoints enrolled with a server, and how each is doing. Also home of
//! [`ConnectArgs`], how every command that talks to a server names it and authenticates.

use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Subcommand};
use ward::api::actions::EndpointFilter;
use ward::client::Client;

/// Where `ward server` listens when started without `--listen`.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8470";

/// The server to talk to and the user's key, shared by every command that calls the API.
#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The ward server's address.
    #[arg(long, value_name = "URL", env = "WARD_SERVER", default_value = DEFAULT_SERVER)]
    pub server: String,

    /// Your API key (`ward_<key id>_<secret>`), from `ward server add-admin` or an administrator.
    #[arg(long, value_name = "KEY", env = "WARD_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,

    /// Print the server's answer as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A client of `server` authenticated with the user's `api_key`, or an error saying where a
/// key comes from.
pub fn user_client(server: &str, api_key: Option<&str>) -> anyhow::Result<Client> {
    let Some(key) = api_key.filter(|k| !k.trim().is_empty()) else {
        bail!(
            "no API key: set WARD_API_KEY or pass --api-key (an administrator creates one with \
             `ward server add-admin NAME`)"
        );
    };
    Ok(Client::new(server)?.with_api_key(key))
}

impl ConnectArgs {
    pub fn client(&self) -> anyhow::Result<Client> {
        user_client(&self.server, self.api_key.as_deref())
    }

    /// A runtime for one command's requests.
    pub fn runtime(&self) -> anyhow::Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| anyhow::anyhow!("failed to start the async runtime: {e}"))
    }
}

#[derive(Debug, Args)]
pub struct EndpointArgs {
    #[command(subcommand)]
    command: EndpointCommand,
}

#[derive(Debug, Subcommand)]
enum EndpointCommand {
    /// List the enrolled endpoints (all, or those matching every filter given).
    List {
        #[command(flatten)]
        filter: FilterArgs,

        #[command(flatten)]
        server: ConnectArgs,
    },
}

/// Which endpoints: each filter given must match.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Endpoint names matching this glob (`web-*`).
    #[arg(long = "filter-name", value_name = "GLOB")]
    pub name: Option<String>,

    /// `Windows`, `macOS` or `Linux`.
    #[arg(long = "filter-platform", value_name = "PLATFORM")]
    pub platform: Option<String>,

    /// Endpoints with this IP address.
    #[arg(long = "filter-ip", value_name = "IP")]
    pub ip: Option<String>,

    /// Endpoints carrying this tag (or group).
    #[arg(long = "filter-tag", value_name = "TAG")]
    pub tag: Option<String>,

    /// `connected` or `disconnected`.
    #[arg(long = "filter-status", value_name = "STATUS")]
    pub status: Option<String>,
}

impl FilterArgs {
    /// The filter, or `None` when no filter was given.
    pub fn to_filter(&self) -> Option<EndpointFilter> {
        let filter = EndpointFilter {
            name: self.name.clone(),
            platform: self.platform.clone(),
            ip: self.ip.clone(),
            tag: self.tag.clone(),
            status: self.status.clone(),
        };
        (filter != EndpointFilter::default()).then_some(filter)
    }
}

pub fn execute(args: EndpointArgs) -> anyhow::Result<ExitCode> {
    let EndpointCommand::List { filter, server } = args.command;
    let client = server.client()?;
    let filter = filter.to_filter().unwrap_or_default();
    let endpoints = server.runtime()?.block_on(client.endpoints_list(&filter))?;
    if server.json {
        println!("{}", serde_json::to_string_pretty(&endpoints)?);
        return Ok(ExitCode::SUCCESS);
    }
    if endpoints.is_empty() {
        println!(
            "no endpoints; enroll one with `ward agent --server URL --enroll SECRET` (the secret \
             comes from `ward server enrollment-secret`)"
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<32}  {:<20}  {:<8}  {:<15}  {:<12}  TAGS",
        "ENDPOINT", "NAME", "PLATFORM", "IP", "STATUS"
    );
    for endpoint in &endpoints {
        let status = if endpoint.scripts_disabled {
            "scripts off"
        } else {
            endpoint.status.as_str()
        };
        println!(
            "{:<32}  {:<20}  {:<8}  {:<15}  {:<12}  {}",
            endpoint.endpoint_id,
            endpoint.name,
            endpoint.platform,
            endpoint.ip,
            status,
            endpoint.tags.join(",")
        );
        if let Some(reason) = &endpoint.scripts_disabled_reason {
            println!("  script execution disabled: {reason}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
