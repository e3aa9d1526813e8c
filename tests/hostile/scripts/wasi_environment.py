# attempt: read the agent's environment variables and set new ones for the host
# status: Completed Successfully
# returns: {"cargo": false}
import os

def run():
    os.environ["LD_PRELOAD"] = "{ROOT}/evil.so"
    return {
        "cargo": any("CARGO" in key for key in os.environ),
        "keys": sorted(os.environ),
        "home": os.environ.get("HOME"),
    }
