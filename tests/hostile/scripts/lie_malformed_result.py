# attempt: leave a result file that is not JSON
# status: Failed
# error: malformed
import os

def run():
    with open("/ward/run/result.json", "wb") as f:
        f.write(b"\x00{not json")
    os._exit(0)
