//! The results table as TSV, read back the way a spreadsheet would split it: one row per
//! endpoint whatever the values hold, and every value as the results route gives it.

use std::collections::HashMap;

use serde_json::{Value, json};
use ward::status::Status;

use super::support::{Served, ward_cli};

/// Splits `text` into rows and cells on raw line feeds and tabs only, then undoes the escapes
/// and the leading `'` that keeps a formula-like value as text.
fn read_tsv(text: &str) -> Vec<Vec<String>> {
    let body = text
        .strip_suffix('\n')
        .expect("the table ends with a line feed");
    body.split('\n')
        .map(|line| line.split('\t').map(unescape).collect())
        .collect()
}

fn unescape(cell: &str) -> String {
    let cell = cell.strip_prefix('\'').unwrap_or(cell);
    let mut out = String::new();
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            other => panic!("a lone backslash before {other:?} in {cell:?}"),
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tsv_export_reads_back_as_one_row_per_endpoint() {
    let server = Served::start().await;
    let uid = server.upload_inventory().await;
    let agents = [
        server.enroll("web-1").await,
        server.enroll("web-2").await,
        server.enroll("web-3").await,
    ];
    let id = server
        .script(&uid, &[&agents[0], &agents[1], &agents[2]])
        .await;
    // What each endpoint returns and prints: tabs, line breaks, a backslash, a formula.
    let answers = [
        (
            Status::CompletedSuccessfully,
            json!({"os": "Linux", "serial": "a\tb"}),
            "one\ntwo\tcols\n",
        ),
        (
            Status::CompletedSuccessfully,
            json!({"os": "=1+1", "serial": "back\\slash"}),
            "\r\n\"quoted",
        ),
        (Status::Failed, Value::Null, ""),
    ];
    for (agent, (status, value, stdout)) in agents.iter().zip(answers.clone()) {
        let job = agent.pull_one().await;
        agent.finish(&job, status, value, stdout).await;
    }

    let text = server
        .admin
        .actions_results_tsv(id)
        .await
        .expect("the export");
    let rows = read_tsv(&text);
    assert_eq!(
        rows.len(),
        1 + agents.len(),
        "a header and one row per endpoint:\n{text}"
    );
    let header = &rows[0];
    assert!(rows.iter().all(|r| r.len() == header.len()), "{text}");
    for title in [
        "endpoint_name",
        "status",
        "Operating system",
        "Serial",
        "standard_output",
    ] {
        assert!(
            header.iter().any(|h| h == title),
            "no column {title}: {header:?}"
        );
    }

    let results = server.admin.actions_results(id).await.expect("the results");
    let by_name: HashMap<&str, HashMap<&str, &str>> = rows[1..]
        .iter()
        .map(|row| {
            let cells: HashMap<&str, &str> = header
                .iter()
                .map(String::as_str)
                .zip(row.iter().map(String::as_str))
                .collect();
            (cells["endpoint_name"], cells)
        })
        .collect();
    // The results come by endpoint name, as the agents were named.
    for (result, (_, value, stdout)) in results.iter().zip(&answers) {
        let row = &by_name[result.endpoint_name.as_str()];
        assert_eq!(row["endpoint_id"], result.endpoint_id);
        assert_eq!(row["status"], result.status.as_str());
        assert_eq!(row["standard_output"], *stdout);
        assert_eq!(row["standard_output"], result.standard_output);
        assert_eq!(row["Operating system"], value["os"].as_str().unwrap_or(""));
        assert_eq!(row["Serial"], value["serial"].as_str().unwrap_or(""));
    }

    let cli = ward_cli(
        &server,
        &["action", "results", &id.to_string(), "--tsv"],
        "",
    )
    .await;
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&cli.stdout), text);
    let one = ward_cli(
        &server,
        &[
            "action",
            "results",
            &id.to_string(),
            "--tsv",
            "--endpoint",
            &agents[1].id,
        ],
        "",
    )
    .await;
    let one = read_tsv(&String::from_utf8_lossy(&one.stdout));
    assert_eq!(one.len(), 2, "{one:?}");
    assert_eq!(one[1][0], "web-2");
}
