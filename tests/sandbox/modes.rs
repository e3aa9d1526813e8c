//! Both console modes, return shapes, exceptions and exit codes.

use serde_json::json;
use ward::sandbox::{Limits, Mode, Outcome};
use ward::status::Status;

use crate::common::{entry, run, run_with};

#[tokio::test]
async fn just_run_prints_and_completes() {
    let result = run("import sys\nprint('hello', sys.version_info[:2])").await;
    assert_eq!(result.status, Status::CompletedSuccessfully, "{result:#?}");
    assert_eq!(result.stdout, "hello (3, 12)\n");
    assert_eq!(result.return_value, json!(null));
    assert_eq!(result.exit_code, Some(0));
}

#[tokio::test]
async fn just_run_executes_as_main() {
    let result = run("if __name__ == '__main__':\n    print('main')").await;
    assert_eq!(result.stdout, "main\n");
}

#[tokio::test]
async fn entry_point_receives_parameters_and_returns_a_dict() {
    let code = "def run(name, count, flags):\n    return {'name': name, 'double': count * 2, 'flags': flags}";
    let params = json!({"name": "ward", "count": 21, "flags": [true, false]});
    let result = run_with(code, entry("run", params), Limits::default()).await;
    assert_eq!(result.status, Status::CompletedSuccessfully, "{result:#?}");
    assert_eq!(
        result.return_value,
        json!({"name": "ward", "double": 42, "flags": [true, false]})
    );
}

#[tokio::test]
async fn entry_point_does_not_run_the_main_block() {
    let code = "if __name__ == '__main__':\n    print('main')\ndef run():\n    return 1";
    let result = run_with(code, entry("run", json!({})), Limits::default()).await;
    assert_eq!(result.stdout, "");
    assert_eq!(result.return_value, json!(1));
}

#[tokio::test]
async fn return_values_keep_their_json_shape() {
    for (expr, expected) in [
        ("'text'", json!("text")),
        ("3.5", json!(3.5)),
        ("[1, 'a', None]", json!([1, "a", null])),
        ("True", json!(true)),
        ("None", json!(null)),
        (
            "{'nested': {'list': [1, 2]}}",
            json!({"nested": {"list": [1, 2]}}),
        ),
        ("(1, 2)", json!([1, 2])),
        ("'é \\u2028 \"q\" \\n'", json!("é \u{2028} \"q\" \n")),
        (
            "{1: 'a', 2.5: 'b', None: 'c'}",
            json!({"1": "a", "2.5": "b", "null": "c"}),
        ),
        ("10 ** 18", json!(1_000_000_000_000_000_000_u64)),
        ("1e300", json!(1e300)),
    ] {
        let code = format!("def run():\n    return {expr}");
        let result = run_with(&code, entry("run", json!({})), Limits::default()).await;
        assert_eq!(result.return_value, expected, "returning {expr}");
    }
}

#[tokio::test]
async fn files_to_get_are_listed_in_the_result() {
    let code = "def run():\n    return {'files_to_get': ['/var/log/a.log', '/tmp/b'], 'n': 2}";
    let result = run_with(code, entry("run", json!({})), Limits::default()).await;
    assert_eq!(result.files_to_get, vec!["/var/log/a.log", "/tmp/b"]);
}

#[tokio::test]
async fn a_raised_exception_fails_with_its_traceback() {
    let code = "def run():\n    helper()\ndef helper():\n    raise ValueError('bad input')";
    let result = run_with(code, entry("run", json!({})), Limits::default()).await;
    assert_eq!(result.status, Status::Failed);
    let exception = result.exception.expect("the exception is reported");
    assert_eq!(exception.kind, "ValueError");
    assert_eq!(exception.message, "bad input");
    assert!(
        exception.traceback.contains("line 4, in helper"),
        "{}",
        exception.traceback
    );
    assert_eq!(result.error.as_deref(), Some("ValueError: bad input"));
}

