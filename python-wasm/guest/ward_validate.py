"""Static checks of a script, made by the guest interpreter itself before the script is accepted.

The host calls these functions in entry-point mode, with no host access, and reads what they
return as JSON:

- `validate(source, filename)` parses the script with the grammar that will run it and reports
  its syntax error (or its imports and top-level functions when it parses);
- `modules()` lists the standard-library modules that work in the sandbox, by importing each.

Nothing here runs the script: its source is parsed and compiled, never executed. The host
decides what is an error; this module only describes what it sees.
"""

import ast
import contextlib
import importlib
import io
import math
import sys
import warnings
import zipfile

STDLIB_ZIP = "/usr/local/lib/python312.zip"

# ward's own guest modules that scripts may import.
WARD_MODULES = ("ward", "psutil", "winreg")

# Modules that import in the sandbox but cannot do their job under WASI. A dotted name denies
# one submodule of a package whose other parts work (`urllib.parse` does, `urllib.request` not).
_NO_NETWORK = "the sandbox has no network"
DENIED = {
    "subprocess": "WASI cannot start processes",
    "threading": "WASI cannot start threads (RuntimeError: can't start new thread)",
    "_thread": "WASI cannot start threads",
    "concurrent": "its executors need threads or processes, which WASI cannot start",
    "asyncio": "its event loop needs a socket pair, which WASI does not provide",
    "_asyncio": "its event loop needs a socket pair, which WASI does not provide",
    "getpass": "the sandbox has no terminal and no user database",
    "socket": _NO_NETWORK,
    "_socket": _NO_NETWORK,
    "socketserver": _NO_NETWORK,
    "ftplib": _NO_NETWORK,
    "imaplib": _NO_NETWORK,
    "nntplib": _NO_NETWORK,
    "poplib": _NO_NETWORK,
    "smtplib": _NO_NETWORK,
    "telnetlib": _NO_NETWORK,
    "http.client": _NO_NETWORK,
    "http.server": _NO_NETWORK,
    "urllib.request": _NO_NETWORK,
    "xmlrpc": _NO_NETWORK,
}

# Exception names whose handler makes an import inside its `try:` optional.
_IMPORT_HANDLERS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}

_MAX_QUOTED = 200


def modules():
    """Every standard-library module with whether it works here, and ward's modules."""
    candidates = set(sys.builtin_module_names)
    with zipfile.ZipFile(STDLIB_ZIP) as archive:
        for name in archive.namelist():
            candidates.add(name.split("/")[0].removesuffix(".pyc"))
    # Frozen modules such as `_frozen_importlib` are neither built in nor in the archive, but
    # are already loaded.
    candidates |= {name.split(".")[0] for name in sys.modules}
    # CPython's test helpers (`_testcapi`, `__hello__`) ship in the archive but are not part of
    # the standard library a script may rely on.
    candidates &= set(sys.stdlib_module_names)

    for name in WARD_MODULES:
        failure = _import_failure(name)
        if failure is not None:
            raise ImportError(f"ward's guest module {name} is broken: {failure}")

    supported = [{"name": name, "origin": "ward"} for name in WARD_MODULES]
    unsupported = [{"name": n, "reason": r} for n, r in DENIED.items() if "." in n]
    for name in sorted(set(sys.stdlib_module_names) - set(WARD_MODULES)):
        reason = DENIED.get(name)
        if reason is None and name not in candidates:
            reason = "it is not part of the sandbox's Python"
        if reason is None:
            reason = _import_failure(name)
        if reason is None:
            supported.append({"name": name, "origin": "stdlib"})
        else:
            unsupported.append({"name": name, "reason": reason})
    return {"supported": supported, "unsupported": unsupported}


def _import_failure(name):
    """Why `name` does not import, or None when it does. What importing prints is dropped
    (`this` prints a poem)."""
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            importlib.import_module(name)
    except BaseException as exc:  # noqa: BLE001 - any failure means the module does not work
        return f"it does not import in the sandbox ({type(exc).__name__}: {exc})"
    return None


