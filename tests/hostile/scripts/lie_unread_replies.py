# attempt: pile up requests on the host channel whose long replies are never read
# status: Completed Successfully
# returns: {"refused": true}
def run():
    channel = open("/ward/run/channel", "r+b", buffering=0)
    frame = b'{"op": "' + b"x" * 100000 + b'"}\n'
    try:
        for _ in range(1000):
            channel.write(frame)
    except OSError:
        return {"refused": True}
    return {"refused": False}
