"""Write one value to the Windows registry, creating the key if it is missing.

Creates `key_path` under `registry_hive` when it does not exist (with any missing parent keys)
and sets `value_name` (empty for the key's default value) to `value`, given as a string and
read according to `value_type`:

- `REG_SZ`, `REG_EXPAND_SZ`: the string as is.
- `REG_MULTI_SZ`: a JSON list of strings, such as `["first", "second, with a comma"]`.
- `REG_DWORD`, `REG_QWORD`: a whole number in decimal or with `0x` in hex, from 0 to the
  largest 32-bit or 64-bit unsigned value.
- `REG_BINARY`: hex digits, spaces allowed (`de ad be ef`).

Nothing else is touched: other values of the key are left as they are.
"""

import json
import winreg

HIVES = {
    "HKEY_CLASSES_ROOT": "HKEY_CLASSES_ROOT",
    "HKCR": "HKEY_CLASSES_ROOT",
    "HKEY_CURRENT_USER": "HKEY_CURRENT_USER",
    "HKCU": "HKEY_CURRENT_USER",
    "HKEY_LOCAL_MACHINE": "HKEY_LOCAL_MACHINE",
    "HKLM": "HKEY_LOCAL_MACHINE",
    "HKEY_USERS": "HKEY_USERS",
    "HKU": "HKEY_USERS",
    "HKEY_CURRENT_CONFIG": "HKEY_CURRENT_CONFIG",
    "HKCC": "HKEY_CURRENT_CONFIG",
}


def run(registry_hive, key_path, value_name, value, value_type):
    hive_name = HIVES.get(str(registry_hive).strip().upper())
    if hive_name is None:
        raise ValueError(f"unknown registry hive {registry_hive!r}: use one of {', '.join(HIVES)}")
    key_path = (key_path or "").strip("\\")
    value_name = value_name or ""
    if not key_path:
        raise ValueError("key_path is empty: values cannot be written at the root of a hive")
    kind = str(value_type).strip().upper()
    data = _convert(value, kind)

    with winreg.CreateKey(getattr(winreg, hive_name), key_path) as key:
        winreg.SetValueEx(key, value_name, 0, getattr(winreg, kind), data)

    return {
        "set": True,
        "key": f"{hive_name}\\{key_path}",
        "value_name": value_name,
        "value": data.hex() if kind == "REG_BINARY" else data,
        "type": kind,
    }


def _convert(value, kind):
    """Turn the string parameter into the Python value winreg expects for `kind`."""
    if kind in ("REG_SZ", "REG_EXPAND_SZ"):
        return str(value)
    if kind == "REG_MULTI_SZ":
        try:
            items = value if isinstance(value, list) else json.loads(value)
        except (TypeError, ValueError):
            items = None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ValueError(
                f'REG_MULTI_SZ needs a JSON list of strings such as ["a", "b"], got {value!r}'
            )
        return items
    if kind in ("REG_DWORD", "REG_QWORD"):
        bits = 32 if kind == "REG_DWORD" else 64
        try:
            number = value if isinstance(value, int) else int(str(value).strip(), 0)
        except ValueError:
            number = -1
        if isinstance(number, bool) or not 0 <= number < 1 << bits:
            raise ValueError(
                f"{kind} needs a whole number from 0 to {(1 << bits) - 1} (decimal, or hex "
                f"with 0x), got {value!r}"
            )
        return number
    if kind == "REG_BINARY":
        try:
            return bytes.fromhex(str(value))
        except ValueError:
            raise ValueError(
                f"REG_BINARY needs hex digits such as 'de ad be ef', got {value!r}"
            ) from None
    raise ValueError(
        f"unsupported value_type {kind!r}: use REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, "
        "REG_QWORD or REG_BINARY"
    )
