//! Runs the way the console's automation makes them: `run_script` on two endpoints with
//! parameters, then, as its poller does, one status and one results call per poll (each poll a
//! new command run with its own headers) until the general status is no longer running; and
//! the wrappers' `get_action_status`.

use axum::http::StatusCode;
use serde_json::{Value, json};
use ward::status::Status;

use super::support::{Agent, Scheme, Server};

fn endpoints(agents: &[&Agent]) -> Value {
    let ids: Vec<&str> = agents.iter().map(|a| a.id.as_str()).collect();
    json!([{"field": "endpoint_id_list", "operator": "in", "value": ids}])
}

/// One poll of the console's `xdr-script-run`: status then results, with the same headers.
async fn poll(server: &Server, action_id: &Value) -> (Value, Value) {
    let console = server.console(&server.admin, Scheme::Advanced);
    let request = json!({ "action_id": action_id });
    let status = console
        .call("/scripts/get_script_execution_status/", request.clone())
        .await;
    assert_eq!(status.status, StatusCode::OK, "{:?}", status.body);
    let results = console
        .call("/scripts/get_script_execution_results", request)
        .await;
    assert_eq!(results.status, StatusCode::OK, "{:?}", results.body);
    (status.body["reply"].clone(), results.body["reply"].clone())
}

