# attempt: read host memory through /proc and /dev
# status: Completed Successfully
# returns: {"environ": "PermissionError", "maps": "PermissionError", "mem": "PermissionError", "dev_mem": "PermissionError", "kcore": "PermissionError"}
# audit: deny file.read /proc/self/mem
# audit: deny file.read /proc/{PID}/environ

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    return {
        "mem": attempt(lambda: open("/proc/self/mem", "rb").read(16)),
        "maps": attempt(lambda: open("/proc/self/maps").read()),
        "environ": attempt(lambda: open("/proc/{PID}/environ", "rb").read()),
        "dev_mem": attempt(lambda: open("/dev/mem", "rb").read(16)),
        "kcore": attempt(lambda: open("/proc/kcore", "rb").read(16)),
    }
