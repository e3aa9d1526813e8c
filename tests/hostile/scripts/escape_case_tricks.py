# attempt: reach the outside directory and the root's parent by changing the case of their names
# status: Completed Successfully
# returns: {"outside": "PermissionError", "root_upper": "PermissionError", "system": "PermissionError"}
# audit: deny file.read {OUTSIDE}/SECRET.TXT

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "outside": attempt(lambda: open("{OUTSIDE}/SECRET.TXT").read()),
        "root_upper": attempt(lambda: open("{ROOT}".upper() + "/A.TXT").read()),
        "system": attempt(lambda: open("/ETC/PASSWD").read()),
    }
