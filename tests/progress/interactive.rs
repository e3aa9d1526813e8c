//! The command line following actions: `ward interactive` driven through a pipe, and
//! `ward action run --watch`, each as the real binary against the test's server.

use super::support::{Served, ward_cli};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The ids of the actions a session said it created, in order.
fn created(stdout: &str) -> Vec<i64> {
    stdout
        .lines()
        .filter_map(|l| {
            l.strip_prefix("action ")?
                .split_once(" created for ")?
                .0
                .parse()
                .ok()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interactive_session_runs_each_entry_on_the_whole_scope() {
    let server = Served::start().await;
    let web1 = server.enroll("web-1").await;
    let web2 = server.enroll("web-2").await;
    let _outsider = server.enroll("db-1").await;
    server.upload_inventory().await;
    let answering = [
        web1.clone().answer_every_job(),
        web2.clone().answer_every_job(),
    ];

    let session = "print('hello')\n\
                   for i in range(2):\n    print(i)\n\n\
                   :run inventory\n\
                   :run no_such_script\n";
    let args = ["interactive", "--filter-name", "web-*"];
    let out = ward_cli(&server, &args, session).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));

    assert!(
        stdout.starts_with("2 endpoint(s) in scope: web-1, web-2."),
        "{stdout}"
    );
    let ids = created(&stdout);
    assert_eq!(ids.len(), 3, "one action per entry:\n{stdout}");
    for id in &ids {
        assert!(
            stdout.contains(&format!("action {id} created for 2 endpoint(s)")),
            "{stdout}"
        );
        let done = format!("action {id} done: Completed Successfully: 2");
        assert!(stdout.contains(&done), "{stdout}");
    }
    // Live counts, then each endpoint's result as it arrived.
    assert!(
        stdout.contains(&format!("action {}: 2/2 final", ids[0])),
        "{stdout}"
    );
    assert!(stdout.contains("web-1 ran: print('hello')"), "{stdout}");
    assert!(
        stdout.contains("web-2 ran: for i in range(2):"),
        "the block is one snippet:\n{stdout}"
    );
    assert!(stdout.contains("Operating system: \"Linux\""), "{stdout}");
    assert!(!stdout.contains("db-1"), "outside the scope:\n{stdout}");
    assert!(stderr.contains("no script `no_such_script`"), "{stderr}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed entry fails the session"
    );

    // Every run is an ordinary action, which a later session reopens.
    let status = server
        .admin
        .actions_status(ids[0])
        .await
        .expect("the action");
    assert_eq!(status.general_status, "Completed");
    let reopen = format!(":open {}\n", ids[0]);
    let out = ward_cli(&server, &args, &reopen).await;
    let stdout = text(&out.stdout);
    assert!(stdout.contains("web-2 ran: print('hello')"), "{stdout}");
    assert!(
        stdout.contains(&format!("action {} done", ids[0])),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    for task in answering {
        task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_watch_waits_for_every_endpoint_then_prints_the_results() {
    let server = Served::start().await;
    let agent = server.enroll("lab-1").await;
    let answering = agent.clone().answer_every_job();

    let args = [
        "action",
        "run",
        "--snippet",
        "print(7)",
        "--endpoint",
        &agent.id,
        "--watch",
    ];
    let out = ward_cli(&server, &args, "").await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(stdout.contains("lab-1 (10.0.0.9"), "{stdout}");
    assert!(stdout.contains("lab-1 ran: print(7)"), "{stdout}");
    answering.abort();
}