#[tokio::test]
async fn a_script_runs_on_two_endpoints_and_is_polled_to_completion_as_the_automation_does() {
    let server = Server::start().await;
    let (one, two) = (server.enroll("web-1").await, server.enroll("web-2").await);
    let uid = server.upload("sized").await;
    let console = server.console(&server.admin, Scheme::Advanced);
    let reply = console
        .call(
            "/scripts/run_script/",
            json!({"script_uid": uid, "timeout": 600, "filters": endpoints(&[&one, &two]),
                   "parameters_values": {"path": "/var/log"}, "incident_id": 4}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["reply"]["endpoints_count"], 2);
    let action_id = reply.body["reply"]["action_id"].clone();
    assert!(action_id.is_i64(), "{action_id}");

    let (status, results) = poll(&server, &action_id).await;
    assert_eq!(status["general_status"], "PENDING");
    assert_eq!(status["endpoints_pending"], 2);
    assert_eq!(status["endpoints_completed_successfully"], 0);
    assert_eq!(results["results"][0]["execution_status"], "PENDING");
    assert_eq!(results["results"][0]["standard_output"], Value::Null);

    let job = one.pull_one(&server).await;
    assert_eq!(job["parameters"], json!({"path": "/var/log"}));
    assert_eq!(job["timeout_secs"], 600);
    let (status, _) = poll(&server, &action_id).await;
    assert_eq!(status["general_status"], "IN_PROGRESS");
    assert_eq!(status["endpoints_in_progress"], 1);

    one.finish(
        &server,
        &job,
        Status::CompletedSuccessfully,
        json!({"size": 12}),
    )
    .await;
    let (status, _) = poll(&server, &action_id).await;
    assert_eq!(status["general_status"], "IN_PROGRESS");

    let job = two.pull_one(&server).await;
    two.finish(
        &server,
        &job,
        Status::CompletedSuccessfully,
        json!({"size": 7}),
    )
    .await;
    let (status, results) = poll(&server, &action_id).await;
    assert_eq!(status["general_status"], "COMPLETED_SUCCESSFULLY");
    assert_eq!(status["endpoints_completed_successfully"], 2);

    assert_eq!(results["script_name"], "sized");
    assert_eq!(results["script_description"], "Sizes a path.");
    assert_eq!(
        results["script_parameters"],
        json!([{"name": "path", "value": "/var/log"}])
    );
    assert_eq!(results["date_created"], "2027-01-15 08:00:00");
    assert_eq!(results["scope"], "web-1 and 1 other endpoints");
    let first = &results["results"][0];
    assert_eq!(first["endpoint_id"], one.id.as_str());
    assert_eq!(first["endpoint_name"], "web-1");
    assert_eq!(first["endpoint_ip_address"], json!(["10.0.0.7"]));
    assert_eq!(first["endpoint_status"], "CONNECTED");
    assert_eq!(first["execution_status"], "COMPLETED_SUCCESSFULLY");
    assert_eq!(first["standard_output"], "hello\n");
    assert_eq!(first["retrieved_files"], 0);
    assert_eq!(first["failed_files"], 0);
    assert_eq!(first["retention_date"], Value::Null);
    assert_eq!(first["size"], 12, "dictionary outputs spread their keys");
    assert_eq!(results["results"][1]["size"], 7);
}

#[tokio::test]
async fn action_id_is_accepted_as_a_number_or_a_string_everywhere() {
    let server = Server::start().await;
    let agent = server.enroll("web-1").await;
    let console = server.console(&server.admin, Scheme::Standard);
    let reply = console
        .call(
            "/scripts/run_snippet_code_script",
            json!({"filters": endpoints(&[&agent]), "snippet_code": "print(7)"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let id = reply.body["reply"]["action_id"].as_i64().expect("a number");

    for given in [json!(id), json!(id.to_string())] {
        let (status, results) = poll(&server, &given).await;
        assert_eq!(status["general_status"], "PENDING");
        assert_eq!(results["script_name"], "snippet script");
        let reply = console
            .call(
                "/actions/get_action_status/",
                json!({"group_action_id": given}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        assert_eq!(reply.body["reply"]["data"][&agent.id], "PENDING");
    }
    let reply = console
        .call(
            "/scripts/get_script_execution_status/",
            json!({"action_id": "12x"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    let reply = console
        .call(
            "/scripts/get_script_execution_status/",
            json!({"action_id": id + 1}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{:?}", reply.body);
    assert_eq!(reply.body["reply"]["err_code"], 404);
}

#[tokio::test]
async fn get_action_status_puts_running_endpoints_first_and_says_why_one_failed() {
    let server = Server::start().await;
    let (one, two) = (server.enroll("web-1").await, server.enroll("web-2").await);
    let console = server.console(&server.admin, Scheme::Advanced);
    let run = json!({"script_uid": server.upload("sized").await, "timeout": 600,
                     "filters": endpoints(&[&one, &two]), "parameters_values": {"path": "/"}});
    let reply = console.call("/scripts/run_script/", run).await;
    let id = reply.body["reply"]["action_id"].clone();

    let job = one.pull_one(&server).await;
    one.finish(&server, &job, Status::Failed, Value::Null).await;
    let reply = console
        .call(
            "/actions/get_action_status/",
            json!({"group_action_id": id}),
        )
        .await;
    let data = reply.body["reply"]["data"].as_object().cloned();
    let order: Vec<(String, Value)> = data.unwrap_or_default().into_iter().collect();
    assert_eq!(
        order,
        [
            (two.id.clone(), json!("PENDING")),
            (one.id.clone(), json!("FAILED"))
        ]
    );
    let reasons = &reply.body["reply"]["errorReasons"];
    assert_eq!(reasons[&one.id]["errorDescription"], "it broke");
    assert_eq!(reasons[&two.id], Value::Null);

    let job = two.pull_one(&server).await;
    two.finish(
        &server,
        &job,
        Status::CompletedSuccessfully,
        json!({"size": 1}),
    )
    .await;
    let (status, _) = poll(&server, &id).await;
    assert_eq!(status["general_status"], "COMPLETED_PARTIAL");
    assert_eq!(status["endpoints_failed"], 1);
}

#[tokio::test]
async fn a_console_builtin_uid_runs_wards_builtin_and_a_single_output_is_under_return_value() {
    let server = Server::start().await;
    let agent = server.enroll("web-1").await;
    let console = server.console(&server.admin, Scheme::Advanced);
    let file_exists = "414763381b5bfb7b05796c9fe690df46";
    let run = json!({"script_uid": file_exists, "timeout": 0, "filters": endpoints(&[&agent]),
                     "parameters_values": {"path": "/etc/hosts"}});
    let reply = console.call("/scripts/run_script/", run).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let id = reply.body["reply"]["action_id"].clone();

    let job = agent.pull_one(&server).await;
    assert_eq!(job["script_name"], "file_exists");
    assert_eq!(
        job["timeout_secs"], 60,
        "a timeout of 0 is the script's own"
    );
    agent
        .finish(&server, &job, Status::CompletedSuccessfully, json!(true))
        .await;
    let (_, results) = poll(&server, &id).await;
    assert_eq!(results["results"][0]["_return_value"], true);
}

#[tokio::test]
async fn runs_refuse_other_filters_and_actions_that_reach_no_endpoint() {
    let server = Server::start().await;
    let console = server.console(&server.admin, Scheme::Advanced);
    let uid = server.upload("sized").await;
    let by_name = json!([{"field": "hostname", "operator": "in", "value": ["web-1"]}]);
    let run = json!({"script_uid": uid, "filters": by_name, "parameters_values": {"path": "/"}});
    let reply = console.call("/scripts/run_script/", run).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);

    // The script is for Linux only: a Windows endpoint cannot take it.
    let windows = server.enroll_as("win-1", "Windows").await;
    let run = json!({"script_uid": uid, "filters": endpoints(&[&windows]),
                     "parameters_values": {"path": "/"}});
    let reply = console.call("/scripts/run_script/", run).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        reply.body
    );
    assert_eq!(reply.body["reply"]["err_code"], 422);
    let message = reply.body["reply"]["err_msg"].as_str().unwrap_or("");
    assert!(
        message.contains("no endpoint was found for creating the requested action"),
        "{message}"
    );

    let reply = console
        .call(
            "/scripts/run_script/",
            json!({"script_uid": uid, "filters": []}),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        reply.body
    );
}
