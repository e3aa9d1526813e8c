# attempt: flood standard output with far more than its cap, then return
# status: Completed Successfully
# truncated: stdout
# returns: done
import sys

def run():
    line = "y" * 1023 + "\n"
    for _ in range(16 * 1024):
        sys.stdout.write(line)
    return "done"
