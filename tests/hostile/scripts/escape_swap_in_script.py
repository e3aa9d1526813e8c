# attempt: replace a checked file and directory with links pointing out between two calls
# status: Completed Successfully
# returns: {"dir": "PermissionError", "file": "PermissionError"}
# returns: {"absolute_link": "PermissionError"}
# audit: deny file.read {ROOT}/sub/secret.txt
import os

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    os.stat("{ROOT}/a.txt")
    os.remove("{ROOT}/a.txt")
    os.symlink("../outside/secret.txt", "{ROOT}/a.txt")
    os.listdir("{ROOT}/sub")
    os.rmdir("{ROOT}/sub")
    refused = attempt(os.symlink, "{OUTSIDE}", "{ROOT}/sub")
    os.symlink("../outside", "{ROOT}/sub")
    return {
        "absolute_link": refused,
        "file": attempt(lambda: open("{ROOT}/a.txt").read()),
        "dir": attempt(lambda: open("{ROOT}/sub/secret.txt").read()),
    }
