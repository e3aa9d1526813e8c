# attempt: read and write a file outside the root through a hard link planted in it
# plant: hardlink {ROOT}/hard.txt -> {OUTSIDE}/secret.txt
# status: Completed Successfully
# returns: {"read": "PermissionError", "write": "PermissionError"}
# audit: deny file.read {ROOT}/hard.txt | hard link

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "read": attempt(lambda: open("{ROOT}/hard.txt").read()),
        "write": attempt(lambda: open("{ROOT}/hard.txt", "w")),
    }
