# attempt: make host-channel calls without end
# status: Timeout
# audit: allow process.list
import psutil

def run():
    while True:
        psutil.pids()