def validate(source, filename="script.py"):
    """The syntax error of `source`, or its imports, top-level functions and warnings."""
    report = {"syntax_error": None, "imports": [], "functions": [], "warnings": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            tree = ast.parse(source, filename)
            compile(tree, filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            report["syntax_error"] = _syntax_error(exc, source)
            return report
        except ValueError as exc:
            report["syntax_error"] = _whole_text_error("SyntaxError", exc)
            return report
        except (RecursionError, MemoryError) as exc:
            # Nesting too deep for the parser or the compiler: the run would fail the same way.
            report["syntax_error"] = _whole_text_error(type(exc).__name__, exc)
            return report
    report["warnings"] = [
        {"line": getattr(w, "lineno", None), "message": f"{w.category.__name__}: {w.message}"}
        for w in caught
    ]
    imports = _Imports()
    imports.visit(tree)
    report["imports"] = imports.found
    report["functions"] = [_function(node, source) for node in _top_level_functions(tree.body)]
    return report


def _whole_text_error(kind, exc):
    return {"kind": kind, "line": None, "column": None, "message": str(exc), "text": None}


def _syntax_error(exc, source):
    text = exc.text
    # Errors found by the compiler rather than the parser carry no text; take it from the source.
    if not isinstance(text, str) and isinstance(exc.lineno, int) and exc.lineno > 0:
        lines = source.splitlines()
        text = lines[exc.lineno - 1] if exc.lineno <= len(lines) else None
    text = text.rstrip("\n") if isinstance(text, str) else None
    return {
        "kind": type(exc).__name__,
        "line": exc.lineno,
        "column": exc.offset,
        "message": exc.msg,
        "text": text,
    }


class _Imports(ast.NodeVisitor):
    """Every import, wherever it is: statements, and `__import__('x')` or
    `importlib.import_module('x')` with a constant name."""

    def __init__(self):
        self.found = []
        self._guards = 0

    def _add(self, module, node, level=0, names=()):
        self.found.append({
            "module": module, "level": level, "names": list(names), "line": node.lineno,
            "guarded": self._guards > 0,
        })

    def visit_Import(self, node):
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node):
        self._add(node.module or "", node, node.level, [a.name for a in node.names])

    def visit_Try(self, node):
        guarded = any(_catches_import_error(h.type) for h in node.handlers)
        self._guards += guarded
        for child in node.body:
            self.visit(child)
        self._guards -= guarded
        for child in node.handlers + node.orelse + node.finalbody:
            self.visit(child)

    visit_TryStar = visit_Try

    def visit_Call(self, node):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in ("__import__", "import_module") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                module = first.value
                level = len(module) - len(module.lstrip("."))
                self._add(module[level:], node, level)
        self.generic_visit(node)


def _catches_import_error(handler_type):
    if handler_type is None:
        return True
    types = handler_type.elts if isinstance(handler_type, ast.Tuple) else [handler_type]
    return any(isinstance(t, ast.Name) and t.id in _IMPORT_HANDLERS for t in types)


def _top_level_functions(body):
    """Functions defined at module level, also inside top-level `if`, `try` and `with`."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        elif isinstance(node, ast.If):
            yield from _top_level_functions(node.body + node.orelse)
        elif isinstance(node, (ast.Try, ast.TryStar)):
            blocks = node.body + node.orelse + node.finalbody
            for handler in node.handlers:
                blocks = blocks + handler.body
            yield from _top_level_functions(blocks)
        elif isinstance(node, ast.With):
            yield from _top_level_functions(node.body)


def _function(node, source):
    args = node.args
    params = []
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + args.defaults
    for index, (arg, default) in enumerate(zip(positional, defaults)):
        kind = "positional_only" if index < len(args.posonlyargs) else "positional"
        params.append(_param(arg, kind, default, source))
    if args.vararg is not None:
        params.append(_param(args.vararg, "var_positional", None, source))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        params.append(_param(arg, "keyword_only", default, source))
    if args.kwarg is not None:
        params.append(_param(args.kwarg, "var_keyword", None, source))
    body = _Body()
    for statement in node.body:
        body.visit(statement)
    return {
        "name": node.name,
        "line": node.lineno,
        "is_async": isinstance(node, ast.AsyncFunctionDef),
        "is_generator": body.yields,
        "decorated": bool(node.decorator_list),
        "params": params,
        "returns": [_shape(r) for r in body.returns],
    }


def _param(arg, kind, default, source):
    return {
        "name": arg.arg,
        "kind": kind,
        "annotation": _text(arg.annotation, source),
        "default": _text(default, source),
    }


def _text(node, source):
    if node is None:
        return None
    return ast.get_source_segment(source, node) or ast.unparse(node)


class _Body(ast.NodeVisitor):
    """The `return` statements and `yield`s of one function, not of the functions, lambdas and
    classes nested in it."""

    def __init__(self):
        self.returns = []
        self.yields = False

    def visit_Return(self, node):
        self.returns.append(node)
        self.generic_visit(node)

    def visit_Yield(self, node):
        self.yields = True

    visit_YieldFrom = visit_Yield

    def _skip(self, node):
        pass

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = _skip


def _shape(node):
    """What a `return` gives back, as far as its text tells: its kind (`nothing`, `dict`,
    `list`, `string`, `number`, `boolean` or `unknown`), the keys of a dict literal, and the
    value of a constant."""
    value = node.value
    shape = {"line": node.lineno, "kind": "unknown", "keys": None, "value": None}
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        shape["kind"] = "nothing"
    elif isinstance(value, ast.Constant):
        shape.update(_constant(value.value))
    elif isinstance(value, ast.JoinedStr):
        shape["kind"] = "string"
    elif isinstance(value, ast.Compare) or (
        isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not)
    ):
        shape["kind"] = "boolean"
    elif isinstance(value, ast.Dict):
        shape["kind"] = "dict"
        if all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in value.keys):
            shape["keys"] = [k.value for k in value.keys]
    elif _is_dict_call(value):
        shape["kind"] = "dict"
        if all(k.arg is not None for k in value.keywords):
            shape["keys"] = [k.arg for k in value.keywords]
    elif isinstance(value, (ast.List, ast.Tuple, ast.ListComp)):
        shape["kind"] = "list"
        elements = getattr(value, "elts", None)
        if elements is not None and all(isinstance(e, ast.Constant) for e in elements):
            items = [_constant(e.value) for e in elements]
            if all("value" in item for item in items):
                shape["value"] = [item["value"] for item in items]
    return shape


def _constant(value):
    """The kind of a constant, with its value when JSON carries it exactly and it is short."""
    if isinstance(value, bool):
        return {"kind": "boolean", "value": value}
    if isinstance(value, int) and -(2**63) <= value < 2**64:
        return {"kind": "number", "value": value}
    if isinstance(value, float) and math.isfinite(value):
        return {"kind": "number", "value": value}
    if isinstance(value, (int, float)):
        return {"kind": "number"}
    if isinstance(value, str):
        return {"kind": "string", "value": value} if len(value) <= _MAX_QUOTED else {"kind": "string"}
    return {"kind": "unknown"}


def _is_dict_call(node):
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "dict"
        and not node.args
    )
