# attempt: kill the agent's own process
# status: Completed Successfully
# returns: {"kill": "AccessDenied", "terminate": "AccessDenied", "sigstop": "ValueError"}
# audit: deny process.kill pid {PID} | protected: ward itself
import signal

import psutil

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "kill": attempt(lambda: psutil.Process({PID}).kill()),
        "terminate": attempt(lambda: psutil.Process({PID}).terminate()),
        "sigstop": attempt(lambda: psutil.Process({PID}).send_signal(signal.SIGSTOP)),
    }
