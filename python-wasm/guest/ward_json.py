"""JSON for the harness and the host channel, built on the interpreter's C codec alone.

The `json` package imports `re`, and with it `enum` and `functools`: in the guest that is about
half the start-up of a fresh run, paid even by a script that never touches JSON. The C scanner
and encoder under `json` need none of it, so the harness reads its job and writes its result
through them. The output is what `json.dumps(value, allow_nan=False)` writes.
"""

import _json


class _Context:
    """The settings `json.JSONDecoder` hands to the C scanner: strict, plain types, no hooks."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name):
        raise ValueError(f"`{name}` is not valid JSON")


_scan = _json.make_scanner(_Context())


def _unserializable(value):
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _encoder(separators, ensure_ascii):
    return _json.make_encoder(
        {},  # markers: refuse cycles rather than recurse until the stack runs out
        _unserializable,
        _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring,
        None,  # indent
        separators[1],
        separators[0],
        False,  # sort_keys
        False,  # skipkeys
        False,  # allow_nan
    )


def loads(text):
    """The value of one JSON document; `ValueError` if `text` is not exactly one."""
    if isinstance(text, (bytes, bytearray)):
        text = text.decode("utf-8")
    text = text.strip(" \t\n\r")
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        raise ValueError("expected a JSON value") from None
    if end != len(text):
        raise ValueError(f"extra data after the JSON value at offset {end}")
    return value


def dumps(value, separators=(", ", ": "), ensure_ascii=True):
    """`value` as JSON text; `TypeError` for what JSON cannot hold, `ValueError` for NaN and
    infinities, `RecursionError` for nesting deeper than the interpreter's limit."""
    return "".join(_encoder(separators, ensure_ascii)(value, 0))
