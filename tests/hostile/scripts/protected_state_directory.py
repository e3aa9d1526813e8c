# attempt: rename and delete the directory holding the audit log, policy and data
# status: Completed Successfully
# returns: {"rename": "PermissionError", "rmdir": "PermissionError", "rmtree": "PermissionError"}
# audit: deny file.delete {STATE} | protected:
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
        "rename": attempt(os.rename, "{STATE}", "{STATE}-moved"),
        "rmdir": attempt(os.rmdir, "{STATE}"),
        "rmtree": attempt(shutil.rmtree, "{STATE}"),
    }
