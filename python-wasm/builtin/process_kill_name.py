"""Kill every process with a given name.

Reads the process table and kills (SIGKILL on Linux and macOS, TerminateProcess on Windows)
every process whose name equals `process_name`. On Windows the match ignores case and the
`.exe` suffix may be left out (`notepad` matches `Notepad.exe`); elsewhere it is exact. It never
kills its own process, nor natively the process that started it. Finding nothing to kill is not
an error: `killed` is then empty.
"""

import os
import sys

import psutil

# Process names are case-insensitive on Windows, and there they usually end in `.exe`.
WINDOWS = getattr(psutil, "WINDOWS", sys.platform == "win32")


def run(process_name):
    if not isinstance(process_name, str) or not process_name:
        raise ValueError("process_name is empty: give the name of the processes to kill")
    spared = _own_pids()

    killed, failed = [], []
    for proc in psutil.process_iter(["pid", "name"]):
        name = proc.info["name"]
        if proc.info["pid"] in spared or not _matches(name, process_name):
            continue
        entry = {"pid": proc.info["pid"], "name": name}
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            continue
        except (psutil.AccessDenied, OSError) as exc:
            failed.append({**entry, "error": f"{type(exc).__name__}: {exc}"})
            continue
        killed.append(entry)

    return {"killed": killed, "failed": failed}


def _matches(name, wanted):
    if name is None:
        return False
    if name == wanted:
        return True
    if not WINDOWS:
        return False
    name, wanted = name.lower(), wanted.lower()
    return name == wanted or name == wanted + ".exe"


def _own_pids():
    """Inside ward's sandbox `os.getpid()` is a placeholder and the host protects its own
    processes, so there is nothing to spare by pid there."""
    if sys.platform == "wasi":
        return set()
    return {os.getpid(), os.getppid()}
