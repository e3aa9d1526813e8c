# attempt: build a string of a terabyte
# status: Failed
# error: memory
def run():
    return "x" * (1 << 40)
