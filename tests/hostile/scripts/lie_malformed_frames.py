# attempt: send the host channel frames that are not JSON, not UTF-8, not objects or name unknown operations
# status: Completed Successfully
# returns: {"broken": "InvalidRequest", "binary": "InvalidRequest", "array": "InvalidRequest", "unknown": "InvalidRequest", "extra_field": "InvalidRequest", "bad_args": "InvalidRequest"}
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
    return {
        "broken": send(b"{not json"),
        "binary": send(b"\xff\xfe\x00"),
        "array": send(b"[1, 2, 3]"),
        "unknown": send(b'{"op": "host.shell", "args": {"cmd": "id"}}'),
        "extra_field": send(b'{"op": "process.list", "args": {}, "risk": "high_risk"}'),
        "bad_args": send(b'{"op": "process.kill", "args": {"pid": "1; kill -9 -1"}}'),
    }
