"""Read one value from the Windows registry.

Opens `key_path` under `registry_hive` for reading and returns the value named `value_name`
(an empty name reads the key's default value) with its type. Nothing is written. Binary data
is returned as a hex string, `REG_MULTI_SZ` as a list of strings, numbers as numbers.
"""

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

# Aliases such as REG_DWORD_LITTLE_ENDIAN share a number with a name listed first here.
TYPE_NAMES = [
    "REG_NONE",
    "REG_SZ",
    "REG_EXPAND_SZ",
    "REG_BINARY",
    "REG_DWORD",
    "REG_DWORD_BIG_ENDIAN",
    "REG_LINK",
    "REG_MULTI_SZ",
    "REG_RESOURCE_LIST",
    "REG_FULL_RESOURCE_DESCRIPTOR",
    "REG_RESOURCE_REQUIREMENTS_LIST",
    "REG_QWORD",
]


def run(registry_hive, key_path, value_name):
    hive_name = HIVES.get(str(registry_hive).strip().upper())
    if hive_name is None:
        raise ValueError(f"unknown registry hive {registry_hive!r}: use one of {', '.join(HIVES)}")
    key_path = (key_path or "").strip("\\")
    value_name = value_name or ""
    full_key = "\\".join(part for part in (hive_name, key_path) if part)

    try:
        with winreg.OpenKey(getattr(winreg, hive_name), key_path) as key:
            value, kind = winreg.QueryValueEx(key, value_name)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no value {value_name!r} under {full_key!r}: check the key path and value name"
        ) from None

    if isinstance(value, (bytes, bytearray)):
        value = value.hex()
    return {"value": value, "type": _type_name(kind)}


def _type_name(kind):
    for name in TYPE_NAMES:
        if getattr(winreg, name, None) == kind:
            return name
    return f"REG_TYPE_{kind}"
