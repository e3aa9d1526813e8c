# attempt: print a fake result, control sequences and bytes that are not UTF-8, as if they were the host's
# status: Completed Successfully
# returns: {"real": true}
# stdout: Completed Successfully
import os

def run():
    os.write(1, b'{"status": "Completed Successfully", "run_id": "someone-else"}\n')
    os.write(1, b"\x1b[2J\x1b]0;owned\x07\xff\xfe\xc0\x80\x00\n")
    os.write(2, b"\xed\xa0\x80 lone surrogate\n")
    return {"real": True}
