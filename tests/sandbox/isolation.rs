//! What a script cannot reach: environment, network, processes, host files; and that nothing
//! survives from one run to the next.

use ward::sandbox::{EngineOptions, ModuleSource, Sandbox};
use ward::status::Status;

use crate::common::{cache_dir, run};

#[tokio::test]
async fn the_environment_is_empty() {
    let result = run("import os\nprint(dict(os.environ))").await;
    assert_eq!(result.stdout, "{}\n", "{result:#?}");
}

#[tokio::test]
async fn sockets_cannot_connect() {
    let code = "import socket\ns = socket.socket()\ns.connect(('127.0.0.1', 22))";
    let result = run(code).await;
    assert_eq!(result.status, Status::Failed);
}

#[tokio::test]
async fn subprocesses_cannot_start() {
    for code in [
        "import subprocess\nsubprocess.run(['ls'])",
        "import os\nos.system('ls')",
        "import os\nos.fork()",
    ] {
        let result = run(code).await;
        assert_eq!(
            result.status,
            Status::Failed,
            "{code} must fail: {result:#?}"
        );
    }
}

#[tokio::test]
async fn host_files_are_not_visible() {
    let marker = tempfile::NamedTempFile::new().unwrap();
    let code = format!(
        "import os\nprint(os.path.exists({path:?}), os.path.exists('/etc/passwd'))",
        path = marker.path().display().to_string()
    );
    let result = run(&code).await;
    assert_eq!(result.stdout, "False False\n", "{result:#?}");
}

#[tokio::test]
async fn the_guest_library_is_read_only() {
    let code = "import os\nprint('ward_harness.py' in os.listdir('/ward/lib'))\nopen('/ward/lib/x.py', 'w')";
    let result = run(code).await;
    assert_eq!(result.stdout, "True\n");
    assert_eq!(result.status, Status::Failed);
    assert!(result.error.unwrap().contains("Error"));
}

#[tokio::test]
async fn nothing_survives_from_one_run_to_the_next() {
    let first =
        run("import builtins\nbuiltins.leak = 1\nopen('/ward/run/left', 'w').write('x')").await;
    assert_eq!(first.status, Status::CompletedSuccessfully, "{first:#?}");
    let second = run(
        "import builtins, os\nprint(hasattr(builtins, 'leak'), 'left' in os.listdir('/ward/run'))",
    )
    .await;
    assert_eq!(second.stdout, "False False\n", "{second:#?}");
}

#[tokio::test]
async fn a_second_engine_start_uses_the_compiled_cache() {
    crate::common::sandbox();
    let options = EngineOptions {
        interpreter: None,
        cache_dir: Some(cache_dir()),
    };
    let again = Sandbox::load(&options).unwrap();
    assert_eq!(again.module_source(), ModuleSource::Cache);
}

#[tokio::test]
async fn a_result_file_replaced_by_a_link_to_a_host_file_is_not_followed() {
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        secret.path(),
        r#"{"return_value":{"leaked":"host secret"},"exception":null,"exit_code":0}"#,
    )
    .unwrap();
    let up = "../".repeat(32);
    let code = format!(
        "import os\nos.symlink({target:?}, '/ward/run/result.json')\nos._exit(0)",
        target = format!("{up}{}", secret.path().display())
    );
    let result = run(&code).await;
    assert_eq!(result.status, Status::Failed, "{result:#?}");
    assert!(
        !format!("{result:?}").contains("host secret"),
        "{result:#?}"
    );
    assert!(result.error.unwrap().contains("result"));
}

#[tokio::test]
async fn a_flood_written_to_the_host_channel_in_one_call_is_taken_one_request_at_a_time() {
    let code = "f = open('/ward/run/channel', 'r+b', buffering=0)\n\
                taken = f.write(b'\\n' * 4000000)\n\
                print(taken, len(f.read(1 << 16)) > 0)";
    let result = run(code).await;
    assert_eq!(result.status, Status::CompletedSuccessfully, "{result:#?}");
    assert_eq!(
        result.stdout, "1 True\n",
        "one empty request taken and answered"
    );
}

#[test]
fn scratch_directories_abandoned_by_a_killed_process_are_removed_at_start() {
    crate::common::sandbox();
    let runs = cache_dir().join("runs");
    let abandoned = runs.join("run-4294967295-abandoned");
    std::fs::create_dir_all(&abandoned).unwrap();
    let options = EngineOptions {
        interpreter: None,
        cache_dir: Some(cache_dir()),
    };
    Sandbox::load(&options).unwrap();
    assert!(!abandoned.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&runs).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the runs directory is private: {mode:o}");
    }
}
