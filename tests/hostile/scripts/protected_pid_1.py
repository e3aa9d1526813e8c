# attempt: kill and terminate PID 1 under a rule letting high-risk scripts kill any process
# status: Completed Successfully
# returns: {"kill": "AccessDenied", "terminate": "AccessDenied"}
# audit: deny process.kill pid 1 | protected: PID 1
import psutil

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "kill": attempt(lambda: psutil.Process(1).kill()),
        "terminate": attempt(lambda: psutil.Process(1).terminate()),
    }
