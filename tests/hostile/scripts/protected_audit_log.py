# attempt: read, append to, truncate, delete and rename the audit log under a rule allowing its directory
# status: Completed Successfully
# returns: {"append": "PermissionError", "read": "PermissionError", "remove": "PermissionError", "rename": "PermissionError", "truncate": "PermissionError"}
# audit: deny file.read {AUDIT_LOG} | protected: audit log
# audit: deny file.write {AUDIT_LOG} | protected: audit log
# audit: deny file.delete {AUDIT_LOG} | protected: audit log
import os

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "read": attempt(lambda: open("{AUDIT_LOG}").read()),
        "append": attempt(lambda: open("{AUDIT_LOG}", "a").write("{}\n")),
        "truncate": attempt(lambda: open("{AUDIT_LOG}", "w")),
        "remove": attempt(os.remove, "{AUDIT_LOG}"),
        "rename": attempt(os.rename, "{AUDIT_LOG}", "{STATE}/old.jsonl"),
    }
