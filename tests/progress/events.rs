//! The live progress stream: events arrive as the statuses change, a late watcher catches up,
//! and only users who may view results can watch.

use serde_json::json;
use ward::api::actions::SelectEndpoints;
use ward::api::people::Role;
use ward::api::progress::{ProgressCounts, ProgressEvent};
use ward::status::Status;

use super::support::{Served, next_event};

/// The counts of a `counts` event, failing on any other event.
fn counts(event: Option<ProgressEvent>) -> ProgressCounts {
    match event {
        Some(ProgressEvent::Counts(counts)) => counts,
        other => panic!("expected counts, got {other:?}"),
    }
}

fn nonzero(counts: &ProgressCounts) -> Vec<(String, usize)> {
    let found = counts.counts.iter().filter(|(_, n)| **n > 0);
    found.map(|(s, n)| (s.clone(), *n)).collect()
}

fn pairs(list: &[(&str, usize)]) -> Vec<(String, usize)> {
    list.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_arrive_as_statuses_change_and_end_with_done() {
    let server = Served::start().await;
    let web1 = server.enroll("web-1").await;
    let web2 = server.enroll("web-2").await;
    let id = server.snippet("print('hi')", &[&web1, &web2]).await;
    let mut stream = server
        .admin
        .actions_events(id)
        .await
        .expect("the stream opens");

    let first = counts(next_event(&mut stream).await);
    assert_eq!(nonzero(&first), pairs(&[("Pending", 2)]));
    assert_eq!((first.total, first.finished), (2, 0));
    assert_eq!(first.general_status, "Pending");

    let job = web1.pull_one().await;
    let pulled = counts(next_event(&mut stream).await);
    assert_eq!(
        nonzero(&pulled),
        pairs(&[("In Progress", 1), ("Pending", 1)])
    );
    assert_eq!(pulled.general_status, "In Progress");

    web1.finish(&job, Status::CompletedSuccessfully, json!(null), "hi\n")
        .await;
    match next_event(&mut stream).await {
        Some(ProgressEvent::Endpoint(e)) => {
            assert_eq!(
                (e.endpoint_id, e.status),
                (web1.id.clone(), Status::CompletedSuccessfully)
            );
        }
        other => panic!("expected web-1 final, got {other:?}"),
    }
    let finished = counts(next_event(&mut stream).await);
    assert_eq!(finished.finished, 1);

    let select = SelectEndpoints::default();
    server
        .admin
        .actions_cancel(id, &select)
        .await
        .expect("the rest is canceled");
    match next_event(&mut stream).await {
        Some(ProgressEvent::Endpoint(e)) => {
            assert_eq!(
                (e.endpoint_name.as_str(), e.status),
                ("web-2", Status::Canceled)
            );
        }
        other => panic!("expected web-2 canceled, got {other:?}"),
    }
    let last = counts(next_event(&mut stream).await);
    assert_eq!(
        nonzero(&last),
        pairs(&[("Canceled", 1), ("Completed Successfully", 1)])
    );
    match next_event(&mut stream).await {
        Some(ProgressEvent::Done(done)) => assert_eq!(done, last),
        other => panic!("expected done, got {other:?}"),
    }
    assert!(
        next_event(&mut stream).await.is_none(),
        "nothing follows done"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_watcher_gets_every_final_endpoint_then_done() {
    let server = Served::start().await;
    let agents = [server.enroll("db-1").await, server.enroll("db-2").await];
    let id = server.snippet("pass", &[&agents[0], &agents[1]]).await;
    for agent in &agents {
        let job = agent.pull_one().await;
        agent.finish(&job, Status::Failed, json!(null), "").await;
    }

    let mut stream = server
        .admin
        .actions_events(id)
        .await
        .expect("the stream opens");
    let mut names = Vec::new();
    for _ in &agents {
        match next_event(&mut stream).await {
            Some(ProgressEvent::Endpoint(e)) => {
                assert_eq!(e.status, Status::Failed);
                names.push(e.endpoint_name);
            }
            other => panic!("expected a final endpoint, got {other:?}"),
        }
    }
    assert_eq!(names, ["db-1", "db-2"]);
    let all = counts(next_event(&mut stream).await);
    assert_eq!(nonzero(&all), pairs(&[("Failed", 2)]));
    assert!(matches!(
        next_event(&mut stream).await,
        Some(ProgressEvent::Done(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watching_exporting_and_aggregating_need_the_view_permission() {
    let server = Served::start().await;
    let agent = server.enroll("lab-1").await;
    let id = server.snippet("pass", &[&agent]).await;
    let suspended = server.user(Role::Suspended).await;
    let viewer = server.user(Role::Viewer).await;

    let refused = suspended.actions_events(id).await.err();
    assert_eq!(refused.and_then(|e| e.status()), Some(403));
    let refused = suspended.actions_results_tsv(id).await.err();
    assert_eq!(refused.and_then(|e| e.status()), Some(403));
    let refused = suspended.actions_aggregate(id, &[]).await.err();
    assert_eq!(refused.and_then(|e| e.status()), Some(403));

    let http = reqwest::Client::new();
    for route in ["events", "results.tsv", "aggregate"] {
        let url = format!("{}/api/v1/actions/{id}/{route}", server.url);
        let answer = http.get(&url).send().await.expect("the server answers");
        assert_eq!(answer.status(), 401, "{route} without a key");
    }

    assert!(viewer.actions_events(id).await.is_ok());
    let missing = viewer.actions_events(id + 100).await.err();
    assert_eq!(missing.and_then(|e| e.status()), Some(404));
}
