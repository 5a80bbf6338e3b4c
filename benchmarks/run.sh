#!/usr/bin/env bash
# Reproduces every figure of BENCHMARKS.md: builds the harness in release, then runs all of it, the ingestion
# crate's bench and (last, once) the incremental build after touching the spec. Prints the markdown table on
# stdout (progress on stderr) and keeps a copy in target/benchmarks/report.md.
#
#   bash benchmarks/run.sh                      # everything
#   bash benchmarks/run.sh --only typed,decode  # a subset (no ingestion, no incremental build unless asked)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked -p benchmarks
mkdir -p target/benchmarks
if [ "$#" -eq 0 ]; then
    set -- --ingest --incremental-build
fi
target/release/benchmarks "$@" | tee target/benchmarks/report.md
