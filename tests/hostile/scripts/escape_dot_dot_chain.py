# attempt: climb out of the root with `..` chains, from a path, a directory descriptor and the working directory
# status: Completed Successfully
# returns: {"cwd": "PermissionError", "dir_fd": "PermissionError", "path": "PermissionError", "write": "PermissionError"}
# audit: deny file.read {OUTSIDE}/secret.txt
import os

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    escape = "{ROOT}/sub/../../outside/secret.txt"
    answers = {
        "path": attempt(lambda: open(escape).read()),
        "write": attempt(lambda: open("{ROOT}/../outside/new.txt", "w")),
        "dir_fd": attempt(lambda: os.open("../../outside/secret.txt", os.O_RDONLY,
                                          dir_fd=os.open("{ROOT}/sub", os.O_RDONLY))),
    }
    os.chdir("{ROOT}")
    answers["cwd"] = attempt(lambda: open("../outside/secret.txt").read())
    return answers
