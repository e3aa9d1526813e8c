//! A server of its own for each test, served on a loopback port (the progress stream and the
//! command line need a real socket), with a frozen clock and an administrator; agents are
//! simulated through the same client the real agent uses, so each status change happens exactly
//! when the test makes it.

use std::process::{Output, Stdio};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use ward::api::actions::{CreateAction, Targets};
use ward::api::agent::{Enroll, JobSpec, ResultReport};
use ward::api::people::Role;
use ward::api::progress::ProgressEvent;
use ward::api::scripts::UploadScript;
use ward::client::{Client, ProgressStream};
use ward::sandbox::RunResult;
use ward::server::serve;
use ward::status::Status;

use crate::common::server::{Ward, run_result};

/// How long a test waits for one progress event before it fails. Well under the stream's own
/// look-again interval, so an event that arrives proves the change woke the stream.
pub const PROMPTLY: Duration = Duration::from_secs(2);

pub struct Served {
    pub url: String,
    pub admin: Client,
    pub admin_key: String,
    /// Its state, data directory and enrollment secret; requests go to `url`, not its router.
    ward: Ward,
    stop: Option<oneshot::Sender<()>>,
}

#[derive(Clone)]
pub struct SimAgent {
    pub id: String,
    pub name: String,
    client: Client,
}

impl Served {
    pub async fn start() -> Served {
        let ward = Ward::open(|_| {}).await;
        let admin_key = ward.admin.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(serve(listener, ward.state.clone(), async {
            let _ = stopped.await;
        }));
        Served {
            admin: Client::new(&url).expect("a URL").with_api_key(&admin_key),
            url,
            admin_key,
            ward,
            stop: Some(stop),
        }
    }

    /// A client with the key of a new user with `role`.
    pub async fn user(&self, role: Role) -> Client {
        let key = self.ward.key(role).await;
        Client::new(&self.url).expect("a URL").with_api_key(&key)
    }

    pub async fn enroll(&self, name: &str) -> SimAgent {
        let request = Enroll {
            secret: self.ward.secret.clone(),
            name: name.to_owned(),
            platform: "Linux".into(),
            ip: "10.0.0.9".into(),
            tags: vec!["progress".into()],
        };
        let enrolled = Client::new(&self.url)
            .expect("a URL")
            .enroll(&request)
            .await
            .expect("the agent enrolls");
        SimAgent {
            id: enrolled.endpoint_id,
            name: name.to_owned(),
            client: Client::new(&self.url)
                .expect("a URL")
                .with_agent_token(&enrolled.token),
        }
    }

    /// Runs `code` as a snippet on `agents`; returns the action's id.
    pub async fn snippet(&self, code: &str, agents: &[&SimAgent]) -> i64 {
        self.create(None, Some(code.to_owned()), agents).await
    }

    /// Uploads a script whose entry point `run()` returns a dictionary with the fields `os`
    /// (titled "Operating system") and `serial`; returns its uid.
    pub async fn upload_inventory(&self) -> String {
        let manifest = json!({
            "name": "inventory", "description": "What the endpoint runs.",
            "outcome": "Standard", "platform": "Linux", "timeout": 60, "entry_point": "run",
            "entry_point_definition": {
                "input_params": [],
                "output_params": {"type": "JSON", "value": [
                    {"name": "os", "friendly_name": "Operating system", "type": "string"},
                    {"name": "serial", "friendly_name": "Serial", "type": "string"}
                ]}
            }
        });
        let upload = UploadScript {
            code: "def run():\n    return {'os': 'Linux', 'serial': '1'}\n".into(),
            manifest,
        };
        let script = self.admin.scripts_upload(&upload).await;
        script.expect("the script is uploaded").script_uid
    }

    /// Runs the library script `uid` on `agents`; returns the action's id.
    pub async fn script(&self, uid: &str, agents: &[&SimAgent]) -> i64 {
        self.create(Some(uid.to_owned()), None, agents).await
    }

    async fn create(&self, uid: Option<String>, code: Option<String>, agents: &[&SimAgent]) -> i64 {
        let request = CreateAction {
            script_uid: uid,
            snippet: code,
            parameters: Map::new(),
            timeout: Some(60),
            targets: Targets {
                endpoint_ids: agents.iter().map(|a| a.id.clone()).collect(),
                filter: None,
            },
        };
        let created = self.admin.actions_create(&request).await;
        let created = created.expect("the action is created");
        assert_eq!(
            created.endpoints_count,
            agents.len(),
            "{:?}",
            created.skipped
        );
        created.action_id
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl SimAgent {
    /// Polls once and returns the jobs handed over (now `In Progress`).
    pub async fn pull(&self) -> Vec<JobSpec> {
        let poll = self.client.poll(Duration::ZERO, false).await;
        poll.expect("the poll answers").jobs
    }

    /// Pulls exactly one job and returns its id.
    pub async fn pull_one(&self) -> String {
        let jobs = self.pull().await;
        assert_eq!(jobs.len(), 1, "{jobs:?}");
        jobs[0].job_id.clone()
    }

    /// Delivers the result of `job_id`: `status`, returning `value` and printing `stdout`.
    pub async fn finish(&self, job_id: &str, status: Status, value: Value, stdout: &str) {
        let result = RunResult {
            run_id: format!("run-{job_id}"),
            error: (status != Status::CompletedSuccessfully).then(|| format!("ended {status}")),
            stdout: stdout.to_owned(),
            duration_ms: 3,
            ..run_result(status, value)
        };
        let report = ResultReport {
            result,
            failed_files: Vec::new(),
        };
        let accepted = self.client.report_result(job_id, &report).await;
        assert!(accepted.expect("the result is delivered"), "stored once");
    }

    /// Answers every job handed to this agent until the task is aborted: each completes,
    /// printing `NAME ran: CODE` and returning `{"os": "Linux", "serial": NAME}`.
    pub fn answer_every_job(self) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let Ok(poll) = self.client.poll(Duration::from_secs(1), false).await else {
                    // The server is stopping with the test.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                for job in poll.jobs {
                    let stdout = format!("{} ran: {}\n", self.name, job.code);
                    let value = json!({"os": "Linux", "serial": self.name});
                    self.finish(&job.job_id, Status::CompletedSuccessfully, value, &stdout)
                        .await;
                }
            }
        })
    }
}

/// Runs the `ward` binary with `args` against `server` as its administrator, with `stdin` as
/// its standard input, and returns what it printed once it exits.
pub async fn ward_cli(server: &Served, args: &[&str], stdin: &str) -> Output {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(args)
        .env("WARD_SERVER", &server.url)
        .env("WARD_API_KEY", &server.admin_key)
        .env("WARD_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the ward binary starts");
    let mut input = child.stdin.take().expect("a piped standard input");
    input
        .write_all(stdin.as_bytes())
        .await
        .expect("the input is written");
    // Closing standard input is the end of the session.
    drop(input);
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output()).await;
    output
        .expect("the command ends within a minute")
        .expect("its output is read")
}

/// The next progress event, failing the test if it takes longer than [`PROMPTLY`].
pub async fn next_event(stream: &mut ProgressStream) -> Option<ProgressEvent> {
    let next = tokio::time::timeout(PROMPTLY, stream.next()).await;
    let next = next.unwrap_or_else(|_| panic!("no progress event within {PROMPTLY:?}"));
    next.expect("the stream reads")
}
