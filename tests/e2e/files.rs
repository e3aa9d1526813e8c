//! Retrieved files: a script names files in `files_to_get`, the agent reads them through its
//! policy and uploads them, and the server serves them as ZIP archives until retention ends.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use serde_json::json;
use ward::api::actions::{CreateAction, Targets};
use ward::api::scripts::UploadScript;
use ward::status::Status;

use super::agent::{Agent, policy_reading};
use super::harness::Server;
use super::{result_of, wait_status};

const SOON: Duration = Duration::from_secs(20);

const COLLECT: &str = "import os\n\n\ndef run(path, other):\n    \
    return {'size': os.path.getsize(path), 'files_to_get': [path, other]}\n";

fn manifest() -> serde_json::Value {
    json!({
        "name": "e2e_collect",
        "description": "Returns the size of a file and retrieves it with another one.",
        "outcome": "Standard",
        "platform": "Linux",
        "timeout": 60,
        "entry_point": "run",
        "entry_point_definition": {
            "input_params": [
                {"name": "path", "type": "string"},
                {"name": "other", "type": "string"}
            ],
            "output_params": {
                "type": "JSON",
                "value": [{"name": "size", "friendly_name": "Size", "type": "number"}]
            }
        }
    })
}

/// The archive's entries whose name ends with `suffix`, with their content.
fn entries_ending(zip: &Path, suffix: &str) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(zip).expect("the archive was written");
    let mut archive = zip::ZipArchive::new(file).expect("a valid ZIP archive");
    let mut found = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("a readable entry");
        let name = entry.name().expect("a UTF-8 entry name").to_string();
        if name.ends_with(suffix) {
            let mut content = Vec::new();
            entry.read_to_end(&mut content).expect("a readable entry");
            found.push((name, content));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrieved_files_download_as_archives_until_retention_ends() {
    let server = Server::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let allowed = scratch.path().join("evidence");
    std::fs::create_dir(&allowed).unwrap();
    let wanted = allowed.join("report.txt");
    std::fs::write(&wanted, b"evidence collected by ward\n").unwrap();
    let forbidden = scratch.path().join("outside.txt");
    std::fs::write(&forbidden, b"not for scripts").unwrap();
    let mut agent = Agent::start(&server, "e2e-files", &policy_reading(&allowed));
    let id = agent.connected(&server).await;
    let client = server.client();

    let script = client
        .scripts_upload(&UploadScript {
            code: COLLECT.into(),
            manifest: manifest(),
        })
        .await
        .expect("the script uploads");
    let mut parameters = serde_json::Map::new();
    parameters.insert("path".into(), json!(wanted.display().to_string()));
    parameters.insert("other".into(), json!(forbidden.display().to_string()));
    let created = client
        .actions_create(&CreateAction {
            script_uid: Some(script.script_uid),
            snippet: None,
            parameters,
            timeout: None,
            targets: Targets {
                endpoint_ids: vec![id.clone()],
                filter: None,
            },
        })
        .await
        .expect("the action is created");
    let action = created.action_id;

    wait_status(&client, action, &id, Status::CompletedSuccessfully, SOON).await;
    let result = result_of(&client, action, &id).await;
    assert_eq!(
        (result.retrieved_files, result.failed_files),
        (1, 1),
        "{result:?}"
    );
    assert!(result.retention_date.is_some());

    let downloads = tempfile::tempdir().unwrap();
    let whole = downloads.path().join("action.zip");
    client
        .actions_files(action, None, &whole)
        .await
        .expect("the archive downloads");
    let found = entries_ending(&whole, "report.txt");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, b"evidence collected by ward\n");
    assert!(entries_ending(&whole, "outside.txt").is_empty());

    let one = downloads.path().join("endpoint.zip");
    client
        .actions_files(action, Some(&id), &one)
        .await
        .expect("the endpoint archive downloads");
    assert_eq!(
        entries_ending(&one, "report.txt")[0].1,
        b"evidence collected by ward\n"
    );

    // After 90 days the files are gone, and the result says so.
    server.advance_clock(91 * 24 * 3600).await;
    let after = downloads.path().join("after.zip");
    let gone = match client.actions_files(action, None, &after).await {
        Ok(_) => entries_ending(&after, "report.txt").is_empty(),
        Err(error) => matches!(error.status(), Some(404 | 410)),
    };
    assert!(gone, "the retrieved file outlived its retention");
    agent.kill();
}
