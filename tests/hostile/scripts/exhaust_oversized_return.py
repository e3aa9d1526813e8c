# attempt: return a value larger than the result cap
# status: Failed
# error: over the limit
def run():
    return "z" * (4 << 20)
