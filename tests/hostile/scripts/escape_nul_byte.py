# attempt: cut a path short with a NUL byte so that the host checks one path and opens another
# status: Completed Successfully
# returns: {"bytes": "ValueError", "open": "ValueError", "stat": "ValueError"}
import os

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    trick = "{ROOT}/a.txt\x00/../../outside/secret.txt"
    return {
        "open": attempt(lambda: open(trick).read()),
        "stat": attempt(os.stat, trick),
        "bytes": attempt(lambda: os.open(trick.encode(), os.O_RDONLY)),
    }
