"""Reports the guest interpreter and walks its own standard library.

Runs in "just run" mode: `ward run examples/interpreter_report.py`. Everything it reads is inside
the sandbox (the standard library is embedded in the interpreter), so it needs no policy.
"""

import os
import sys
import zipfile

stdlib_zip = next(p for p in sys.path if p.endswith(".zip"))
with zipfile.ZipFile(stdlib_zip) as archive:
    names = archive.namelist()
packages = sorted({n.split("/")[0] for n in names if "/" in n})
modules = [n for n in names if n.endswith(".pyc")]

print(f"Python {sys.version.split()[0]} on {sys.platform}, {sys.implementation.name}")
print(f"standard library: {stdlib_zip}, {len(modules)} compiled modules in {len(packages)} packages")
print(f"largest packages: {', '.join(sorted(packages, key=lambda p: -sum(n.startswith(p + '/') for n in names))[:5])}")
print(f"environment variables visible: {len(os.environ)}")
