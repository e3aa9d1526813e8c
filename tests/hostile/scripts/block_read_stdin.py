# attempt: wait for input on standard input that never comes, then sleep
# status: Timeout
import sys
import time

def run():
    sys.stdin.read()
    time.sleep(3600)
