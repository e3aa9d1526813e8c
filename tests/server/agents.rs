//! The agent's side: a result is stored exactly once, retrieved files are checked and capped,
//! names from agents never reach the server's disk, and the long poll wakes on new work.

use std::io::Read;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::json;
use ward::status::Status;

use super::support::{TestAgent, TestServer, run_result, sha256};

/// A `file_exists` job pulled by a new agent `web-1`: (agent, action id, job id).
async fn pulled(server: &TestServer) -> (TestAgent, i64, String) {
    let agent = server.enroll("web-1", "Linux").await;
    let uid = server.builtin("file_exists").await;
    let id = server
        .run(json!({"script_uid": uid, "parameters": {"path": "/"}, "targets": {"endpoint_ids": [agent.id]}}))
        .await;
    let job = agent.pull_one(server).await["job_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (agent, id, job)
}

#[tokio::test]
async fn a_result_is_accepted_exactly_once() {
    let server = TestServer::start().await;
    let (agent, id, job) = pulled(&server).await;
    let first = run_result(Status::CompletedSuccessfully, json!(true));
    let mut second = run_result(Status::Failed, json!(false));
    second.stdout = "second\n".into();

    assert_eq!(
        agent.result(&server, &job, &first).await.body,
        json!({"accepted": true})
    );
    for resend in [&first, &second] {
        let reply = agent.result(&server, &job, resend).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body, json!({"accepted": false}));
    }

    let results = server
        .get(&format!("/actions/{id}/results"), &server.admin)
        .await
        .body;
    assert_eq!(results[0]["status"], "Completed Successfully");
    assert_eq!(results[0]["standard_output"], "hello\n");
    assert_eq!(results[0]["returned"]["kind"], "single");
    assert_eq!(results[0]["returned"]["value"], true);
    assert_eq!(results[0]["endpoint_name"], "web-1");
    assert_eq!(results[0]["execution_time"], super::support::T0);
}

#[tokio::test]
async fn a_file_with_the_wrong_sha256_is_refused_and_not_kept() {
    let server = TestServer::start().await;
    let (agent, _, job) = pulled(&server).await;
    let reply = agent
        .upload(&server, &job, "/etc/hosts", &sha256(b"other"), b"content")
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body["error"].as_str().unwrap().contains("SHA-256"));
    assert_eq!(
        std::fs::read_dir(server.state.files_dir()).unwrap().count(),
        0
    );

    let reply = agent
        .upload(&server, &job, "/etc/hosts", "not-hex", b"content")
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_file_over_the_cap_is_refused_and_not_kept() {
    let server = TestServer::with(|config| config.max_file_bytes = 1024).await;
    let (agent, _, job) = pulled(&server).await;
    let big = vec![7u8; 1025];
    let reply = agent
        .upload(&server, &job, "/big", &sha256(&big), &big)
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(
        std::fs::read_dir(server.state.files_dir()).unwrap().count(),
        0
    );

    let fits = vec![7u8; 1024];
    assert_eq!(
        agent
            .upload(&server, &job, "/fits", &sha256(&fits), &fits)
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn names_from_agents_never_reach_the_servers_disk() {
    let server = TestServer::start().await;
    let (agent, id, job) = pulled(&server).await;
    let evil = [
        "../../../../etc/passwd",
        "/abs/path",
        "C:\\Windows\\..\\x.txt",
        "..",
        "web-1/../../x",
    ];
    for path in evil {
        let body = path.as_bytes();
        let reply = agent.upload(&server, &job, path, &sha256(body), body).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "{path}: {:?}",
            reply.body
        );
    }
    let again = agent
        .upload(
            &server,
            &job,
            "/abs/path",
            &sha256(b"/abs/path"),
            b"/abs/path",
        )
        .await;
    assert_eq!(
        again.body,
        json!({"accepted": false}),
        "a resend is acknowledged, not stored twice"
    );

    for entry in std::fs::read_dir(server.state.files_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit()),
            "{name}"
        );
    }
    assert!(!server.dir.path().join("etc").exists());

    let archive = server
        .get(&format!("/actions/{id}/files"), &server.admin)
        .await;
    assert_eq!(archive.status, StatusCode::OK);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive.bytes.to_vec())).unwrap();
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().expect("a readable name").into_owned();
        assert!(
            name.starts_with("web-1/") && !name.split('/').any(|p| p == ".." || p.is_empty()),
            "{name}"
        );
        let mut content = String::new();
        file.read_to_string(&mut content).unwrap();
        names.push((name, content));
    }
    assert_eq!(names.len(), evil.len());
    assert!(names.contains(&(
        "web-1/etc/passwd".to_owned(),
        "../../../../etc/passwd".to_owned()
    )));

    let one = server
        .get(
            &format!("/actions/{id}/endpoints/{}/files", agent.id),
            &server.admin,
        )
        .await;
    assert_eq!(one.status, StatusCode::OK);
}

