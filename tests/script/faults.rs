//! Syntax, indentation and import faults, each reported by the guest's own grammar with its
//! line, and scripts that pass.

use ward::script::ScriptError;

use super::{check, problems};

type Case = (&'static str, &'static str, &'static [(&'static str, usize)]);

const SYNTAX_AND_INDENTATION: &[(&str, &str, &str, usize, usize)] = &[
    // (what, code, exception kind, line, column)
    (
        "an unclosed parenthesis",
        "x = 1\nprint((x)\n",
        "SyntaxError",
        2,
        6,
    ),
    (
        "a missing colon",
        "def run()\n    return 1\n",
        "SyntaxError",
        1,
        10,
    ),
    ("Python 2 print", "print 'hello'\n", "SyntaxError", 1, 1),
    (
        "return outside a function",
        "x = 1\nreturn x\n",
        "SyntaxError",
        2,
        1,
    ),
    (
        "mixed tabs and spaces",
        "if True:\n\tx = 1\n        y = 2\n",
        "TabError",
        3,
        1,
    ),
    (
        "an unexpected indent",
        "x = 1\n    y = 2\n",
        "IndentationError",
        2,
        4,
    ),
    (
        "a missing indented block",
        "def run():\nreturn 1\n",
        "IndentationError",
        2,
        1,
    ),
    (
        "an unindent to no outer level",
        "if True:\n        x = 1\n    y = 2\n",
        "IndentationError",
        3,
        10,
    ),
];

#[tokio::test]
async fn syntax_and_indentation_errors_come_from_the_guest_grammar_with_line_and_column() {
    for &(what, code, kind, line, column) in SYNTAX_AND_INDENTATION {
        let report = check(code, None).await;
        let [ScriptError::Syntax(fault)] = report.errors.as_slice() else {
            panic!("{what}: expected one syntax error, got {:?}", report.errors);
        };
        assert_eq!(fault.kind, kind, "{what}");
        assert_eq!(fault.line, Some(line), "{what}");
        assert_eq!(fault.column, Some(column), "{what}");
        assert!(
            report.errors[0]
                .to_string()
                .contains(&format!("line {line}")),
            "{what}: {}",
            report.errors[0]
        );
    }
}

#[tokio::test]
async fn a_null_byte_is_a_syntax_error_without_a_line() {
    let report = check("x = 1\0\n", None).await;
    assert_eq!(problems(&report), [("syntax", None)]);
    assert!(report.errors[0].to_string().contains("null bytes"));
}

#[tokio::test]
async fn a_script_too_deeply_nested_to_compile_is_refused_not_a_crash_of_the_check() {
    // The guest's C stack is small: a long chain of operators overflows its compiler, as it
    // would in a run.
    let long_sum = format!("def run():\n    return {}\n", vec!["1"; 3000].join(" + "));
    let deep_unary = format!("x = {}1\n", "-".repeat(5000));
    for code in [long_sum, deep_unary] {
        let report = check(&code, None).await;
        let [ScriptError::Syntax(fault)] = report.errors.as_slice() else {
            panic!("expected one error, got {:?}", report.errors);
        };
        assert!(
            matches!(fault.kind.as_str(), "RecursionError" | "MemoryError"),
            "{fault:?}"
        );
    }
}

