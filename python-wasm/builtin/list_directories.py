"""List the directories below a path, down to a number of levels.

Reads directory listings only, starting at `path`: level 1 is its direct subdirectories, level 2
theirs, and so on. Symbolic links to directories are neither listed nor followed, so a link can
never lead the walk outside `path` or round in a loop. A subdirectory that cannot be read is
skipped and counted in `skipped`; an unreadable or missing `path` itself is an error.
"""

import os


def run(path, number_of_levels):
    levels = _levels(number_of_levels)
    if not path:
        raise ValueError("path is empty: give the full path of the directory to list")

    found = []
    skipped = 0
    frontier = [path]
    for depth in range(levels):
        if not frontier:
            break
        next_frontier = []
        for directory in frontier:
            try:
                with os.scandir(directory) as entries:
                    children = [e.path for e in entries if e.is_dir(follow_symlinks=False)]
            except OSError:
                # The starting directory must be readable; below it, skip and count.
                if depth == 0:
                    raise
                skipped += 1
                continue
            found.extend(children)
            next_frontier.extend(children)
        frontier = next_frontier

    return {"directories": sorted(found), "skipped": skipped}


def _levels(value):
    """Accept a whole number given as an int or as a float such as 2.0."""
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole:
        raise ValueError(f"number_of_levels must be a whole number, got {value!r}")
    if value < 1:
        raise ValueError(f"number_of_levels must be 1 or more (1 = direct children), got {value}")
    return int(value)
