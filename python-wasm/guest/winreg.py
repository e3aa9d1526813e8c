"""The `winreg` module for scripts running under ward.

Scripts written for Windows read and change the registry through `winreg`. Inside the sandbox
there is no registry: every call that touches a key goes over the channel (`ward_channel`) to
the host, which checks it against the policy, writes an audit record, and acts on the registry
hive the policy names (on Linux and macOS a JSON file with the registry's semantics). Without a
hive, those calls raise OSError saying so.

The functions, constants, handle type and exceptions follow CPython's `winreg`:

- a missing key or value raises FileNotFoundError (winerror 2), a denied request
  PermissionError (winerror 5), enumeration past the end OSError (winerror 259);
- values come back as CPython returns them: str, int, list of str, and bytes (None when empty)
  for REG_BINARY and REG_NONE;
- a handle remembers the access it was opened with, and value reads, value writes and subkey
  enumeration need the rights Windows asks for (a key opened with the default KEY_READ cannot
  be written).

What differs: handles live in this module only (the host holds nothing open, so a key deleted
through another handle is reported missing rather than "marked for deletion"); there is a
single view of the registry, so KEY_WOW64_32KEY and KEY_WOW64_64KEY change nothing; the hive
stores REG_NONE, REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_MULTI_SZ and REG_QWORD, and
refuses other types; LoadKey, SaveKey and registry reflection are not provided.
"""

import errno as _errno
import os as _os

import ward_channel as _channel

error = OSError

HKEY_CLASSES_ROOT = 0x80000000
HKEY_CURRENT_USER = 0x80000001
HKEY_LOCAL_MACHINE = 0x80000002
HKEY_USERS = 0x80000003
HKEY_PERFORMANCE_DATA = 0x80000004
HKEY_CURRENT_CONFIG = 0x80000005
HKEY_DYN_DATA = 0x80000006

KEY_QUERY_VALUE = 0x0001
KEY_SET_VALUE = 0x0002
KEY_CREATE_SUB_KEY = 0x0004
KEY_ENUMERATE_SUB_KEYS = 0x0008
KEY_NOTIFY = 0x0010
KEY_CREATE_LINK = 0x0020
KEY_WOW64_64KEY = 0x0100
KEY_WOW64_32KEY = 0x0200
KEY_WOW64_RES = 0x0300
KEY_READ = 0x20019
KEY_WRITE = 0x20006
KEY_EXECUTE = KEY_READ
KEY_ALL_ACCESS = 0xF003F

REG_NONE = 0
REG_SZ = 1
REG_EXPAND_SZ = 2
REG_BINARY = 3
REG_DWORD = 4
REG_DWORD_LITTLE_ENDIAN = 4
REG_DWORD_BIG_ENDIAN = 5
REG_LINK = 6
REG_MULTI_SZ = 7
REG_RESOURCE_LIST = 8
REG_FULL_RESOURCE_DESCRIPTOR = 9
REG_RESOURCE_REQUIREMENTS_LIST = 10
REG_QWORD = 11
REG_QWORD_LITTLE_ENDIAN = 11

REG_OPTION_RESERVED = 0
REG_OPTION_NON_VOLATILE = 0
REG_OPTION_VOLATILE = 1
REG_OPTION_CREATE_LINK = 2
REG_OPTION_BACKUP_RESTORE = 4
REG_OPTION_OPEN_LINK = 8
REG_LEGAL_OPTION = 0x1F
REG_CREATED_NEW_KEY = 1
REG_OPENED_EXISTING_KEY = 2
REG_WHOLE_HIVE_VOLATILE = 1
REG_REFRESH_HIVE = 2
REG_NO_LAZY_FLUSH = 4
REG_NOTIFY_CHANGE_NAME = 1
REG_NOTIFY_CHANGE_ATTRIBUTES = 2
REG_NOTIFY_CHANGE_LAST_SET = 4
REG_NOTIFY_CHANGE_SECURITY = 8
REG_LEGAL_CHANGE_FILTER = 0x1000000F

_ROOTS = {
    HKEY_CLASSES_ROOT: "HKEY_CLASSES_ROOT",
    HKEY_CURRENT_USER: "HKEY_CURRENT_USER",
    HKEY_LOCAL_MACHINE: "HKEY_LOCAL_MACHINE",
    HKEY_USERS: "HKEY_USERS",
    HKEY_CURRENT_CONFIG: "HKEY_CURRENT_CONFIG",
}

