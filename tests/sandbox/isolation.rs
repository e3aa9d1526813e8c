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
    let second =
        run("import builtins, os\nprint(hasattr(builtins, 'leak'), os.listdir('/ward/run'))").await;
    assert_eq!(
        second.stdout, "False ['channel', 'job.json']\n",
        "{second:#?}"
    );
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
