# attempt: make file capability calls without end, every one denied
# status: Timeout
# audit: deny file.list {OUTSIDE}/secret.txt
import os

def run():
    while True:
        try:
            os.stat("{OUTSIDE}/secret.txt")
        except OSError:
            pass
