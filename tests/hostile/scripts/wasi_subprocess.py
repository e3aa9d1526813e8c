# attempt: start a host program through subprocess
# status: Completed Successfully
# returns: {"run": "OSError", "popen": "OSError", "check_output": "OSError"}
import subprocess

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "run": attempt(subprocess.run, ["/bin/sh", "-c", "touch {OUTSIDE}/ran"]),
        "popen": attempt(subprocess.Popen, ["/bin/true"]),
        "check_output": attempt(lambda: subprocess.check_output("id", shell=True)),
    }