#[tokio::test]
async fn ids_with_traversal_reach_nothing() {
    let server = TestServer::start().await;
    let (agent, id, _) = pulled(&server).await;
    for job in ["..%2F..%2Fetc%2Fpasswd", "%2E%2E", "x'%20OR%201=1"] {
        let reply = agent.report(&server, job, "In Progress", None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{job}");
    }
    let reply = server
        .get(
            &format!("/actions/{id}/endpoints/..%2F{}/files", agent.id),
            &server.admin,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = server
        .get("/scripts/..%2F..%2Fward.db", &server.admin)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = server.get("/actions/1%20OR%201=1", &server.admin).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_waiting_poll_answers_as_soon_as_an_action_is_created() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let uid = server.builtin("file_exists").await;

    let started = Instant::now();
    let poll = {
        let request = super::support::request(
            "GET",
            "/agent/jobs?wait=10",
            Some(&agent.token),
            axum::body::Body::empty(),
        );
        let router = server.router.clone();
        tokio::spawn(async move { tower::ServiceExt::oneshot(router, request).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    server
        .run(json!({"script_uid": uid, "parameters": {"path": "/"}, "targets": {"endpoint_ids": [agent.id]}}))
        .await;
    let response = poll.await.unwrap().unwrap();
    let waited = started.elapsed();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["jobs"].as_array().unwrap().len(), 1);
    assert!(
        waited < Duration::from_secs(1),
        "the job reached the agent after {waited:?}"
    );
}

#[tokio::test]
async fn an_empty_poll_waits_no_longer_than_asked() {
    let server = TestServer::start().await;
    let agent = server.enroll("web-1", "Linux").await;
    let started = Instant::now();
    let reply = server
        .call("GET", "/agent/jobs?wait=1", Some(&agent.token), None)
        .await;
    assert_eq!(reply.body, json!({"jobs": [], "aborts": []}));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
}

#[tokio::test]
async fn files_have_their_own_cap_not_the_json_body_limit() {
    let server = TestServer::with(|config| {
        config.max_body_bytes = 1024;
        config.max_file_bytes = 1 << 20;
    })
    .await;
    let (agent, _, job) = pulled(&server).await;
    let content = vec![1u8; 64 * 1024];
    let reply = agent
        .upload(&server, &job, "/big", &sha256(&content), &content)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
}

#[tokio::test]
async fn a_resuming_agent_gets_its_in_progress_jobs_again_and_others_do_not() {
    let server = TestServer::start().await;
    let (agent, _id, job) = pulled(&server).await;
    assert_eq!(
        agent.poll(&server).await["jobs"],
        json!([]),
        "handed over once"
    );

    let reply = server
        .call(
            "GET",
            "/agent/jobs?wait=0&resume=true",
            Some(&agent.token),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let jobs = reply.body["jobs"].as_array().cloned().unwrap_or_default();
    assert_eq!(jobs.len(), 1, "{}", reply.body);
    assert_eq!(jobs[0]["job_id"], json!(job));

    let other = server.enroll("web-2", "Linux").await;
    let reply = server
        .call(
            "GET",
            "/agent/jobs?wait=0&resume=true",
            Some(&other.token),
            None,
        )
        .await;
    assert_eq!(reply.body["jobs"], json!([]), "only the agent's own jobs");
}
