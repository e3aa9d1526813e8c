# attempt: spin the CPU without end
# status: Timeout
def run():
    while True:
        pass
