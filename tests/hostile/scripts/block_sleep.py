# attempt: sleep for an hour
# status: Timeout
# error: timeout
import time

def run():
    time.sleep(3600)
