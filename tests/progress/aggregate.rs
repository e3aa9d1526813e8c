//! Aggregated results: endpoints counted per value for the fields with few distinct values,
//! over all endpoints or the ones asked for.

use serde_json::json;
use ward::api::progress::{Aggregate, MAX_AGGREGATED_VALUES};
use ward::status::Status;

use super::support::{Served, SimAgent, ward_cli};

/// Eleven endpoints run the inventory script: `os` takes two values, `serial` one per endpoint
/// (more than can be aggregated).
async fn inventory(server: &Served) -> (i64, Vec<SimAgent>) {
    let uid = server.upload_inventory().await;
    let mut agents = Vec::new();
    for n in 0..=MAX_AGGREGATED_VALUES {
        agents.push(server.enroll(&format!("host-{n:02}")).await);
    }
    let id = server
        .script(&uid, &agents.iter().collect::<Vec<_>>())
        .await;
    for (n, agent) in agents.iter().enumerate() {
        let os = if n % 3 == 0 { "Windows" } else { "Linux" };
        let job = agent.pull_one().await;
        let value = json!({"os": os, "serial": format!("S{n}")});
        agent
            .finish(&job, Status::CompletedSuccessfully, value, "")
            .await;
    }
    (id, agents)
}

fn counts_of(aggregate: &Aggregate, field: &str) -> Vec<(String, usize)> {
    let found = aggregate.fields.iter().find(|f| f.name == field);
    let values = &found.unwrap_or_else(|| panic!("no field {field}")).values;
    values
        .iter()
        .map(|v| (v.value.as_str().unwrap_or_default().to_owned(), v.count))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fields_with_few_values_are_counted_per_value() {
    let server = Served::start().await;
    let (id, _) = inventory(&server).await;

    let aggregate = server
        .admin
        .actions_aggregate(id, &[])
        .await
        .expect("the aggregate");
    assert_eq!(
        (aggregate.endpoints, aggregate.endpoints_with_value),
        (11, 11)
    );
    assert_eq!(
        (aggregate.fields_aggregated, aggregate.fields_total),
        (1, 2)
    );
    assert_eq!(
        counts_of(&aggregate, "os"),
        [("Linux".to_owned(), 7), ("Windows".to_owned(), 4)]
    );
    let os = &aggregate.fields[0];
    assert_eq!(os.friendly_name.as_deref(), Some("Operating system"));
    let serial = &aggregate.fields[1];
    assert!(!serial.aggregated && serial.values.is_empty());
    assert_eq!(serial.distinct, 11);

    let printed = ward_cli(&server, &["action", "aggregate", &id.to_string()], "").await;
    let text = String::from_utf8_lossy(&printed.stdout);
    assert!(text.contains("1 of 2 field(s) aggregated"), "{text}");
    assert!(text.contains("Operating system (os):"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aggregate_can_be_narrowed_to_some_endpoints() {
    let server = Served::start().await;
    let (id, agents) = inventory(&server).await;

    let chosen = [agents[0].id.clone(), agents[1].id.clone()];
    let aggregate = server
        .admin
        .actions_aggregate(id, &chosen)
        .await
        .expect("the aggregate");
    assert_eq!(aggregate.endpoints, 2);
    assert_eq!(
        (aggregate.fields_aggregated, aggregate.fields_total),
        (2, 2)
    );
    assert_eq!(
        counts_of(&aggregate, "os"),
        [("Linux".to_owned(), 1), ("Windows".to_owned(), 1)]
    );

    // Ids separated by commas work as repeated parameters do.
    let url = format!(
        "{}/api/v1/actions/{id}/aggregate?endpoint_id={},{}",
        server.url, chosen[0], chosen[1]
    );
    let http = reqwest::Client::new();
    let answer = http.get(&url).bearer_auth(&server.admin_key).send().await;
    let same: Aggregate = answer
        .expect("an answer")
        .json()
        .await
        .expect("an aggregate");
    assert_eq!(same, aggregate);

    let stranger = server
        .admin
        .actions_aggregate(id, &["0".repeat(32)])
        .await
        .err();
    assert_eq!(stranger.and_then(|e| e.status()), Some(404));
    let url = format!("{}/api/v1/actions/{id}/aggregate?endpoint=x", server.url);
    let answer = http.get(&url).bearer_auth(&server.admin_key).send().await;
    assert_eq!(answer.expect("an answer").status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_and_dictionaries_are_not_counted_per_value() {
    let server = Served::start().await;
    let agents = [server.enroll("app-1").await, server.enroll("app-2").await];
    let id = server.snippet("pass", &[&agents[0], &agents[1]]).await;
    for agent in &agents {
        let job = agent.pull_one().await;
        let value = json!({"ok": true, "ports": [22, 443]});
        agent
            .finish(&job, Status::CompletedSuccessfully, value, "")
            .await;
    }

    let aggregate = server
        .admin
        .actions_aggregate(id, &[])
        .await
        .expect("the aggregate");
    assert_eq!(
        (aggregate.fields_aggregated, aggregate.fields_total),
        (1, 2)
    );
    let ok = &aggregate.fields[0];
    assert_eq!((ok.name.as_str(), ok.values[0].count), ("ok", 2));
    let ports = &aggregate.fields[1];
    assert_eq!(
        (ports.name.as_str(), ports.distinct, ports.aggregated),
        ("ports", 1, false)
    );
}
