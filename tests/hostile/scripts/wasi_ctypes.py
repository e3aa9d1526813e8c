# attempt: load native code through ctypes, cffi and a planted extension module
# status: Completed Successfully
# returns: {"ctypes": "ModuleNotFoundError", "cffi": "ModuleNotFoundError", "planted": "ModuleNotFoundError"}
import importlib
import sys

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    def planted():
        with open("{ROOT}/evil.so", "wb") as f:
            f.write(b"\x7fELF")
        sys.path.insert(0, "{ROOT}")
        importlib.import_module("evil")
    return {
        "ctypes": attempt(importlib.import_module, "ctypes"),
        "cffi": attempt(importlib.import_module, "cffi"),
        "planted": attempt(planted),
    }