#[tokio::test]
async fn sys_exit_with_a_code_fails_with_that_code() {
    let result = run("import sys\nprint('before')\nsys.exit(3)").await;
    assert_eq!(result.status, Status::Failed);
    assert_eq!(result.exit_code, Some(3));
    assert_eq!(result.stdout, "before\n");
    assert!(result.error.unwrap().contains("code 3"));
}

#[tokio::test]
async fn sys_exit_zero_completes() {
    let result = run("import sys\nsys.exit(0)").await;
    assert_eq!(result.status, Status::CompletedSuccessfully, "{result:#?}");
}

#[tokio::test]
async fn os_exit_without_a_result_fails_with_the_code() {
    let result = run("import os\nos._exit(7)").await;
    assert_eq!(result.status, Status::Failed);
    assert_eq!(result.outcome, Outcome::Exited { code: 7 });
    assert!(result.error.unwrap().contains("exited with code 7"));
}

#[tokio::test]
async fn a_syntax_error_fails_with_line_and_message() {
    let result = run("def broken(:\n    pass").await;
    assert_eq!(result.status, Status::Failed);
    let exception = result.exception.unwrap();
    assert_eq!(exception.kind, "SyntaxError");
    assert!(
        exception.traceback.contains("line 1"),
        "{}",
        exception.traceback
    );
}

#[tokio::test]
async fn a_missing_entry_point_fails_with_its_name() {
    let result = run_with("x = 1", entry("run", json!({})), Limits::default()).await;
    assert_eq!(result.status, Status::Failed);
    assert!(result.error.unwrap().contains("`run`"));
}

#[tokio::test]
async fn an_unserializable_return_value_fails_clearly() {
    for value in [
        "{'gen': (i for i in iter(int, 1))}",
        "float('nan')",
        "[float('inf')]",
        "{(1, 2): 'tuple key'}",
        "(lambda l: (l.append(l), l)[1])([])",
        "'\\ud800'",
        "{'ok': 1, 'k\\udfff': 2}",
    ] {
        let code = format!("def run():\n    return {value}");
        let result = run_with(&code, entry("run", json!({})), Limits::default()).await;
        assert_eq!(result.status, Status::Failed, "returning {value}");
        let error = result.error.unwrap();
        assert!(
            error.contains("cannot be converted to JSON"),
            "{value}: {error}"
        );
    }
}

/// Text that is not valid Unicode cannot cross to the host as JSON; the exception that carries it
/// is still reported, with the surrogate written out.
#[tokio::test]
async fn an_exception_with_a_lone_surrogate_is_still_reported() {
    for code in [
        "def run():\n    raise ValueError('bad \\ud800 value')",
        "import sys\ndef run():\n    sys.exit('bye \\ud800')",
    ] {
        let result = run_with(code, entry("run", json!({})), Limits::default()).await;
        assert_eq!(result.status, Status::Failed, "{code}");
        let exception = result.exception.expect("the exception is reported");
        let text = format!("{} {}", exception.message, exception.traceback);
        assert!(text.contains("\\ud800"), "{code}: {text}");
    }
}

#[tokio::test]
async fn parameters_reach_the_entry_point_as_sent() {
    let params = json!({"text": "é \u{2028} \"q\" \n", "numbers": [1, -2.5, 1e300], "nested": {"none": null, "yes": true}});
    let code = "def run(**params):\n    return params";
    let result = run_with(code, entry("run", params.clone()), Limits::default()).await;
    assert_eq!(result.return_value, params, "{:?}", result.error);
}

#[tokio::test]
async fn stderr_is_captured_apart_from_stdout() {
    let result = run("import sys\nprint('out')\nprint('err', file=sys.stderr)").await;
    assert_eq!(result.stdout, "out\n");
    assert_eq!(result.stderr, "err\n");
}

#[tokio::test]
async fn an_aborted_run_stops_and_says_so() {
    let job = crate::common::job("while True:\n    pass", Mode::JustRun);
    let abort = tokio::time::sleep(std::time::Duration::from_millis(300));
    let result = crate::common::sandbox()
        .run(&job, &Limits::default(), abort)
        .await
        .unwrap();
    assert_eq!(result.status, Status::Aborted);
    assert_eq!(result.outcome, Outcome::Aborted);
}
