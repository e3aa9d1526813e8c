"""List the running processes with their CPU and memory use.

Reads process information only; nothing is changed. CPU use is measured over one second: every
process is sampled once, the script sleeps, and each is sampled again. `cpu_percent` is a percent
of one CPU core, as psutil reports it, so a process busy on two cores reads about 200. A process
that exits during the measurement is left out; a field the script may not read (often
`username` or `memory_rss` for other users' processes) is `null` rather than hiding the process.
"""

import time

import psutil

INTERVAL_SECONDS = 1.0


def run():
    sampled = []
    for proc in psutil.process_iter(["pid", "name", "username", "memory_info"]):
        try:
            proc.cpu_percent(None)
        except psutil.NoSuchProcess:
            continue
        except psutil.AccessDenied:
            pass
        sampled.append(proc)

    time.sleep(INTERVAL_SECONDS)

    processes = []
    for proc in sampled:
        try:
            cpu = proc.cpu_percent(None)
        except psutil.NoSuchProcess:
            continue
        except psutil.AccessDenied:
            cpu = None
        memory = proc.info["memory_info"]
        processes.append(
            {
                "pid": proc.info["pid"],
                "name": proc.info["name"],
                "cpu_percent": cpu,
                "memory_rss": memory.rss if memory is not None else None,
                "username": proc.info["username"],
            }
        )

    processes.sort(key=lambda p: p["pid"])
    return {"processes": processes}
