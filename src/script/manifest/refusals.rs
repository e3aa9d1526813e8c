//! Tables of manifests the parser must refuse, each with the field the error
//! must name and a piece of the message that tells the fix.

use serde_json::{Value, json};

use super::tests::{LIST_DIRECTORIES, SNIPPET, base, remove, set, with};
use super::{MAX_MANIFEST_BYTES, Manifest, ManifestError};

/// The field path of a JSON pointer: `/a/b/0/c` is `a.b[0].c`.
fn path_of(pointer: &str) -> String {
    let mut path = String::new();
    for segment in pointer.split('/').skip(1) {
        if segment.parse::<usize>().is_ok() {
            path.push_str(&format!("[{segment}]"));
        } else {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(segment);
        }
    }
    path
}

fn assert_refused(label: &str, text: &[u8], field: Option<&str>, fragment: &str) {
    let errors = match Manifest::parse(text) {
        Ok(manifest) => panic!("{label}: accepted as {manifest:?}"),
        Err(errors) => errors,
    };
    let found = errors
        .0
        .iter()
        .any(|e| e.field() == field && e.to_string().contains(fragment));
    assert!(
        found,
        "{label}: expected {field:?} with {fragment:?}, got:\n{errors}"
    );
}

#[test]
fn wrong_values_are_refused_naming_their_field() {
    let two_params = json!([{"name": "a", "type": "string"}, {"name": "a", "type": "number"}]);
    let two_fields = json!([
        {"name": "dirs", "friendly_name": "Dirs", "type": "string_list"},
        {"name": "dirs", "friendly_name": "Again", "type": "string_list"},
    ]);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "/author",
            json!("me"),
            "the fields allowed here are `name`, `description`",
        ),
        (
            "/entry_point_definition/extra",
            json!(1),
            "are `input_params`, `output_params`",
        ),
        (
            "/entry_point_definition/input_params/0/default",
            json!("/"),
            "are `name`, `type`",
        ),
        ("/name", json!(""), "is empty"),
        ("/name", json!("   "), "is empty"),
        ("/name", json!(5), "must be a string, but it is a number"),
        ("/outcome", json!("high risk"), "`Standard` or `High Risk`"),
        ("/outcome", json!("Low"), "is `Low`"),
        (
            "/platform",
            json!("Windows,BeOS"),
            "`BeOS`, which is not a platform",
        ),
        ("/platform", json!("linux"), "spelled exactly so"),
        ("/platform", json!("Windows,,Linux"), "empty entry"),
        ("/platform", json!(""), "empty entry"),
        (
            "/platform",
            json!("Linux, macOS,Linux"),
            "lists Linux more than once",
        ),
        ("/platform", json!(["Linux"]), "but it is a list"),
        ("/timeout", json!(0), "at least 1 second"),
        ("/timeout", json!(-5), "is -5"),
        ("/timeout", json!(1.5), "not a whole number"),
        ("/timeout", json!(600.0), "600.0"),
        (
            "/timeout",
            json!("600"),
            "a number of seconds, but it is a string",
        ),
        ("/timeout", json!(86_401), "24 hours"),
        ("/timeout", json!(null), "but it is null"),
        (
            "/entry_point",
            json!("run-it"),
            "not a Python function name",
        ),
        ("/entry_point", json!("1run"), "`1run`"),
        ("/entry_point", json!("def"), "`def`"),
        ("/entry_point", json!(" run"), "` run`"),
        ("/entry_point", json!(false), "must be a string"),
        ("/entry_point_definition", json!([]), "must be an object"),
        (
            "/entry_point_definition/input_params",
            json!({}),
            "must be a list",
        ),
        (
            "/entry_point_definition/input_params",
            two_params,
            "repeats the name `a`",
        ),
        (
            "/entry_point_definition/input_params/0",
            json!("path"),
            "a name and a type",
        ),
        (
            "/entry_point_definition/input_params/0/type",
            json!("int"),
            "not a parameter type",
        ),
        (
            "/entry_point_definition/input_params/0/type",
            json!("Number"),
            "`Number`",
        ),
        (
            "/entry_point_definition/input_params/0/name",
            json!("Path"),
            "such as `path`",
        ),
        (
            "/entry_point_definition/input_params/0/name",
            json!("my-path"),
            "not a valid name",
        ),
        (
            "/entry_point_definition/input_params/0/name",
            json!("1st"),
            "not a valid name",
        ),
        (
            "/entry_point_definition/input_params/0/name",
            json!(""),
            "not a valid name",
        ),
        (
            "/entry_point_definition/input_params/0/name",
            json!("class"),
            "Python keyword",
        ),
        (
            "/entry_point_definition/output_params",
            json!("JSON"),
            "must be an object",
        ),
        (
            "/entry_point_definition/output_params/type",
            json!("dictionary"),
            "use JSON for",
        ),
        (
            "/entry_point_definition/output_params/type",
            json!("json"),
            "not an output type",
        ),
        (
            "/entry_point_definition/output_params/value",
            json!({}),
            "must be a list",
        ),
        (
            "/entry_point_definition/output_params/value",
            two_fields,
            "repeats the name `dirs`",
        ),
        (
            "/entry_point_definition/output_params/value/0",
            json!(null),
            "but it is null",
        ),
        (
            "/entry_point_definition/output_params/value/0/name",
            json!("Dirs"),
            "upper-case",
        ),
        (
            "/entry_point_definition/output_params/value/0/name",
            json!("a b"),
            "not a valid",
        ),
        (
            "/entry_point_definition/output_params/value/0/friendly_name",
            json!(" "),
            "title",
        ),
        (
            "/entry_point_definition/output_params/value/0/type",
            json!("list"),
            "`list`",
        ),
    ];
    for (pointer, value, fragment) in cases {
        let mut field = path_of(pointer);
        // A repeated name is reported at the second one.
        if fragment.starts_with("repeats") {
            field.push_str("[1].name");
        }
        let text = set(pointer, value);
        assert_refused(pointer, text.as_bytes(), Some(&field), fragment);
    }
}