# Generic rights a script may pass as `access`, and the key rights Windows maps them to.
_GENERIC_RIGHTS = {
    0x80000000: KEY_READ,  # GENERIC_READ
    0x40000000: KEY_WRITE,  # GENERIC_WRITE
    0x20000000: KEY_EXECUTE,  # GENERIC_EXECUTE
    0x10000000: KEY_ALL_ACCESS,  # GENERIC_ALL
    0x02000000: KEY_ALL_ACCESS,  # MAXIMUM_ALLOWED
}

# Windows error code -> (errno, Windows' own message), as CPython maps them.
_WINERRORS = {
    2: (_errno.ENOENT, "The system cannot find the file specified"),
    5: (_errno.EACCES, "Access is denied"),
    6: (_errno.EBADF, "The handle is invalid"),
    50: (_errno.EINVAL, "The request is not supported"),
    53: (_errno.ENOENT, "The network path was not found"),
    87: (_errno.EINVAL, "The parameter is incorrect"),
    259: (_errno.EINVAL, "No more data is available"),
    1630: (_errno.EINVAL, "Data of this type is not supported"),
}

_STORED_TYPES = (REG_NONE, REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_MULTI_SZ, REG_QWORD)

# FILETIME counts 100 ns intervals from 1601-01-01; this many lie before 1970-01-01.
_FILETIME_UNIX_EPOCH = 116444736000000000

_CONVERT_ERROR = "Could not convert the data to the specified type."


def _winerror(code, detail=None):
    """The OSError Windows would raise for `code` (FileNotFoundError for 2, PermissionError for
    5), with `winerror` set and the host's explanation, if any, after Windows' message."""
    number, text = _WINERRORS[code]
    exc = OSError(number, f"{text} ({detail})" if detail else text)
    exc.winerror = code
    return exc


def _host_error(exc):
    if exc.kind == "NotFound":
        return _winerror(2, str(exc))
    if exc.kind == "AccessDenied":
        return _winerror(5, str(exc))
    if exc.kind == "InvalidRequest":
        return _winerror(87, str(exc))
    if exc.kind == "NotAvailable":
        failure = OSError(
            _errno.ENOSYS,
            "registry calls are not available on this platform without a configured hive; "
            "the policy must name a `registry_hive`",
        )
    else:
        failure = OSError(_errno.EIO, f"the registry hive could not be used: {exc}")
    failure.winerror = None
    return failure


def _call(op, **args):
    try:
        return _channel.call(op, **args)
    except _channel.HostError as exc:
        raise _host_error(exc) from None


class _Key:
    """What a handle stands for: a key named by root and path, and the rights it was opened
    with."""

    __slots__ = ("root", "path", "access")

    def __init__(self, root, path, access):
        self.root = root
        self.path = path
        self.access = access

    def child(self, sub_key, access):
        """The key `sub_key` names below this one (this one for None or "")."""
        if sub_key is None or sub_key == "":
            return _Key(self.root, self.path, access)
        if not isinstance(sub_key, str):
            raise TypeError(f"sub_key must be str or None, not {type(sub_key).__name__}")
        # Windows accepts one trailing backslash; the host takes clean paths.
        if sub_key.endswith("\\") and len(sub_key) > 1:
            sub_key = sub_key[:-1]
        path = f"{self.path}\\{sub_key}" if self.path else sub_key
        return _Key(self.root, path, access)

    def require(self, right, right_name):
        if not self.access & right:
            raise _winerror(
                5, f"the key was opened without {right_name}; open it with that access right"
            )

    def call(self, op, **args):
        return _call(op, root=self.root, path=self.path, **args)


_handles = {}
_next_handle = 0x100


def _rights(access):
    if not isinstance(access, int):
        raise TypeError(f"access must be int, not {type(access).__name__}")
    rights = access
    for generic, specific in _GENERIC_RIGHTS.items():
        if access & generic:
            rights |= specific
    return rights


def _resolve(key):
    """The `_Key` behind a handle object, a handle number or a predefined key."""
    if isinstance(key, HKEYType):
        handle = key.handle
    elif isinstance(key, int):
        handle = key
    else:
        raise TypeError("The object is not a PyHKEY object")
    if handle in _ROOTS:
        return _Key(_ROOTS[handle], "", KEY_ALL_ACCESS)
    entry = _handles.get(handle)
    if entry is None:
        raise _winerror(6)
    return entry


def _new_handle(entry):
    global _next_handle
    handle = _next_handle
    _next_handle += 4
    _handles[handle] = entry
    return HKEYType(handle)