const IMPORTS: &[Case] = &[
    (
        "a process module",
        "import subprocess\n",
        &[("unsupported_module", 1)],
    ),
    (
        "threads",
        "import os\nimport threading\n",
        &[("unsupported_module", 2)],
    ),
    (
        "thread pools",
        "from concurrent.futures import ThreadPoolExecutor\n",
        &[("unsupported_module", 1)],
    ),
    (
        "the network",
        "import socket\n",
        &[("unsupported_module", 1)],
    ),
    (
        "an event loop",
        "import asyncio\n",
        &[("unsupported_module", 1)],
    ),
    (
        "a refused submodule",
        "import urllib.request\n",
        &[("unsupported_module", 1)],
    ),
    (
        "a refused submodule by from",
        "from urllib import parse, request\n",
        &[("unsupported_module", 1)],
    ),
    (
        "a stdlib module the sandbox lacks",
        "import ctypes\n",
        &[("unsupported_module", 1)],
    ),
    (
        "a dynamic import",
        "m = __import__('ssl')\n",
        &[("unsupported_module", 1)],
    ),
    (
        "importlib",
        "import importlib\nm = importlib.import_module('multiprocessing')\n",
        &[("unsupported_module", 2)],
    ),
    (
        "an unknown module",
        "import requests\n",
        &[("unknown_module", 1)],
    ),
    (
        "an unknown module by from",
        "from yaml import safe_load\n",
        &[("unknown_module", 1)],
    ),
    (
        "ward's internal channel",
        "import ward_channel\n",
        &[("unknown_module", 1)],
    ),
    (
        "a relative import",
        "from . import helpers\n",
        &[("relative_import", 1)],
    ),
    (
        "a relative submodule",
        "from .helpers import x\n",
        &[("relative_import", 1)],
    ),
    (
        "a relative dynamic import",
        "import importlib\nm = importlib.import_module('.x', 'pkg')\n",
        &[("relative_import", 2)],
    ),
    (
        "every fault at once, in line order",
        "import requests\nimport os\nfrom . import a\ndef f():\n    import subprocess\n",
        &[
            ("unknown_module", 1),
            ("relative_import", 3),
            ("unsupported_module", 5),
        ],
    ),
];

#[tokio::test]
async fn unsupported_unknown_and_relative_imports_are_refused_with_their_line() {
    for &(what, code, expected) in IMPORTS {
        let report = check(code, None).await;
        let expected: Vec<(&str, Option<usize>)> =
            expected.iter().map(|&(c, line)| (c, Some(line))).collect();
        assert_eq!(problems(&report), expected, "{what}: {:?}", report.errors);
    }
}

#[tokio::test]
async fn a_refusal_names_the_module_and_the_reason() {
    let report = check("from urllib import request\n", None).await;
    let message = report.errors[0].to_string();
    assert!(message.contains("`urllib.request`"), "{message}");
    assert!(message.contains("no network"), "{message}");

    let report = check("from . import helpers\n", None).await;
    let message = report.errors[0].to_string();
    assert!(message.contains("from . import helpers"), "{message}");
}

const ACCEPTED: &[(&str, &str)] = &[
    (
        "the standard library",
        "import os, sys, json, re\nimport os.path\n",
    ),
    (
        "usable submodules",
        "from urllib.parse import quote\nimport xml.etree.ElementTree\n",
    ),
    (
        "ward's modules",
        "import ward\nimport psutil\nfrom winreg import HKEY_LOCAL_MACHINE\n",
    ),
    (
        "an optional import",
        "try:\n    import resource\nexcept ImportError:\n    resource = None\n",
    ),
    ("an empty script", ""),
];

#[tokio::test]
async fn scripts_with_supported_imports_pass() {
    for &(what, code) in ACCEPTED {
        let report = check(code, None).await;
        assert!(report.is_valid(), "{what}: {:?}", report.errors);
    }
}

#[tokio::test]
async fn the_outline_lists_imports_functions_and_compiler_warnings() {
    let code = "import os\nfrom json import dumps as d\n\ndef run(path: str, n=3, *a, k, **kw):\n    return {'ok': path is 1}\n";
    let report = check(code, None).await;
    assert!(report.is_valid(), "{:?}", report.errors);

    let modules: Vec<(&str, usize)> = report
        .imports
        .iter()
        .map(|i| (i.module.as_str(), i.line))
        .collect();
    assert_eq!(modules, [("os", 1), ("json", 2)]);
    assert_eq!(report.imports[1].names, ["dumps"]);

    let [run] = report.functions.as_slice() else {
        panic!("one function: {:?}", report.functions);
    };
    let params: Vec<(&str, Option<&str>, Option<&str>)> = run
        .params
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.annotation.as_deref(),
                p.default.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        params,
        [
            ("path", Some("str"), None),
            ("n", None, Some("3")),
            ("a", None, None),
            ("k", None, None),
            ("kw", None, None),
        ]
    );
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.line == Some(5) && w.message.contains("SyntaxWarning")),
        "{:?}",
        report.warnings
    );
}
