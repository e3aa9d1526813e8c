"""ward's own guest module: the host capabilities as plain function calls.

Scripts may use ordinary Python (`open`, `os`, `shutil`), `psutil` and `winreg`; this module
offers the same operations under one name for scripts that prefer explicit calls. Each call goes
through the same policy checks and audit records as the ordinary form.
"""

import os
import time

import psutil
import winreg
from ward_channel import HostError

__all__ = [
    "HostError", "read_file", "write_file", "list_dir", "delete_file", "delete_tree",
    "exists", "processes", "kill", "registry_get", "registry_set", "registry_delete",
]


def read_file(path, binary=False):
    with open(path, "rb" if binary else "r") as f:
        return f.read()


def write_file(path, data):
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def list_dir(path):
    return sorted(os.listdir(path))


def exists(path):
    return os.path.exists(path)


def delete_file(path):
    os.remove(path)


def delete_tree(path):
    import shutil  # here: only this function needs it, and every `import ward` would pay for it

    shutil.rmtree(path)


def processes(cpu_interval=None):
    """Every process the policy lets the script see, as dicts; with `cpu_interval` (seconds),
    each with its CPU percent measured over that interval."""
    attrs = ["pid", "name", "username", "status", "create_time", "memory_info"]
    if cpu_interval:
        list(psutil.process_iter(["cpu_percent"]))
        time.sleep(cpu_interval)
        attrs.append("cpu_percent")
    return [p.info for p in psutil.process_iter(attrs)]


def kill(pid, force=True):
    process = psutil.Process(pid)
    if force:
        process.kill()
    else:
        process.terminate()


def _open(root, path, access):
    return winreg.OpenKey(getattr(winreg, root), path, 0, access)


def registry_get(root, path, name):
    with _open(root, path, winreg.KEY_READ) as key:
        return winreg.QueryValueEx(key, name)


def registry_set(root, path, name, value, value_type):
    with winreg.CreateKeyEx(getattr(winreg, root), path, 0, winreg.KEY_WRITE) as key:
        winreg.SetValueEx(key, name, 0, value_type, value)


def registry_delete(root, path, name=None):
    if name is None:
        winreg.DeleteKey(getattr(winreg, root), path)
        return
    with _open(root, path, winreg.KEY_SET_VALUE) as key:
        winreg.DeleteValue(key, name)
