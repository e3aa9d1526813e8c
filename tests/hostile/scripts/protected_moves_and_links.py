# attempt: move and link files into and out of the data directory and the audit log, and link to them from the root
# status: Completed Successfully
# returns: {"rename_in": "PermissionError", "rename_out": "PermissionError", "link_out": "PermissionError", "replace_log": "PermissionError", "symlink_read": "PermissionError"}
# audit: deny file.write {DATA}/a.txt | protected: ward data directory
# audit: deny file.delete {DATA}/token | protected: ward data directory
import os

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    def symlink_read():
        os.symlink("../state/audit.jsonl", "{ROOT}/log")
        return open("{ROOT}/log").read()
    return {
        "rename_in": attempt(os.rename, "{ROOT}/a.txt", "{DATA}/a.txt"),
        "rename_out": attempt(os.rename, "{DATA}/token", "{ROOT}/token"),
        "link_out": attempt(os.link, "{DATA}/token", "{ROOT}/token"),
        "replace_log": attempt(os.replace, "{ROOT}/a.txt", "{AUDIT_LOG}"),
        "symlink_read": attempt(symlink_read),
    }
