# attempt: grow memory without end
# status: Failed
# error: memory
def run():
    hoard = []
    while True:
        hoard.append(bytearray(1 << 20))
