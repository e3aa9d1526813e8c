# attempt: list, read, write into and delete the agent's data directory
# status: Completed Successfully
# returns: {"list": "PermissionError", "read": "PermissionError", "rmtree": "PermissionError", "write": "PermissionError"}
# audit: deny file.list {DATA} | protected: ward data directory
# audit: deny file.read {DATA}/token | protected: ward data directory
# audit: deny file.write {DATA}/planted | protected: ward data directory
import os
import shutil

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "list": attempt(os.listdir, "{DATA}"),
        "read": attempt(lambda: open("{DATA}/token").read()),
        "write": attempt(lambda: open("{DATA}/planted", "w")),
        "rmtree": attempt(shutil.rmtree, "{DATA}"),
    }
