# attempt: sleep in a loop that swallows every exception, so that nothing but the host can stop it
# status: Timeout
import time

def run():
    while True:
        try:
            time.sleep(60)
        except BaseException:
            pass
