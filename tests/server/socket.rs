//! The server on a real socket, as agents and the command line reach it: a long poll answered
//! when an action is created, and a streamed upload cut at the size cap.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use ward::api::people::Role;
use ward::server::{AppState, Clock, Config, add_user, new_enrollment_secret, serve};

struct Running {
    url: String,
    addr: std::net::SocketAddr,
    admin: String,
    secret: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn start(max_file_bytes: u64) -> Running {
    let dir = tempfile::Builder::new()
        .prefix("ward-server-socket-")
        .tempdir()
        .unwrap();
    let mut config = Config::new(dir.path());
    config.max_file_bytes = max_file_bytes;
    let state = AppState::open(config, Clock::system(), None).await.unwrap();
    let admin = add_user(state.db(), "admin", Role::Administrator, 0)
        .await
        .unwrap()
        .api_key;
    let secret = new_enrollment_secret(state.db(), 0).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    tokio::spawn(serve(listener, state, async move {
        let _ = stopped.await;
    }));
    Running {
        url: format!("http://{addr}/api/v1"),
        addr,
        admin,
        secret,
        stop: Some(stop),
        _dir: dir,
    }
}

async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_job_reaches_a_long_polling_agent_within_a_second() {
    let server = start(1 << 20).await;
    let http = reqwest::Client::new();
    let enroll =
        json!({"secret": server.secret, "name": "web-1", "platform": "Linux", "ip": "127.0.0.1"});
    let (status, enrolled) = send(
        http.post(format!("{}/agent/enroll", server.url))
            .json(&enroll),
    )
    .await;
    assert_eq!(status, 201);
    let token = enrolled["token"].as_str().unwrap().to_owned();

    let poll = tokio::spawn(send(
        http.get(format!("{}/agent/jobs?wait=20", server.url))
            .bearer_auth(&token),
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let action =
        json!({"snippet": "print('hi')", "targets": {"endpoint_ids": [enrolled["endpoint_id"]]}});
    let (status, created) = send(
        http.post(format!("{}/actions", server.url))
            .bearer_auth(&server.admin)
            .json(&action),
    )
    .await;
    assert_eq!(status, 201, "{created}");

    let (status, jobs) = poll.await.unwrap();
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(jobs["jobs"][0]["code"], "print('hi')");
    assert_eq!(jobs["jobs"][0]["action_id"], created["action_id"]);
}

#[tokio::test]
async fn a_streamed_upload_is_cut_at_the_cap() {
    let server = start(1000).await;
    let http = reqwest::Client::new();
    let enroll =
        json!({"secret": server.secret, "name": "web-1", "platform": "Linux", "ip": "127.0.0.1"});
    let (_, enrolled) = send(
        http.post(format!("{}/agent/enroll", server.url))
            .json(&enroll),
    )
    .await;
    let token = enrolled["token"].as_str().unwrap().to_owned();
    let action =
        json!({"snippet": "print(1)", "targets": {"endpoint_ids": [enrolled["endpoint_id"]]}});
    send(
        http.post(format!("{}/actions", server.url))
            .bearer_auth(&server.admin)
            .json(&action),
    )
    .await;
    let (_, poll) = send(
        http.get(format!("{}/agent/jobs", server.url))
            .bearer_auth(&token),
    )
    .await;
    let job = poll["jobs"][0]["job_id"].as_str().unwrap().to_owned();

    // Chunked, so no length is announced: the server must count as it reads.
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "PUT /api/v1/agent/jobs/{job}/files?path=big&sha256={} HTTP/1.1\r\nhost: x\r\n\
         authorization: Bearer {token}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
        "0".repeat(64)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for _ in 0..20 {
        let chunk = [b'a'; 100];
        if stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .is_err()
            || stream.write_all(&chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}
