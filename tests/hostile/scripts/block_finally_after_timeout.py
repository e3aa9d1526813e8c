# attempt: run a busy loop in a finally block that would run after the timeout stops the sleep
# status: Timeout
import time

def run():
    try:
        time.sleep(3600)
    finally:
        while True:
            pass
