# attempt: flood standard error with far more than its cap, then return
# status: Completed Successfully
# truncated: stderr
# returns: done
import os

def run():
    chunk = b"e" * 65536
    for _ in range(256):
        os.write(2, chunk)
    return "done"
