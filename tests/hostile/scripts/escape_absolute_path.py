# attempt: name files outside every root by absolute path
# status: Completed Successfully
# returns: {"list": "PermissionError", "read": "PermissionError", "remove": "PermissionError", "system": "PermissionError"}
# audit: deny file.read {OUTSIDE}/secret.txt
# audit: deny file.delete {OUTSIDE}/secret.txt
# audit: deny file.list {OUTSIDE}
import os

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "read": attempt(lambda: open("{OUTSIDE}/secret.txt").read()),
        "list": attempt(os.listdir, "{OUTSIDE}"),
        "remove": attempt(os.remove, "{OUTSIDE}/secret.txt"),
        "system": attempt(lambda: open("/etc/passwd").read()),
    }
