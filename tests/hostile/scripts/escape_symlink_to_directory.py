# attempt: follow a symbolic link planted in the root that points at a directory outside it
# plant: symlink {ROOT}/out -> {OUTSIDE}
# status: Completed Successfully
# returns: {"list": "PermissionError", "read": "PermissionError", "write": "PermissionError"}
# audit: deny file.read {ROOT}/out/secret.txt
import os

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "read": attempt(lambda: open("{ROOT}/out/secret.txt").read()),
        "list": attempt(os.listdir, "{ROOT}/out"),
        "write": attempt(lambda: open("{ROOT}/out/new.txt", "w")),
    }
