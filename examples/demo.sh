#!/usr/bin/env bash
# A tour of ward on this machine: the sandboxed interpreter, then two built-in scripts acting on
# the host under policies/default.toml, every operation recorded in an audit log that is then
# verified. Run from the repository root after `python3 python-wasm/fetch.py`.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet
ward=target/debug/ward
export WARD_DATA_DIR="${WARD_DATA_DIR:-$PWD/target/demo-data}"
audit="$WARD_DATA_DIR/audit.jsonl"

echo "== the guest interpreter, walking its own standard library"
"$ward" run examples/interpreter_report.py

echo
echo "== built-in list_directories on this repository (standard risk, default policy)"
"$ward" run --builtin list_directories --param "path=$PWD/python-wasm" --param number_of_levels=1 \
    --policy policies/default.toml --audit-log "$audit"

echo
echo "== built-in get_process_list (first five processes)"
"$ward" run --builtin get_process_list --policy policies/default.toml --audit-log "$audit" --json \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["status"]); [print(p) for p in r["return_value"]["processes"][:5]]'

echo
echo "== a denied read, recorded like every other operation"
"$ward" run -c "open('/etc/shadow').read()" --policy policies/default.toml --audit-log "$audit" || true

echo
echo "== the audit log: $audit"
tail -n 3 "$audit"
"$ward" audit verify "$audit"
