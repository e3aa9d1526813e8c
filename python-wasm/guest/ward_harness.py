"""Guest-side harness: runs one job inside the sandbox and hands the outcome back to the host.

The host writes the job to `/ward/run/job.json` and starts the interpreter with this module as
its program (`main`). A warm interpreter (`serve`) imports what scripts commonly use first, then
asks the host channel for its job; the host forks the interpreter there, so the imports are paid
once and each job still gets an interpreter of its own. The harness runs the script in one of the two console modes (the whole file, or a
named entry point called with typed parameters) and writes `/ward/run/result.json`: the return
value as JSON, the exception with its traceback, and the exit code. Standard output and error
are not captured here: the host captures the real file descriptors with their size caps.

The script runs in the same interpreter as this harness, so nothing here is a security boundary:
the host trusts no field of the result beyond "this is what the script produced".
"""

import builtins
import sys

import ward_json

JOB_PATH = "/ward/run/job.json"
RESULT_PATH = "/ward/run/result.json"


class _NotSerializable(Exception):
    pass


def _exit_code(exc):
    """Map SystemExit to a process exit code the way the interpreter itself does."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _traceback(exc):
    """The traceback from the script's first frame on: the harness's own frames say nothing
    about the script."""
    # Imported only when needed: `traceback` pulls in a dozen modules, a third of the harness's
    # start-up, and most runs never raise. Out of memory, even that import can fail.
    try:
        import traceback
    except BaseException:  # noqa: BLE001 - the result must still be written
        return f"{type(exc).__name__}: {exc}\n"

    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _text(value):
    """`value` as valid Unicode: a lone surrogate, which JSON text cannot carry to the host,
    becomes its escape written out (`\\ud800`)."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _describe(exc):
    return {
        "type": type(exc).__name__,
        "message": _text(str(exc)),
        "traceback": _text(_traceback(exc)),
    }


def _encode(value):
    try:
        text = ward_json.dumps(value, ensure_ascii=False)
        # Checked here, so that the script is told, rather than the host refusing the result.
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raise _NotSerializable(
            "the return value cannot be converted to JSON: it holds text that is not valid "
            "Unicode (a lone surrogate); return text that encodes as UTF-8"
        ) from None
    except (TypeError, ValueError, RecursionError) as exc:
        raise _NotSerializable(
            f"the return value cannot be converted to JSON ({type(exc).__name__}: {_text(str(exc))}); "
            "return dicts, lists, strings, numbers, booleans or None"
        ) from None


def _run(job, namespace):
    filename = job.get("filename") or "<script>"
    entry_point = job.get("name") if job.get("mode") == "entry_point" else ""
    namespace.update(
        __name__="__main__" if not entry_point else "__ward_script__",
        __file__=filename,
        __builtins__=builtins,
    )
    code = compile(job["code"], filename, "exec")
    exec(code, namespace)
    if not entry_point:
        return None
    function = namespace.get(entry_point)
    if not callable(function):
        raise NameError(f"entry point `{entry_point}` is not a function defined by the script")
    return function(**job.get("params", {}))


def main():
    with open(JOB_PATH, encoding="utf-8") as f:
        job = ward_json.loads(f.read())
    run_job(job)


def serve():
    """Warm interpreter: import what scripts commonly use, then wait for the job.

    Known shortcoming: the seed of `hash()` for str and bytes is chosen when the interpreter
    starts, so every job forked from one warm interpreter shares it."""
    import collections, datetime, gc, json, os, re, time, traceback  # noqa: E401,F401 - warmed
    # ward's own guest modules too, so that a job that imports `psutil` does not load it.
    import psutil, ward, winreg  # noqa: E401,F401 - warmed
    import ward_channel

    # The first call of `compile` makes the classes of the syntax tree, about 4 ms in the guest;
    # with ward's modules loaded as bytecode nothing here has called it yet, and every job does.
    compile("", "<warm-up>", "exec")
    # Every job runs in a copy of this process; a collection there would write to every object
    # alive now and so copy the whole heap. Objects made from here on are collected as usual.
    gc.freeze()
    job = ward_channel.call("job.next")
    # A generator seeded before the copy would repeat itself in every job.
    if "random" in sys.modules:
        sys.modules["random"].seed()
    run_job(job)


def run_job(job):
    """Run `job`, write its result, and leave without finalizing the interpreter: the host
    discards the whole instance, and finalizing would only cost time."""
    result = {"run_id": job.get("run_id"), "exception": None, "exit_code": 0}
    value_json = "null"
    namespace = {}
    try:
        value_json = _encode(_run(job, namespace))
    except SystemExit as exc:
        result["exit_code"] = _exit_code(exc)
        if result["exit_code"] != 0:
            result["exception"] = {
                "type": "SystemExit",
                "message": f"the script exited with code {result['exit_code']}",
                "traceback": _text(_traceback(exc)),
            }
    except _NotSerializable as exc:
        result["exit_code"] = 1
        result["exception"] = {"type": "TypeError", "message": str(exc), "traceback": ""}
    except BaseException as exc:  # noqa: BLE001 - every failure of the script is reported
        result["exit_code"] = 1
        result["exception"] = _describe(exc)

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed stream must not hide the result
            pass
    # The return value was encoded once already; splice it in rather than encode it again.
    with open(RESULT_PATH, "w", encoding="utf-8") as f:
        f.write(_encode(result)[:-1] + ', "return_value": ' + value_json + "}")
    # Files the script left open are closed (and flushed) when their last reference goes.
    namespace.clear()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - nothing is left to report it to
            pass
    import posix

    posix._exit(0)
