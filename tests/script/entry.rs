//! The entry point against its manifest: existence, parameters, what it returns; and the
//! built-in scripts, which must pass every check.

use ward::script::{BUILTINS, Manifest, draft_manifest, outline};

use super::{check, manifest, problems};
use crate::common::sandbox;

const NO_OUTPUT: &str = r#"{"output_params": {"type": "auto_detect", "value": []}}"#;

fn inputs(names: &[&str]) -> String {
    let params: Vec<String> = names
        .iter()
        .map(|n| format!(r#"{{"name": "{n}", "type": "string"}}"#))
        .collect();
    format!(
        r#"{{"input_params": [{}], "output_params": {{"type": "auto_detect", "value": []}}}}"#,
        params.join(", ")
    )
}

fn output(declaration: &str) -> String {
    format!(r#"{{"output_params": {declaration}}}"#)
}

/// What a case checks, the script, its entry point, the definition, and the expected problems
/// as (code, line).
type Case = (
    &'static str,
    &'static str,
    &'static str,
    String,
    Vec<(&'static str, Option<usize>)>,
);

fn cases() -> Vec<Case> {
    let dict = r#"{"type": "JSON", "value": [{"name": "ok", "friendly_name": "OK", "type": "boolean"}, {"name": "n", "friendly_name": "Count", "type": "number"}]}"#;
    vec![
        (
            "a matching signature",
            "def run(path, levels):\n    return 1\n",
            "run",
            inputs(&["path", "levels"]),
            vec![],
        ),
        (
            "a missing function",
            "def main():\n    return 1\n",
            "run",
            NO_OUTPUT.into(),
            vec![("missing_entry_point", None)],
        ),
        (
            "a declared parameter the function lacks",
            "def run(path):\n    return 1\n",
            "run",
            inputs(&["path", "extra"]),
            vec![("unknown_parameter", Some(1))],
        ),
        (
            "a function parameter the manifest lacks",
            "\ndef run(path, levels):\n    return 1\n",
            "run",
            inputs(&["path"]),
            vec![("undeclared_parameter", Some(2))],
        ),
        (
            "an undeclared parameter with a default",
            "def run(path, levels=2):\n    return 1\n",
            "run",
            inputs(&["path"]),
            vec![],
        ),
        (
            "keyword-only and **kwargs",
            "def run(*, path, **rest):\n    return 1\n",
            "run",
            inputs(&["path", "other"]),
            vec![],
        ),
        (
            "a positional-only parameter",
            "def run(path, /):\n    return 1\n",
            "run",
            inputs(&["path"]),
            vec![("positional_only_parameter", Some(1))],
        ),
        (
            "*args never needs declaring",
            "def run(*args):\n    return 1\n",
            "run",
            NO_OUTPUT.into(),
            vec![],
        ),
        (
            "an async entry point",
            "async def run():\n    return 1\n",
            "run",
            NO_OUTPUT.into(),
            vec![("async_entry_point", Some(1))],
        ),
        (
            "a generator entry point",
            "def run():\n    yield 1\n",
            "run",
            NO_OUTPUT.into(),
            vec![("generator_entry_point", Some(1))],
        ),
        (
            "the last definition wins",
            "def run(a):\n    pass\ndef run():\n    return 1\n",
            "run",
            NO_OUTPUT.into(),
            vec![],
        ),
        (
            "a definition under a top-level if",
            "import sys\nif sys.platform:\n    def run():\n        return 1\n",
            "run",
            NO_OUTPUT.into(),
            vec![],
        ),
        (
            "a dictionary with every field",
            "def run():\n    return {'ok': True, 'n': 1, 'extra': 2}\n",
            "run",
            output(dict),
            vec![],
        ),
        (
            "a dictionary missing a field",
            "def run():\n    if x:\n        return {'ok': True}\n    return dict(ok=False, n=0)\n",
            "run",
            output(dict),
            vec![("missing_output_field", Some(3))],
        ),
        (
            "a string where a dictionary is declared",
            "def run():\n    return 'done'\n",
            "run",
            output(dict),
            vec![("output_mismatch", Some(2))],
        ),
        (
            "a computed value is never held against",
            "def run():\n    return compute()\n",
            "run",
            output(dict),
            vec![],
        ),
        (
            "nothing returned for a declared output",
            "def run():\n    print('x')\n",
            "run",
            output(dict),
            vec![("no_return_value", Some(1))],
        ),
        (
            "a string where a number is declared",
            "def run():\n    if a:\n        return 5\n    return 'five'\n",
            "run",
            output(r#"{"type": "number", "value": []}"#),
            vec![("output_mismatch", Some(4))],
        ),
        (
            "a comparison where a boolean is declared",
            "def run():\n    return 1 > 0\n",
            "run",
            output(r#"{"type": "boolean", "value": []}"#),
            vec![],
        ),
        (
            "addresses where ip_list is declared",
            "def run():\n    if a:\n        return ['10.0.0.1', '::1']\n    return ['nope']\n",
            "run",
            output(r#"{"type": "ip_list", "value": []}"#),
            vec![("output_mismatch", Some(4))],
        ),
        (
            "nothing returned with auto_detect",
            "def run():\n    pass\n",
            "run",
            NO_OUTPUT.into(),
            vec![],
        ),
    ]
}

#[tokio::test]
async fn the_entry_point_must_exist_take_the_declared_parameters_and_fit_the_output() {
    for (what, code, entry_point, definition, expected) in cases() {
        let manifest = manifest(entry_point, &definition);
        let report = check(code, Some(&manifest)).await;
        assert!(report.manifest.is_some(), "{what}: the manifest is valid");
        assert_eq!(problems(&report), expected, "{what}: {:?}", report.errors);
    }
}

#[tokio::test]
async fn manifest_and_script_problems_are_listed_together() {
    let manifest = r#"{"name": "", "outcome": "Risky", "platform": "Linux", "timeout": 60, "entry_point": "run", "entry_point_definition": {}}"#;
    let report = check(
        "import requests\ndef run():\n    return 1\n",
        Some(manifest),
    )
    .await;
    let codes: Vec<&str> = report.errors.iter().map(|e| e.code()).collect();
    assert_eq!(
        codes,
        ["unknown_module", "manifest", "manifest", "manifest"],
        "{:?}",
        report.errors
    );
    assert!(report.manifest.is_none());
}

#[tokio::test]
async fn every_builtin_script_passes_validation_with_its_manifest() {
    for builtin in BUILTINS {
        let report = check(builtin.code, Some(builtin.manifest)).await;
        assert!(report.is_valid(), "{}: {:?}", builtin.name, report.errors);
    }
}

#[tokio::test]
async fn a_drafted_manifest_passes_validation() {
    let code = "def run(path: str, levels: int = 2, *, flags: list[str], verbose=False, **extra):\n    return {'n': 1}\n";
    let outline = outline(sandbox(), "script.py", code).await.unwrap();
    let draft = draft_manifest(&outline, "walker", Some("run")).unwrap();
    let text = draft.to_single_line_json();
    let names: Vec<&str> = draft
        .entry_point()
        .unwrap()
        .inputs()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["path", "levels", "flags", "verbose"]);
    assert_eq!(Manifest::parse(text.as_bytes()).unwrap(), draft);

    let report = check(code, Some(&text)).await;
    assert!(report.is_valid(), "{:?}", report.errors);
}

#[tokio::test]
async fn drafting_names_the_functions_when_the_entry_point_is_missing() {
    let outline = outline(sandbox(), "script.py", "def main():\n    pass\n")
        .await
        .unwrap();
    let error = draft_manifest(&outline, "s", Some("run")).unwrap_err();
    assert!(error.to_string().contains("`main`"), "{error}");
}
