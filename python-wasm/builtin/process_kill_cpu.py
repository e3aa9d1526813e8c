"""Kill every process whose CPU use is above a threshold.

Reads the process table, measures each process's CPU use over one second, and kills (SIGKILL on
Linux and macOS, TerminateProcess on Windows) every process above `cpu_percent`. The threshold is
a percent of one CPU core, as psutil reports it: a process busy on two cores reads about 200.
It never kills its own process, nor natively the process that started it. A process that exits
before it is killed is in neither list; one that cannot be measured is left alone.
"""

import os
import sys
import time

import psutil

INTERVAL_SECONDS = 1.0


def run(cpu_percent):
    threshold = _threshold(cpu_percent)
    spared = _own_pids()

    sampled = []
    for proc in psutil.process_iter(["pid", "name"]):
        if proc.info["pid"] in spared:
            continue
        try:
            proc.cpu_percent(None)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        sampled.append(proc)

    time.sleep(INTERVAL_SECONDS)

    killed, failed = [], []
    for proc in sampled:
        try:
            usage = proc.cpu_percent(None)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if usage <= threshold:
            continue
        entry = {"pid": proc.info["pid"], "name": proc.info["name"]}
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            continue
        except (psutil.AccessDenied, OSError) as exc:
            failed.append({**entry, "error": f"{type(exc).__name__}: {exc}"})
            continue
        killed.append({**entry, "cpu_percent": usage})

    return {"killed": killed, "failed": failed}


def _threshold(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"cpu_percent must be a number of 0 or more, got {value!r}")
    return value


def _own_pids():
    """Inside ward's sandbox `os.getpid()` is a placeholder and the host protects its own
    processes, so there is nothing to spare by pid there."""
    if sys.platform == "wasi":
        return set()
    return {os.getpid(), os.getppid()}
