# attempt: read the host channel without sending a request, then wait on select
# status: Timeout
import select
import time

def run():
    with open("/ward/run/channel", "r+b", buffering=0) as channel:
        channel.read(1)
    select.select([], [], [], 3600)
    time.sleep(3600)
