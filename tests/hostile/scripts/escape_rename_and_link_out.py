# attempt: carry files across the root's edge by rename, hard link and symbolic link
# status: Completed Successfully
# returns: {"link_in": "PermissionError", "link_out": "PermissionError", "rename_in": "PermissionError", "rename_out": "PermissionError"}
# audit: deny file.write {OUTSIDE}/a.txt
import os

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "rename_out": attempt(os.rename, "{ROOT}/a.txt", "{OUTSIDE}/a.txt"),
        "rename_in": attempt(os.rename, "{OUTSIDE}/secret.txt", "{ROOT}/stolen.txt"),
        "link_in": attempt(os.link, "{OUTSIDE}/secret.txt", "{ROOT}/stolen.txt"),
        "link_out": attempt(os.link, "{ROOT}/a.txt", "{OUTSIDE}/planted.txt"),
    }
