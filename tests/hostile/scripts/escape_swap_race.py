# attempt: open a file, let the host swap it for a link to a secret, and open it again
# swap: {ROOT}/swap.txt -> {OUTSIDE}/secret.txt
# status: Completed Successfully
# returns: {"after": "PermissionError", "before": "mine"}
# audit: allow file.read {ROOT}/swap.txt
# audit: deny file.read {ROOT}/swap.txt
import os
import time

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    with open("{ROOT}/swap.txt", "w") as f:
        f.write("mine")
    with open("{ROOT}/swap.txt") as f:
        before = f.read()
    open("{ROOT}/ready", "w").close()
    deadline = time.monotonic() + 1.5
    while not os.path.exists("{ROOT}/go") and time.monotonic() < deadline:
        time.sleep(0.005)
    return {"before": before, "after": attempt(lambda: open("{ROOT}/swap.txt").read())}
