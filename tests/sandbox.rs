//! The sandbox engine on real scripts through the real interpreter.

use ward::status::Status;

use crate::common::run;

#[tokio::test]
async fn prints_and_completes() {
    let result = run("import sys\nprint('hello', sys.version_info[:2])").await;
    assert_eq!(result.status, Status::CompletedSuccessfully, "{result:#?}");
    assert_eq!(result.stdout, "hello (3, 12)\n");
}
