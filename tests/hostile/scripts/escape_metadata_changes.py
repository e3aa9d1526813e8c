# attempt: change files outside the root without opening them: times, size, new directories and links, directly and through a planted link
# plant: symlink {ROOT}/out -> {OUTSIDE}/secret.txt
# status: Completed Successfully
# returns: {"utime": "PermissionError", "truncate": "PermissionError", "mkdir": "PermissionError", "symlink": "PermissionError", "utime_link": "PermissionError", "utime_token": "PermissionError"}
# audit: deny file.write {OUTSIDE}/secret.txt
import os

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "utime": attempt(os.utime, "{OUTSIDE}/secret.txt", (0, 0)),
        "truncate": attempt(os.truncate, "{OUTSIDE}/secret.txt", 0),
        "mkdir": attempt(os.mkdir, "{OUTSIDE}/new"),
        "symlink": attempt(os.symlink, "/etc/passwd", "{OUTSIDE}/link"),
        "utime_link": attempt(os.utime, "{ROOT}/out", (0, 0)),
        "utime_token": attempt(os.utime, "{DATA}/token", (0, 0)),
    }
