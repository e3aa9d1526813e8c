# attempt: read and overwrite a file outside the root through a symbolic link planted in it
# plant: symlink {ROOT}/link.txt -> {OUTSIDE}/secret.txt
# status: Completed Successfully
# returns: {"append": "PermissionError", "read": "PermissionError", "write": "PermissionError"}
# audit: deny file.read {ROOT}/link.txt
# audit: deny file.write {ROOT}/link.txt

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "read": attempt(lambda: open("{ROOT}/link.txt").read()),
        "write": attempt(lambda: open("{ROOT}/link.txt", "w")),
        "append": attempt(lambda: open("{ROOT}/link.txt", "a")),
    }
