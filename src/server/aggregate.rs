//! Aggregated results: for each field the endpoints returned, how many endpoints returned each
//! value, so that an action on many endpoints reads as a handful of lines ("Linux: 812,
//! Windows: 188"). Only fields with few distinct values, none of them a list or a dictionary,
//! are counted per value; the answer says how many fields could be.
//!
//! It reads the per-endpoint results as `GET /actions/{id}/results` shapes them, and also tells
//! the TSV export which returned fields to put in columns ([`fields`]).

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde_json::Value;

use super::actions_view::actions_results;
use super::auth::User;
use super::{ApiError, AppState, input};
use crate::api::actions::EndpointResult;
use crate::api::people::Permission;
use crate::api::progress::{Aggregate, FieldAggregate, MAX_AGGREGATED_VALUES, ValueCount};

/// `GET /actions/{id}/aggregate?endpoint_id=...`: the endpoints per value of each returned
/// field, over every endpoint or only those named (repeat `endpoint_id`, or separate the ids
/// with commas).
pub async fn actions_aggregate(
    State(state): State<AppState>,
    user: User,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Aggregate>, ApiError> {
    user.require(Permission::ViewScriptsAndResults)?;
    let id = input::path(id)?;
    let wanted = endpoint_ids(input::query(query)?)?;
    let action_id = input::action_id(&id)?;
    let Json(mut results) = actions_results(State(state), user, Ok(Path(id))).await?;

    if let Some(missing) = wanted
        .iter()
        .find(|w| !results.iter().any(|r| &r.endpoint_id == *w))
    {
        return Err(ApiError::not_found(
            format!(
                "endpoint `{}` is not in action {action_id}",
                input::shorten(missing)
            ),
            "the endpoints of an action are listed by `GET /actions/{id}`",
        ));
    }
    if !wanted.is_empty() {
        results.retain(|r| wanted.contains(&r.endpoint_id));
    }
    Ok(Json(aggregate(action_id, &results)))
}

/// The `endpoint_id` values of the query; any other parameter is refused.
fn endpoint_ids(pairs: Vec<(String, String)>) -> Result<Vec<String>, ApiError> {
    let mut ids = Vec::new();
    for (name, value) in pairs {
        if name != "endpoint_id" {
            return Err(ApiError::bad_request(
                format!("unknown query parameter `{}`", input::shorten(&name)),
                "the only parameter is `endpoint_id` (repeatable)",
            ));
        }
        ids.extend(
            value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
        );
    }
    Ok(ids)
}

/// One field of a returned value.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The dictionary key, or `returned` for a value that is not a dictionary.
    pub name: String,
    pub friendly_name: Option<String>,
    pub value: Value,
}

/// The fields of a returned value as the results route shapes it: a dictionary's declared
/// fields in declared order, then its undeclared keys; a single value as one field named
/// `returned`; a value without a declaration by its keys when it is an object. Nothing for
/// an endpoint that returned nothing.
pub fn fields(returned: &Value) -> Vec<Field> {
    match returned.get("kind").and_then(Value::as_str) {
        Some("dictionary") => {
            let declared = returned["fields"].as_array().into_iter().flatten();
            let mut fields: Vec<Field> = declared
                .map(|f| Field {
                    name: f["name"].as_str().unwrap_or_default().to_owned(),
                    friendly_name: f["friendly_name"].as_str().map(str::to_owned),
                    value: f["value"].clone(),
                })
                .collect();
            if let Some(undeclared) = returned["undeclared"].as_object() {
                fields.extend(loose(undeclared.clone().into()));
            }
            fields
        }
        Some("single") => vec![field("returned", returned["value"].clone())],
        Some("unshaped") => loose(returned["value"].clone()),
        _ => loose(returned.clone()),
    }
}

fn loose(value: Value) -> Vec<Field> {
    match value {
        Value::Null => Vec::new(),
        Value::Object(object) => object.into_iter().map(|(k, v)| field(&k, v)).collect(),
        other => vec![field("returned", other)],
    }
}

fn field(name: &str, value: Value) -> Field {
    Field {
        name: name.to_owned(),
        friendly_name: None,
        value,
    }
}

/// Counts the endpoints per value of each field of `results`.
pub fn aggregate(action_id: i64, results: &[EndpointResult]) -> Aggregate {
    // Per field, in order of first appearance: each distinct value (by its JSON text) with the
    // first endpoint's value and the count.
    let mut order: Vec<(String, Option<String>)> = Vec::new();
    let mut tallies: HashMap<String, HashMap<String, (Value, usize)>> = HashMap::new();
    // Fields with a list or a dictionary among their values: one such value is as good as
    // unique, so the field is not counted per value.
    let mut compound: Vec<String> = Vec::new();
    let mut with_value = 0;
    for result in results {
        let found = fields(&result.returned);
        with_value += usize::from(!found.is_empty());
        for f in found {
            let tally = tallies.entry(f.name.clone()).or_insert_with(|| {
                order.push((f.name.clone(), f.friendly_name.clone()));
                HashMap::new()
            });
            if f.value.is_array() || f.value.is_object() {
                compound.push(f.name.clone());
            }
            let key = serde_json::to_string(&f.value).unwrap_or_default();
            tally.entry(key).or_insert((f.value, 0)).1 += 1;
        }
    }

    let fields: Vec<FieldAggregate> = order
        .into_iter()
        .map(|(name, friendly_name)| {
            let tally = tallies.remove(&name).unwrap_or_default();
            let distinct = tally.len();
            let aggregated = distinct <= MAX_AGGREGATED_VALUES && !compound.contains(&name);
            let mut values: Vec<(String, ValueCount)> = if aggregated {
                tally
                    .into_iter()
                    .map(|(key, (value, count))| (key, ValueCount { value, count }))
                    .collect()
            } else {
                Vec::new()
            };
            values.sort_by(|(a, x), (b, y)| y.count.cmp(&x.count).then_with(|| a.cmp(b)));
            FieldAggregate {
                name,
                friendly_name,
                distinct,
                values: values.into_iter().map(|(_, v)| v).collect(),
                aggregated,
            }
        })
        .collect();
    Aggregate {
        action_id,
        endpoints: results.len(),
        endpoints_with_value: with_value,
        fields_total: fields.len(),
        fields_aggregated: fields.iter().filter(|f| f.aggregated).count(),
        fields,
    }
}
