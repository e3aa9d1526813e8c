# attempt: start threads and install signal handlers to escape the run's control
# status: Completed Successfully
# returns: {"thread": "RuntimeError", "alarm": "AttributeError"}
import signal
import threading

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "thread": attempt(lambda: threading.Thread(target=lambda: None).start()),
        "alarm": attempt(lambda: signal.alarm(1)),
        "handler": attempt(signal.signal, signal.SIGINT, signal.SIG_IGN),
    }
