# attempt: read a named pipe planted in the root that no one ever writes to
# plant: fifo {ROOT}/pipe
# status: Failed
# audit: deny file.read {ROOT}/pipe | not a regular file
def run():
    with open("{ROOT}/pipe") as pipe:
        return pipe.read()
