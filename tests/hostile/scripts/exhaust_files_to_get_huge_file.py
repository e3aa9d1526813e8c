# attempt: create a sparse file of a terabyte in the root and ask for it to be retrieved
# status: Completed Successfully
# audit: allow file.write {ROOT}/huge.bin
# returns: huge.bin
def run():
    with open("{ROOT}/huge.bin", "wb") as f:
        f.truncate(1 << 40)
    return {"files_to_get": ["{ROOT}/huge.bin"]}
