//! `ward script upload|list|show|code` against a server: the server's library instead of the
//! local folder, chosen by `--server` or `WARD_SERVER`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use ward::api::scripts::{ScriptInfo, UploadScript};
use ward::client::Client;

use super::{Shared, emit, read_text, runtime, write_out};

fn client(shared: &Shared, server: &str) -> anyhow::Result<Client> {
    crate::cli::endpoint::user_client(server, shared.api_key.as_deref())
}

/// Uploads a script with its manifest; the server validates both before it keeps them.
pub fn upload(
    shared: &Shared,
    server: &str,
    script: &Path,
    manifest: &Path,
) -> anyhow::Result<ExitCode> {
    let code = read_text(script, "script")?;
    let manifest = read_text(manifest, "manifest")?;
    let upload = UploadScript {
        code,
        manifest: serde_json::Value::String(manifest),
    };
    let info = runtime()?.block_on(client(shared, server)?.scripts_upload(&upload))?;
    print_one(shared, &info)
}

pub fn list(shared: &Shared, server: &str) -> anyhow::Result<ExitCode> {
    let scripts = runtime()?.block_on(client(shared, server)?.scripts_list())?;
    if shared.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&scripts)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = format!(
        "{:<32}  {:<24}  {:<10}  {:<22}  {}\n",
        "UID", "NAME", "OUTCOME", "PLATFORMS", "CREATED BY"
    );
    for s in scripts.iter().filter(|s| !s.deleted) {
        let platforms: Vec<String> = s.platforms.iter().map(ToString::to_string).collect();
        text.push_str(&format!(
            "{:<32}  {:<24}  {:<10}  {:<22}  {}\n",
            s.script_uid,
            s.name.escape_default().to_string(),
            s.outcome.to_string(),
            platforms.join(","),
            s.created_by.escape_default()
        ));
    }
    emit(&text)?;
    Ok(ExitCode::SUCCESS)
}

pub fn show(shared: &Shared, server: &str, script: &str) -> anyhow::Result<ExitCode> {
    let runtime = runtime()?;
    let client = client(shared, server)?;
    let info = runtime.block_on(find(&client, script))?;
    print_one(shared, &info)
}

pub fn code(
    shared: &Shared,
    server: &str,
    script: &str,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let runtime = runtime()?;
    let client = client(shared, server)?;
    let info = runtime.block_on(find(&client, script))?;
    let code = runtime.block_on(client.scripts_code(&info.script_uid))?;
    write_out(&code, output)?;
    Ok(ExitCode::SUCCESS)
}

/// A script by uid, or by name when `script` is not a uid.
async fn find(client: &Client, script: &str) -> anyhow::Result<ScriptInfo> {
    let is_uid = script.len() == 32 && script.bytes().all(|b| b.is_ascii_hexdigit());
    if is_uid {
        return Ok(client.scripts_show(script).await?);
    }
    client
        .scripts_list()
        .await?
        .into_iter()
        .find(|s| !s.deleted && s.name == script)
        .with_context(|| {
            format!("the server has no script named `{script}`; see `ward script list`")
        })
}

fn print_one(shared: &Shared, info: &ScriptInfo) -> anyhow::Result<ExitCode> {
    if shared.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(info)?))?;
    } else {
        emit(&format!(
            "{} ({})\n  {}\n  outcome: {}; created by {}; SHA-256 {}\n  manifest: {}\n",
            info.name.escape_default(),
            info.script_uid,
            info.description.escape_default(),
            info.outcome,
            info.created_by.escape_default(),
            info.sha256,
            info.manifest
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
