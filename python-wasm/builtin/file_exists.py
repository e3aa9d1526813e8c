"""Tell whether a file or directory exists at a path.

Reads only the metadata of `path` (one `os.stat`). Symbolic links are followed, so a link whose
target is gone counts as missing. Unlike `os.path.exists`, a path the script is not allowed to
look at raises `PermissionError` instead of answering `false`, so that "denied" is never
mistaken for "absent".
"""

import os


def run(path):
    if not path:
        raise ValueError("path is empty: give the full path to check")

    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return True
