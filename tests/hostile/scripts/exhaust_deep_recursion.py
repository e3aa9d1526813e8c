# attempt: recurse far past the interpreter's stack, in Python code and through C code, after raising the recursion limit
# status: Completed Successfully
# returns: {"python": "RecursionError", "c_stack": "RecursionError"}
import sys

def attempt(action, *args):
    try:
        action(*args)
    except Exception as error:
        return type(error).__name__
    return "ok"

def run():
    def down(n):
        return down(n + 1) + 1
    answers = {"python": attempt(down, 0)}
    sys.setrecursionlimit(10 ** 6)
    nested = []
    for _ in range(200000):
        nested = [nested]
    answers["c_stack"] = attempt(repr, nested)
    return answers
