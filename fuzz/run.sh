#!/usr/bin/env bash
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
#
# Runs the given fuzz targets of ward (default: all) for SECONDS each (default 60), one after
# another, and prints per target how many inputs it ran, for how long, and how many crashes
# it found. Seeds are read from corpus/<target>/ and never written to; new inputs go to
# work/<target>/, crashes to artifacts/<target>/.
#
# cargo-fuzz needs nightly compiler flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain take
# them. Set CARGO_FUZZ_ROOT to install cargo-fuzz somewhere other than cargo's default, and
# WARD_FUZZ_SANITIZER=address to build with AddressSanitizer (default: none, as ward itself
# has no unsafe code and the build is much faster without it).
set -euo pipefail

seconds="${1:-60}"
shift || true
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
export RUSTC_BOOTSTRAP=1
sanitizer="${WARD_FUZZ_SANITIZER:-none}"

if [[ -n "${CARGO_FUZZ_ROOT:-}" ]]; then
    export PATH="$CARGO_FUZZ_ROOT/bin:$PATH"
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked ${CARGO_FUZZ_ROOT:+--root "$CARGO_FUZZ_ROOT"}
fi

if [[ $# -gt 0 ]]; then
    targets="$*"
else
    targets=$(cargo fuzz list)
fi
cargo fuzz build -s "$sanitizer" >&2

summary=()
for target in $targets; do
    mkdir -p "fuzz/work/$target" "fuzz/artifacts/$target"
    before=$(find "fuzz/artifacts/$target" -type f | wc -l)
    log="fuzz/work/$target.log"
    start=$(date +%s)
    status=0
    cargo fuzz run -s "$sanitizer" "$target" "fuzz/work/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        >"$log" 2>&1 || status=$?
    # libFuzzer's own count and time, without the build that `cargo fuzz run` may do first;
    # after a crash there is no "Done" line, and the time is the wall clock's.
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    elapsed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    elapsed="${elapsed:-$(( $(date +%s) - start ))}"
    crashes=$(( $(find "fuzz/artifacts/$target" -type f | wc -l) - before ))
    line="$target: ${runs:-?} executions in ${elapsed} s, $crashes new crash(es)"
    if [[ $status -ne 0 ]]; then
        line="$line (libFuzzer stopped with status $status; see $log)"
    fi
    echo "$line"
    summary+=("$line")
done

echo
echo "summary"
printf '  %s\n' "${summary[@]}"
