"""Delete one value, or one key, from the Windows registry.

With a `value_name`, deletes that value from `key_path` under `registry_hive` and nothing else.
With an empty `value_name`, deletes the key `key_path` itself; a key that still has subkeys is
refused (delete them first), so a single run never removes a whole tree. The root of a hive is
never deleted. Because an empty name means "the key", a key's default value cannot be deleted
with this script.
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


def run(registry_hive, key_path, value_name):
    hive_name = HIVES.get(str(registry_hive).strip().upper())
    if hive_name is None:
        raise ValueError(f"unknown registry hive {registry_hive!r}: use one of {', '.join(HIVES)}")
    key_path = (key_path or "").strip("\\")
    value_name = value_name or ""
    if not key_path:
        raise ValueError("key_path is empty: the root of a hive cannot be deleted")
    hive = getattr(winreg, hive_name)
    full_key = f"{hive_name}\\{key_path}"

    try:
        if value_name:
            with winreg.OpenKey(hive, key_path, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, value_name)
        else:
            _refuse_if_has_subkeys(hive, key_path, full_key)
            winreg.DeleteKey(hive, key_path)
    except FileNotFoundError:
        missing = f"value {value_name!r} under {full_key!r}" if value_name else f"key {full_key!r}"
        raise FileNotFoundError(f"no {missing}: nothing was deleted") from None

    return {
        "deleted": True,
        "target": "value" if value_name else "key",
        "key": full_key,
        "value_name": value_name,
    }


def _refuse_if_has_subkeys(hive, key_path, full_key):
    with winreg.OpenKey(hive, key_path) as key:
        try:
            first = winreg.EnumKey(key, 0)
        except OSError:
            return
    raise OSError(
        f"key {full_key!r} has subkeys ({first!r} and maybe more): delete them first, "
        "this script deletes one key at a time"
    )
