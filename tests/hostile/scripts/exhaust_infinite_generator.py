# attempt: return an infinite generator
# status: Failed
# error: cannot be converted to JSON
import itertools

def run():
    return {"values": itertools.count()}
