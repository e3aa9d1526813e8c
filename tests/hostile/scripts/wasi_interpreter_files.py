# attempt: read host files and other runs through the interpreter's own directories, and rewrite its library
# status: Completed Successfully
# returns: {"up_from_run": "PermissionError", "other_runs": "PermissionError", "up_from_library": "NotADirectoryError", "write_library": "FileNotFoundError", "executable": "FileNotFoundError"}
import os
import sys

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    library = os.path.dirname(os.__file__)
    return {
        "up_from_run": attempt(lambda: open("/ward/run/../../../etc/passwd").read()),
        "other_runs": attempt(os.listdir, "/ward/run/.."),
        "up_from_library": attempt(lambda: open(library + "/../../../../etc/passwd").read()),
        "write_library": attempt(lambda: open(library + "/evil.py", "w")),
        "executable": attempt(lambda: open(sys.executable, "rb").read(16)),
        "library": library,
    }
