//! How `ward action` shows what the server answered: JSON with `--json`, else text for a person.

use anyhow::Context;
use serde_json::Value;
use ward::api::actions::{ActionStatus, CreatedAction, EndpointResult};
use ward::api::progress::Aggregate;

use crate::cli::endpoint::ConnectArgs;

/// Prints `value` as JSON with `--json`, else as `human` prints it.
pub fn print<T: serde::Serialize>(
    server: &ConnectArgs,
    value: &T,
    human: impl FnOnce(),
) -> anyhow::Result<()> {
    if server.json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).context("failed to print JSON")?
        );
    } else {
        human();
    }
    Ok(())
}

pub fn print_created(created: &CreatedAction) {
    println!(
        "action {} created for {} endpoint(s)",
        created.action_id, created.endpoints_count
    );
    for skipped in &created.skipped {
        println!(
            "  skipped {} ({}): {}",
            skipped.endpoint_name, skipped.endpoint_id, skipped.reason
        );
    }
}

pub fn print_status(status: &ActionStatus) {
    println!(
        "action {} ({}): {}",
        status.action_id, status.script_name, status.general_status
    );
    let counts: Vec<String> = status
        .counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    println!("  {}", counts.join(", "));
    for endpoint in &status.endpoints {
        let reason = endpoint
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        println!(
            "  {:<20} {:<32} {}{reason}",
            endpoint.endpoint_name, endpoint.endpoint_id, endpoint.status
        );
    }
}

pub fn print_results(results: &[EndpointResult]) {
    for r in results {
        println!(
            "{} ({}, {}): {}",
            r.endpoint_name, r.endpoint_ip, r.endpoint_id, r.status
        );
        if let Some(reason) = &r.reason {
            println!("  reason: {reason}");
        }
        if let Some(at) = r.execution_time {
            println!("  executed: {}", timestamp(at));
        }
        print_returned(&r.returned);
        if !r.standard_output.is_empty() {
            println!(
                "  output:\n    {}",
                r.standard_output.trim_end().replace('\n', "\n    ")
            );
        }
        if let Some(exception) = &r.exception {
            println!(
                "  exception: {}",
                exception.trim_end().replace('\n', "\n    ")
            );
        }
        if r.retrieved_files + r.failed_files > 0 {
            println!(
                "  files: {} retrieved, {} failed",
                r.retrieved_files, r.failed_files
            );
        }
        if let Some(until) = r.retention_date {
            println!("  kept until: {}", timestamp(until));
        }
    }
}

/// The returned value as the server shaped it: a single value, or each declared field by its
/// friendly name, then anything undeclared, then each mismatch with the declaration.
fn print_returned(returned: &Value) {
    // The shaped value, whether the server sends it bare or beside its mismatches.
    let shaped = if returned.get("kind").is_some() {
        returned
    } else {
        &returned["value"]
    };
    match shaped["kind"].as_str() {
        Some("single") => println!("  returned: {}", shaped["value"]),
        Some("dictionary") => {
            println!("  returned:");
            for field in shaped["fields"].as_array().into_iter().flatten() {
                let label = field["friendly_name"].as_str().unwrap_or_default();
                println!("    {label}: {}", field["value"]);
            }
            for (name, value) in shaped["undeclared"].as_object().into_iter().flatten() {
                println!("    {name} (undeclared): {value}");
            }
        }
        Some(_) => println!("  returned: {}", shaped["value"]),
        None if returned.is_null() => {}
        None => println!("  returned: {returned}"),
    }
    for mismatch in returned["mismatches"].as_array().into_iter().flatten() {
        println!("  note: {}", mismatch.as_str().unwrap_or_default());
    }
}

/// Each field's endpoints per value, most frequent first, after how many fields could be counted.
pub fn print_aggregate(aggregate: &Aggregate) {
    println!(
        "action {}: {} endpoint(s), {} with a returned value; {} of {} field(s) aggregated",
        aggregate.action_id,
        aggregate.endpoints,
        aggregate.endpoints_with_value,
        aggregate.fields_aggregated,
        aggregate.fields_total
    );
    for field in &aggregate.fields {
        let title = match &field.friendly_name {
            Some(friendly) if *friendly != field.name => format!("{friendly} ({})", field.name),
            _ => field.name.clone(),
        };
        if !field.aggregated {
            println!(
                "  {title}: {} distinct value(s), not counted (too many, or lists or dictionaries)",
                field.distinct
            );
            continue;
        }
        println!("  {title}:");
        for value in &field.values {
            let shown = match &value.value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            println!("    {:>6}  {shown}", value.count);
        }
    }
}

/// The header and the rows of a TSV results table whose endpoint id (second column) is one of
/// `endpoints`; the whole table when `endpoints` is empty.
pub fn tsv_rows_of(table: &str, endpoints: &[String]) -> String {
    if endpoints.is_empty() {
        return table.to_owned();
    }
    let mut lines = table.split_inclusive('\n');
    let header = lines.next().unwrap_or_default();
    let rows = lines.filter(|line| {
        line.split('\t')
            .nth(1)
            .is_some_and(|id| endpoints.iter().any(|e| e == id))
    });
    std::iter::once(header).chain(rows).collect()
}

fn timestamp(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}
