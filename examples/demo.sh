#!/usr/bin/env bash
# A tour of ward on this machine: the sandboxed interpreter, two built-in scripts acting on the
# host under policies/default.toml with every operation recorded in a verified audit log, then a
# server and an agent on loopback running a built-in script as an action and printing the
# per-endpoint result. Run from the repository root after `python3 python-wasm/fetch.py`.
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

echo
echo "== a server and an agent on this machine, running a built-in script as an action"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server_url="http://127.0.0.1:$port"
server_dir="$WARD_DATA_DIR/server"
agent_dir="$WARD_DATA_DIR/agent"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

"$ward" server --data-dir "$server_dir" --listen "127.0.0.1:$port" > "$WARD_DATA_DIR/server.log" 2>&1 &
pids+=($!)
until python3 -c "import urllib.request; urllib.request.urlopen('$server_url/api/v1/health')" 2>/dev/null; do
    sleep 0.2
done
export WARD_SERVER="$server_url"
export WARD_API_KEY=$("$ward" server add-admin "demo-$$" --data-dir "$server_dir" | tail -n 1)
secret=$("$ward" server enrollment-secret --data-dir "$server_dir" | tail -n 1)

"$ward" agent --server "$server_url" --enroll "$secret" --data-dir "$agent_dir" --tag demo \
    > "$WARD_DATA_DIR/agent.log" 2>&1 &
pids+=($!)
until "$ward" endpoint list --json | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin) else 1)'; do
    sleep 0.2
done
"$ward" endpoint list
"$ward" action run --builtin list_directories --param "path=$PWD/python-wasm" \
    --param number_of_levels=1 --filter-tag demo --wait
