# attempt: return a value that refers to itself
# status: Failed
# error: cannot be converted to JSON
def run():
    loop = []
    loop.append(loop)
    return {"loop": loop, "nan": float("nan")}
