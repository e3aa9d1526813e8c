"""Kill every process whose memory use is above a number of bytes.

Reads the process table and kills (SIGKILL on Linux and macOS, TerminateProcess on Windows)
every process whose resident memory (`memory_info().rss`) is above `memory_bytes`. It never
kills its own process, nor natively the process that started it. A process that exits before
it is killed is in neither list; one whose memory cannot be read is left alone.
"""

import os
import sys

import psutil


def run(memory_bytes):
    threshold = _threshold(memory_bytes)
    spared = _own_pids()

    killed, failed = [], []
    for proc in psutil.process_iter(["pid", "name", "memory_info"]):
        memory = proc.info["memory_info"]
        if proc.info["pid"] in spared or memory is None or memory.rss <= threshold:
            continue
        entry = {"pid": proc.info["pid"], "name": proc.info["name"]}
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            continue
        except (psutil.AccessDenied, OSError) as exc:
            failed.append({**entry, "error": f"{type(exc).__name__}: {exc}"})
            continue
        killed.append({**entry, "memory_rss": memory.rss})

    return {"killed": killed, "failed": failed}


def _threshold(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"memory_bytes must be a number of 0 or more, got {value!r}")
    return value


def _own_pids():
    """Inside ward's sandbox `os.getpid()` is a placeholder and the host protects its own
    processes, so there is nothing to spare by pid there."""
    if sys.platform == "wasi":
        return set()
    return {os.getpid(), os.getppid()}
