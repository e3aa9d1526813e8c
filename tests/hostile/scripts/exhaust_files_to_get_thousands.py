# attempt: ask for thousands of files to be retrieved, most outside every root
# status: Completed Successfully
# no-audit: file.read
def run():
    paths = ["{OUTSIDE}/secret.txt"] * 5000 + ["{ROOT}/f%d" % i for i in range(5000)]
    return {"files_to_get": paths}
