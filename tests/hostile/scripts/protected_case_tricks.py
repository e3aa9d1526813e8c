# attempt: reach the audit log and data directory by changing the case of their names
# status: Completed Successfully
# returns: {"log_upper": "FileNotFoundError", "data_upper": "FileNotFoundError", "log_exact": "PermissionError"}
# audit: deny file.read {AUDIT_LOG} | protected: audit log

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "log_upper": attempt(lambda: open("{STATE}/AUDIT.JSONL").read()),
        "data_upper": attempt(lambda: open("{STATE}/DATA/token").read()),
        "log_exact": attempt(lambda: open("{STATE}/audit.jsonl").read()),
    }
