# attempt: reach the audit log through `..`, a doubled slash and a planted symbolic link
# plant: symlink {ROOT}/log -> {AUDIT_LOG}
# status: Completed Successfully
# returns: {"dot_dot": "PermissionError", "slashes": "PermissionError", "symlink": "PermissionError"}
# audit: deny file.read {AUDIT_LOG} | protected: audit log
# audit: deny file.read {ROOT}/log

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "dot_dot": attempt(lambda: open("{ROOT}/../state/audit.jsonl").read()),
        "slashes": attempt(lambda: open("{STATE}//./audit.jsonl", "a")),
        "symlink": attempt(lambda: open("{ROOT}/log").read()),
    }
