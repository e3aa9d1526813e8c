# attempt: read and overwrite the agent's data through a hard link planted in the root
# plant: hardlink {ROOT}/token -> {DATA}/token
# status: Completed Successfully
# returns: {"read": "PermissionError", "write": "PermissionError"}
# audit: deny file.read {ROOT}/token
# audit: deny file.write {ROOT}/token

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "read": attempt(lambda: open("{ROOT}/token").read()),
        "write": attempt(lambda: open("{ROOT}/token", "w")),
    }
