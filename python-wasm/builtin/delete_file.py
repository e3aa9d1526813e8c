"""Delete one file.

Touches only the file named by `file_path`: it is removed with `os.remove`. A symbolic link is
removed itself, never the file it points to. A directory is refused rather than emptied, and a
missing file is an error, so that a result of `deleted: true` always means this run removed
something.
"""

import os


def run(file_path):
    if not file_path:
        raise ValueError("file_path is empty: give the full path of the file to delete")
    if not os.path.lexists(file_path):
        raise FileNotFoundError(f"no file at {file_path!r}: nothing was deleted")
    if os.path.isdir(file_path) and not os.path.islink(file_path):
        raise IsADirectoryError(
            f"{file_path!r} is a directory: this script deletes single files only"
        )

    os.remove(file_path)
    return {"deleted": True, "path": file_path}