class HKEYType:
    """An open registry key. Closes itself when used as a context manager or garbage collected;
    `Detach()` hands over the handle number, which then stays open until `CloseKey`."""

    __slots__ = ("_handle",)

    def __init__(self, handle):
        self._handle = handle

    @property
    def handle(self):
        return self._handle

    def Close(self):
        handle, self._handle = self._handle, 0
        _handles.pop(handle, None)

    def Detach(self):
        handle, self._handle = self._handle, 0
        return handle

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.Close()
        return False

    def __del__(self):
        # At interpreter exit the module's globals may already be gone.
        if _handles is not None:
            self.Close()

    def __int__(self):
        return self._handle

    def __bool__(self):
        return self._handle != 0

    def __str__(self):
        return f"<PyHKEY:0x{self._handle:x}>"


def CloseKey(hkey):
    """Closes a key; closing a predefined key does nothing."""
    if isinstance(hkey, HKEYType):
        hkey.Close()
        return
    if not isinstance(hkey, int):
        raise TypeError("The object is not a PyHKEY object")
    if hkey not in _ROOTS and _handles.pop(hkey, None) is None:
        raise _winerror(6)


def ConnectRegistry(computer_name, key):
    """Opens a predefined key of this computer; other computers are out of reach."""
    if computer_name not in (None, ""):
        raise _winerror(53, "ward reaches only the registry of the computer it runs on")
    handle = key.handle if isinstance(key, HKEYType) else key
    if handle not in _ROOTS:
        raise _winerror(6)
    return _new_handle(_Key(_ROOTS[handle], "", KEY_ALL_ACCESS))


def OpenKey(key, sub_key, reserved=0, access=KEY_READ):
    entry = _resolve(key).child(sub_key, _rights(access))
    entry.call("registry.open_key")
    return _new_handle(entry)


OpenKeyEx = OpenKey


def CreateKeyEx(key, sub_key, reserved=0, access=KEY_WRITE):
    entry = _resolve(key).child(sub_key, _rights(access))
    entry.call("registry.create_key")
    return _new_handle(entry)


def CreateKey(key, sub_key):
    return CreateKeyEx(key, sub_key, 0, KEY_ALL_ACCESS)


def DeleteKeyEx(key, sub_key, access=KEY_WOW64_64KEY, reserved=0):
    """Deletes a key with no subkeys; one that has subkeys raises PermissionError."""
    if not isinstance(sub_key, str):
        raise TypeError(f"sub_key must be str, not {type(sub_key).__name__}")
    _resolve(key).child(sub_key, 0).call("registry.delete_key")


def DeleteKey(key, sub_key):
    DeleteKeyEx(key, sub_key)


def DeleteValue(key, value):
    entry = _resolve(key)
    entry.require(KEY_SET_VALUE, "KEY_SET_VALUE")
    entry.call("registry.delete_value", name=_value_name(value))


def QueryValueEx(key, name):
    """Returns `(value, type)` for the value `name` ("" or None for the default value)."""
    entry = _resolve(key)
    entry.require(KEY_QUERY_VALUE, "KEY_QUERY_VALUE")
    reply = entry.call("registry.query_value", name=_value_name(name))
    return _from_wire(reply), reply["type"]


def QueryValue(key, sub_key):
    """Returns the default value of `sub_key` as a string, "" when it has none."""
    entry = _resolve(key)
    if sub_key is None or sub_key == "":
        entry.require(KEY_QUERY_VALUE, "KEY_QUERY_VALUE")
    entry = entry.child(sub_key, KEY_QUERY_VALUE)
    try:
        reply = _channel.call("registry.query_value", root=entry.root, path=entry.path, name="")
    except _channel.HostError as exc:
        if exc.kind != "NotFound":
            raise _host_error(exc) from None
        # A key without a default value reads as ""; a missing key raises.
        entry.call("registry.open_key")
        return ""
    if reply["type"] not in (REG_SZ, REG_EXPAND_SZ):
        raise _winerror(1630, "QueryValue reads only string default values; use QueryValueEx")
    return reply["value"]


def SetValueEx(key, value_name, reserved, type, value):
    entry = _resolve(key)
    entry.require(KEY_SET_VALUE, "KEY_SET_VALUE")
    data = _to_wire(type, value)
    entry.call("registry.set_value", name=_value_name(value_name), type=type, value=data)


