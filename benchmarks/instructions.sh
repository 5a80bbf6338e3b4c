#!/usr/bin/env bash
# The typed call's cost in instructions, which do not move with the machine's load: each side (the facade and raw
# reqwest + serde, `benchmarks --calls SIDE N`) runs under callgrind at two call counts, and the difference over
# the difference in calls is one call's instructions on the client thread (the server's thread is left out; the
# setup cancels out). Needs valgrind and a release build of the harness (`bash benchmarks/run.sh` builds one).
#
#   bash benchmarks/instructions.sh            # 40 and 120 calls a side
#   bash benchmarks/instructions.sh 20 60      # other counts
set -euo pipefail
cd "$(dirname "$0")/.."
low=${1:-40}
high=${2:-120}
bin=target/release/benchmarks
[ -x "$bin" ] || { echo "no $bin: build it with cargo build --release -p benchmarks" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Instructions of the main thread (the client's single-threaded runtime) for `--calls $1 $2`.
main_thread() {
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$work/cg" \
        "$bin" --calls "$1" "$2" 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
    awk '/^summary:/ { print $2 }' "$work/cg-01"
    rm -f "$work"/cg*
}

declare -A per_call
for side in facade raw; do
    a=$(main_thread "$side" "$low")
    b=$(main_thread "$side" "$high")
    per_call[$side]=$(( (b - a) / (high - low) ))
    echo "$side: $(( per_call[$side] )) instructions per call ($low calls: $a, $high calls: $b)"
done
awk -v f="${per_call[facade]}" -v r="${per_call[raw]}" \
    'BEGIN { printf "raw / facade: %.3f (the facade adds %.1f%% to a call)\n", r / f, (f - r) * 100 / r }'
