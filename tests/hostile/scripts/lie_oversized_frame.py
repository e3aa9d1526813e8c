# attempt: send the host channel a request of many megabytes, then a normal one
# status: Completed Successfully
# returns: {"oversized": "InvalidRequest", "after": "ok"}
import json

def run():
    channel = open("/ward/run/channel", "r+b", buffering=0)
    def send(frame):
        channel.write(frame + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            reply += channel.read(1 << 16)
        reply = json.loads(reply)
        return reply.get("error", {}).get("type", "ok")
    huge = b'{"op": "process.list", "args": {"pad": "' + b"a" * (8 << 20) + b'"}}'
    return {"oversized": send(huge), "after": send(b'{"op": "process.list", "args": {}}')}