def SetValue(key, sub_key, type, value):
    """Sets the default value of `sub_key`, creating the key if needed, to the string `value`."""
    if type != REG_SZ:
        raise TypeError("type must be winreg.REG_SZ")
    if not isinstance(value, str):
        raise TypeError(f"SetValue() argument 4 must be str, not {value.__class__.__name__}")
    entry = _resolve(key)
    if sub_key is None or sub_key == "":
        entry.require(KEY_SET_VALUE, "KEY_SET_VALUE")
    else:
        entry = entry.child(sub_key, KEY_ALL_ACCESS)
        entry.call("registry.create_key")
    entry.call("registry.set_value", name="", type=REG_SZ, value=value)


def EnumKey(key, index):
    """The name of subkey number `index`; OSError (winerror 259) past the last one."""
    entry = _resolve(key)
    entry.require(KEY_ENUMERATE_SUB_KEYS, "KEY_ENUMERATE_SUB_KEYS")
    return _enumerate(entry, "registry.enum_key", index)


def EnumValue(key, index):
    """`(name, value, type)` of value number `index`; OSError (winerror 259) past the last."""
    entry = _resolve(key)
    entry.require(KEY_QUERY_VALUE, "KEY_QUERY_VALUE")
    reply = _enumerate(entry, "registry.enum_value", index)
    return reply["name"], _from_wire(reply), reply["type"]


def QueryInfoKey(key):
    """`(subkeys, values, last_modified)`, the last as 100 ns intervals since 1601-01-01."""
    entry = _resolve(key)
    entry.require(KEY_QUERY_VALUE, "KEY_QUERY_VALUE")
    reply = entry.call("registry.query_info_key")
    modified_ns = reply["modified_ns"]
    modified = modified_ns // 100 + _FILETIME_UNIX_EPOCH if modified_ns else 0
    return reply["subkeys"], reply["values"], modified


def FlushKey(key):
    """Does nothing more than check the handle: the host saves every change as it is made."""
    _resolve(key)


def ExpandEnvironmentStrings(str):
    """Replaces each `%NAME%` with that environment variable; unknown names stay as written."""
    import re  # here: only this function needs it, and every `import winreg` would pay for it

    environment = {name.upper(): value for name, value in _os.environ.items()}
    return re.sub(
        r"%([^%]+)%", lambda match: environment.get(match[1].upper(), match[0]), str
    )


def _enumerate(entry, op, index):
    if not isinstance(index, int):
        raise TypeError(f"index must be int, not {type(index).__name__}")
    if index < 0:
        raise _winerror(259)
    try:
        return _channel.call(op, root=entry.root, path=entry.path, index=index)
    except _channel.HostError as exc:
        if exc.kind != "NotFound":
            raise _host_error(exc) from None
    # The host says NotFound both for a missing key and for an index past the end.
    entry.call("registry.open_key")
    raise _winerror(259)


def _value_name(name):
    if name is None:
        return ""
    if not isinstance(name, str):
        raise TypeError(f"value name must be str or None, not {type(name).__name__}")
    return name


def _unsigned(value, bits):
    if value is None:
        return 0
    if not isinstance(value, int):
        raise ValueError(_CONVERT_ERROR)
    if value < 0:
        raise OverflowError("can't convert negative int to unsigned")
    if value >> bits:
        raise OverflowError(f"int too large to convert to a {bits}-bit registry value")
    return int(value)


def _to_wire(type, value):
    """The JSON data the host expects for `value` declared as `type`, refused as CPython's
    winreg refuses it."""
    if not isinstance(type, int):
        raise TypeError(f"type must be int, not {type.__class__.__name__}")
    if type in (REG_SZ, REG_EXPAND_SZ):
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValueError(_CONVERT_ERROR)
        return value
    if type == REG_DWORD:
        return _unsigned(value, 32)
    if type == REG_QWORD:
        return _unsigned(value, 64)
    if type == REG_MULTI_SZ:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(_CONVERT_ERROR)
        return list(value)
    if value is None:
        data = b""
    else:
        try:
            data = bytes(memoryview(value))
        except TypeError:
            raise TypeError(
                f"Objects of type '{value.__class__.__name__}' can not be used as binary "
                "registry values"
            ) from None
    if type not in _STORED_TYPES:
        raise _winerror(
            1630, f"ward's registry hive does not store type {type}; use REG_BINARY for bytes"
        )
    return data.hex()


def _from_wire(reply):
    """The Python value for the host's `{"type": ..., "value": ...}`, as CPython returns it."""
    kind, value = reply["type"], reply["value"]
    if kind in (REG_NONE, REG_BINARY):
        return bytes.fromhex(value) if value else None
    if kind == REG_MULTI_SZ:
        return list(value)
    return value
