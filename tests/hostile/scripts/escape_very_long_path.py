# attempt: hand the host paths far longer than any file system accepts
# status: Completed Successfully
# returns: {"component": "OSError", "deep": "OSError", "dots": "OSError", "write": "OSError"}
import os

def attempt(action, *args):
    try:
        action(*args)
    except OSError as error:
        return "FileNotFoundError" if isinstance(error, FileNotFoundError) else (
            "PermissionError" if isinstance(error, PermissionError) else "OSError")
    return "ok"

def run():
    return {
        "component": attempt(lambda: open("{ROOT}/" + "x" * 5000).read()),
        "deep": attempt(lambda: open("{ROOT}" + "/d" * 100000).read()),
        "dots": attempt(lambda: open("{ROOT}/sub" + "/.." * 50000 + "/outside/secret.txt").read()),
        "write": attempt(lambda: open("{ROOT}/" + "y" * 300, "w")),
    }
