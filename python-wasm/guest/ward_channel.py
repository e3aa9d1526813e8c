"""The request/response channel between guest-side modules and the ward host.

Processes and the registry are not part of WASI, so guest modules (`psutil`, `winreg`, `ward`)
reach them through this channel: one JSON object per line written to `/ward/run/channel`, one
JSON object per line read back. The host checks every request against the policy and writes an
audit record before it acts; this module only carries the bytes.

Request:  {"op": "process.list", "args": {...}}
Reply:    {"ok": <value>}  or  {"error": {"type": "<kind>", "message": "<text>"}}
"""

import ward_json

CHANNEL_PATH = "/ward/run/channel"
_MAX_REPLY = 64 << 20

_stream = None


class HostError(Exception):
    """A request the host refused or could not carry out; `kind` says which (`AccessDenied`,
    `NotFound`, `NoSuchProcess`, `NotAvailable`, `InvalidRequest`, `OSError`)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def _channel():
    global _stream
    if _stream is None:
        _stream = open(CHANNEL_PATH, "r+b", buffering=0)
    return _stream


def call(op, **args):
    """Send one request and return the host's value, or raise `HostError`."""
    stream = _channel()
    stream.write(ward_json.dumps({"op": op, "args": args}, separators=(",", ":")).encode() + b"\n")
    chunks = []
    size = 0
    while True:
        chunk = stream.read(1 << 16)
        if not chunk:
            raise HostError("OSError", "the host closed the channel")
        chunks.append(chunk)
        size += len(chunk)
        if chunk.endswith(b"\n"):
            break
        if size > _MAX_REPLY:
            raise HostError("OSError", "the host's reply is too large")
    reply = ward_json.loads(b"".join(chunks))
    if "error" in reply:
        error = reply["error"]
        raise HostError(error.get("type", "OSError"), error.get("message", ""))
    return reply.get("ok")
