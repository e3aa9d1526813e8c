//! Results as users read them: the returned value shaped by the manifest the action ran with,
//! the output, the exception, the file counts, and per-endpoint archives.

use axum::http::StatusCode;
use serde_json::json;
use ward::sandbox::Exception;
use ward::status::Status;

use super::support::{CODE, TestServer, manifest, run_result, sha256};

#[tokio::test]
async fn results_are_shaped_by_the_manifest_the_action_ran_with() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let uid = server
        .upload(CODE, manifest("sized", "Standard", "Linux"))
        .await;
    let id = server
        .run(json!({"script_uid": uid, "parameters": {"path": "/"}, "targets": {"endpoint_ids": [agent.id]}}))
        .await;
    let job = agent.pull_one(&server).await["job_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Editing the script afterwards does not change how this action's results read.
    let mut renamed = manifest("sized", "Standard", "Linux");
    renamed["entry_point_definition"]["output_params"]["value"][0]["friendly_name"] =
        json!("Bytes");
    server
        .call(
            "PUT",
            &format!("/scripts/{uid}"),
            Some(&server.admin),
            Some(json!({"code": CODE, "manifest": renamed})),
        )
        .await;

    let result = run_result(
        Status::CompletedSuccessfully,
        json!({"size": "big", "extra": 1}),
    );
    let body =
        json!({"result": result, "failed_files": [{"path": "/gone", "reason": "not found"}]});
    let reply = server
        .call(
            "PUT",
            &format!("/agent/jobs/{job}/result"),
            Some(&agent.token),
            Some(body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);

    let results = server
        .get(&format!("/actions/{id}/results"), &server.admin)
        .await
        .body;
    let returned = &results[0]["returned"];
    assert_eq!(returned["kind"], "dictionary");
    assert_eq!(returned["fields"][0]["friendly_name"], "Size");
    assert_eq!(returned["fields"][0]["value"], "big");
    assert_eq!(returned["undeclared"], json!({"extra": 1}));
    assert!(
        returned["mismatches"][0].as_str().unwrap().contains("size"),
        "{returned}"
    );
    assert_eq!(results[0]["failed_files"], 1);
    assert_eq!(results[0]["retrieved_files"], 0);
    assert_eq!(results[0]["endpoint_ip"], "10.0.0.7");
}

#[tokio::test]
async fn a_failed_run_shows_its_exception_and_reason() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let id = server
        .run(json!({"snippet": "raise ValueError('no')", "targets": {"endpoint_ids": [agent.id]}}))
        .await;
    let job = agent.pull_one(&server).await["job_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut result = run_result(Status::Failed, json!(null));
    result.exception = Some(Exception {
        kind: "ValueError".into(),
        message: "no".into(),
        traceback: "Traceback (most recent call last):\nValueError: no\n".into(),
    });
    agent.result(&server, &job, &result).await;

    let results = server
        .get(&format!("/actions/{id}/results"), &server.admin)
        .await
        .body;
    assert_eq!(results[0]["status"], "Failed");
    assert!(
        results[0]["exception"]
            .as_str()
            .unwrap()
            .ends_with("ValueError: no\n")
    );
    assert_eq!(results[0]["reason"], "the run ended Failed");
    assert_eq!(
        results[0]["returned"],
        json!(null),
        "a snippet's value is shown as returned"
    );
}

#[tokio::test]
async fn an_endpoint_archive_holds_only_that_endpoints_files() {
    let server = TestServer::start().await;
    let one = server.enroll("web-1", "Linux").await;
    let two = server.enroll("web-2", "Linux").await;
    let id = server
        .run(json!({"snippet": "print(1)", "targets": {"endpoint_ids": [one.id, two.id]}}))
        .await;
    for agent in [&one, &two] {
        let job = agent.pull_one(&server).await["job_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let reply = agent
            .upload(
                &server,
                &job,
                "/tmp/a.txt",
                &sha256(agent.id.as_bytes()),
                agent.id.as_bytes(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }

    let all = server
        .get(&format!("/actions/{id}/files"), &server.admin)
        .await
        .bytes;
    assert_eq!(
        zip::ZipArchive::new(std::io::Cursor::new(all.to_vec()))
            .unwrap()
            .len(),
        2
    );
    let reply = server
        .get(
            &format!("/actions/{id}/endpoints/{}/files", two.id),
            &server.admin,
        )
        .await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(reply.bytes.to_vec())).unwrap();
    assert_eq!(zip.len(), 1);
    assert_eq!(zip.by_index(0).unwrap().name().unwrap(), "web-2/tmp/a.txt");

    let other = server.enroll("web-3", "Linux").await;
    let reply = server
        .get(
            &format!("/actions/{id}/endpoints/{}/files", other.id),
            &server.admin,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}
