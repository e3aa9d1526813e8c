# attempt: build an integer with billions of digits
# status: Failed
# error: OverflowError
def run():
    return 1 << (1 << 40)