#[test]
fn missing_mandatory_fields_are_refused_naming_them() {
    let pointers = [
        "/name",
        "/description",
        "/outcome",
        "/platform",
        "/timeout",
        "/entry_point",
        "/entry_point_definition",
        "/entry_point_definition/input_params/0/name",
        "/entry_point_definition/input_params/0/type",
        "/entry_point_definition/output_params/type",
        "/entry_point_definition/output_params/value/0/name",
        "/entry_point_definition/output_params/value/0/friendly_name",
        "/entry_point_definition/output_params/value/0/type",
    ];
    for pointer in pointers {
        let field = path_of(pointer);
        let text = remove(pointer);
        assert_refused(pointer, text.as_bytes(), Some(&field), "is missing: add it");
    }
}

#[test]
fn definitions_that_contradict_themselves_are_refused() {
    const OUTPUT: &str = "entry_point_definition.output_params";
    const VALUE: &str = "entry_point_definition.output_params.value";
    let just_run = |definition: Value| {
        with(|m| {
            m["entry_point"] = json!("");
            m["entry_point_definition"] = definition;
        })
    };
    let inputs = just_run(json!({"input_params": [{"name": "X", "type": "string"}]}));
    let output = just_run(json!({"output_params": {"type": "string"}}));
    let no_value = remove("/entry_point_definition/output_params/value");
    let single = set(
        "/entry_point_definition/output_params/type",
        json!("string_list"),
    );
    let cases = [
        (
            inputs,
            "entry_point_definition.input_params",
            "name the function",
        ),
        (output, OUTPUT, "returns nothing"),
        (no_value, VALUE, "a JSON output lists its fields"),
        (single, VALUE, "but the output type is string_list"),
    ];
    for (text, field, fragment) in cases {
        assert_refused(fragment, text.as_bytes(), Some(field), fragment);
    }
}

#[test]
fn malformed_text_is_refused_saying_where() {
    let pretty = serde_json::to_string_pretty(&base()).unwrap_or_default();
    let duplicate = SNIPPET.replacen(r#""outcome""#, r#""outcome":"Standard","outcome""#, 1);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (pretty.into_bytes(), "spans 30 lines"),
        (
            format!("{LIST_DIRECTORIES}\n\n").into_bytes(),
            "spans 2 lines",
        ),
        (
            LIST_DIRECTORIES.replacen(',', ",\r\n", 1).into_bytes(),
            "spans 2 lines",
        ),
        (
            LIST_DIRECTORIES.replacen(':', ":\t", 1).into_bytes(),
            "column 9 (byte offset 8)",
        ),
        (
            br#"{"name": }"#.to_vec(),
            "line 1, column 10: expected value",
        ),
        (format!("{SNIPPET} x").into_bytes(), "trailing characters"),
        (SNIPPET.as_bytes()[..40].to_vec(), "EOF while parsing"),
        (b"[1,2]".to_vec(), "but it is a list"),
        (br#""manifest""#.to_vec(), "but it is a string"),
        (Vec::new(), "is empty"),
        (b"  \n".to_vec(), "is empty"),
        (vec![b' '; MAX_MANIFEST_BYTES + 1], "over the limit"),
        ("[".repeat(10_000).into_bytes(), "recursion limit exceeded"),
        (b"{\"name\":\"\xff\"}".to_vec(), "invalid byte at offset 9"),
    ];
    for (text, fragment) in cases {
        assert_refused(fragment, &text, None, fragment);
    }
    assert_refused(
        "duplicate",
        duplicate.as_bytes(),
        Some("outcome"),
        "more than once",
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = r#"{"name":"","description":"d","outcome":"Low","platform":"Linux,Plan9","timeout":0,"entry_point":"run","entry_point_definition":{"input_params":[{"name":"Path","type":"int"},{"name":"x","type":"string","extra":1}],"output_params":{"type":"JSON"}},"author":"me","version":2}"#;
    let errors = Manifest::parse(text.as_bytes()).unwrap_err();
    let fields: Vec<Option<&str>> = errors.0.iter().map(ManifestError::field).collect();
    let expected = [
        "author",
        "version",
        "name",
        "outcome",
        "platform",
        "timeout",
        "entry_point_definition.input_params[0].name",
        "entry_point_definition.input_params[0].type",
        "entry_point_definition.input_params[1].extra",
        "entry_point_definition.output_params.value",
    ];
    assert_eq!(fields, expected.map(Some), "{errors}");
    assert_eq!(errors.to_string().lines().count(), expected.len());
}

#[test]
fn text_problems_are_reported_along_with_field_problems() {
    let text = "{\"name\":\"\",\t\"description\":\"d\",\n\"outcome\":\"Standard\"}";
    let errors = Manifest::parse(text.as_bytes()).unwrap_err();
    assert!(
        matches!(errors.0[0], ManifestError::MultiLine { lines: 2 }),
        "{errors}"
    );
    assert!(matches!(
        errors.0[1],
        ManifestError::Tab {
            line: 1,
            column: 12,
            count: 1,
            ..
        }
    ));
    assert!(errors.mentions("name"));
    assert!(errors.mentions("platform"));
}
