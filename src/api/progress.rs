//! Watching an action and summing up its results: the events of the live progress stream
//! (`GET /api/v1/actions/{id}/events`, server-sent events) and the aggregated returned values
//! (`GET /api/v1/actions/{id}/aggregate`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::actions::EndpointStatus;

/// The most distinct values a returned field may take across endpoints and still be
/// aggregated (counted per value).
pub const MAX_AGGREGATED_VALUES: usize = 10;

/// One event of the progress stream. On the wire, the SSE event name is [`ProgressEvent::name`]
/// and its data the payload as JSON. A watcher first gets the counts and every endpoint already
/// final, then each change; `done` is the last event.
#[derive(Debug, Clone)]
pub enum ProgressEvent {
    /// `counts`: the count per status changed.
    Counts(ProgressCounts),
    /// `endpoint`: an endpoint reached a final status.
    Endpoint(EndpointStatus),
    /// `done`: every endpoint is final; the stream ends.
    Done(ProgressCounts),
}

/// The count per status of an action, and how many of its endpoints are final.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressCounts {
    pub action_id: i64,
    /// `Pending`, `In Progress` or `Completed`, as `GET /actions/{id}` says it.
    pub general_status: String,
    /// Endpoints in the action.
    pub total: usize,
    /// Endpoints whose status is final.
    pub finished: usize,
    /// Every status, with zero for those no endpoint has.
    pub counts: BTreeMap<String, usize>,
}

impl ProgressEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            ProgressEvent::Counts(_) => "counts",
            ProgressEvent::Endpoint(_) => "endpoint",
            ProgressEvent::Done(_) => "done",
        }
    }

    /// The SSE data: the payload as one line of JSON.
    pub fn data(&self) -> String {
        let json = match self {
            ProgressEvent::Counts(counts) | ProgressEvent::Done(counts) => {
                serde_json::to_string(counts)
            }
            ProgressEvent::Endpoint(endpoint) => serde_json::to_string(endpoint),
        };
        // Plain structs of strings and numbers always serialize.
        json.unwrap_or_default()
    }

    /// Reads an event back from its SSE name and data. `Ok(None)` for an event name this
    /// version does not know, which a watcher skips.
    ///
    /// # Errors
    ///
    /// When the data is not the JSON the name announces.
    pub fn parse(name: &str, data: &str) -> Result<Option<ProgressEvent>, serde_json::Error> {
        Ok(Some(match name {
            "counts" => ProgressEvent::Counts(serde_json::from_str(data)?),
            "endpoint" => ProgressEvent::Endpoint(serde_json::from_str(data)?),
            "done" => ProgressEvent::Done(serde_json::from_str(data)?),
            _ => return Ok(None),
        }))
    }
}

/// `GET /api/v1/actions/{id}/aggregate`: for each returned field, the endpoints per value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    pub action_id: i64,
    /// Endpoints looked at (all, or those asked for with `endpoint_id`).
    pub endpoints: usize,
    /// Of those, the endpoints that returned a value.
    pub endpoints_with_value: usize,
    /// Fields seen in any returned value.
    pub fields_total: usize,
    /// Fields counted per value ("4 of 5"): at most [`MAX_AGGREGATED_VALUES`] distinct values,
    /// none of them a list or a dictionary.
    pub fields_aggregated: usize,
    /// In the order the fields first appear (declared fields in declared order).
    pub fields: Vec<FieldAggregate>,
}

/// One returned field across endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldAggregate {
    /// The field's key, or `returned` for a value that is not a dictionary.
    pub name: String,
    /// The manifest's title for the field, when it declares one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// Distinct values seen.
    pub distinct: usize,
    /// Endpoints per value, most frequent first; empty when the field is not aggregated.
    pub values: Vec<ValueCount>,
    /// False when the field has more than [`MAX_AGGREGATED_VALUES`] distinct values, or a list
    /// or a dictionary among them.
    pub aggregated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueCount {
    pub value: Value,
    pub count: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Status;

    #[test]
    fn every_event_reads_back_from_its_name_and_data() -> Result<(), serde_json::Error> {
        let counts = ProgressCounts {
            action_id: 3,
            general_status: "In Progress".into(),
            total: 2,
            finished: 1,
            counts: BTreeMap::from([("Pending".into(), 1), ("Failed".into(), 1)]),
        };
        let events = [
            ProgressEvent::Counts(counts.clone()),
            ProgressEvent::Endpoint(EndpointStatus {
                endpoint_id: "e1".into(),
                endpoint_name: "web-1".into(),
                status: Status::Failed,
                reason: Some("the script raised".into()),
            }),
            ProgressEvent::Done(counts),
        ];
        for event in events {
            let back = ProgressEvent::parse(event.name(), &event.data())?;
            let back = back.map(|b| (b.name(), b.data()));
            assert_eq!(back, Some((event.name(), event.data())));
        }
        Ok(())
    }

    #[test]
    fn unknown_event_names_are_skipped() -> Result<(), serde_json::Error> {
        assert!(ProgressEvent::parse("later", "{}")?.is_none());
        Ok(())
    }
}
