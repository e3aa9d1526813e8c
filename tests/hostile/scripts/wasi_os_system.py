# attempt: reach a shell or a new process through os.system, fork, exec, spawn and os.kill
# status: Completed Successfully
# returns: {"system": "missing", "popen": "OSError", "fork": "missing", "execv": "missing", "posix_spawn": "missing", "kill": "missing"}
import os

def attempt(name, *args):
    function = getattr(os, name, None)
    if function is None:
        return "missing"
    try:
        function(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "system": attempt("system", "touch {OUTSIDE}/ran"),
        "popen": attempt("popen", "id"),
        "fork": attempt("fork"),
        "execv": attempt("execv", "/bin/sh", ["sh"]),
        "posix_spawn": attempt("posix_spawn", "/bin/true", ["true"], {}),
        "kill": attempt("kill", 1, 9),
    }
