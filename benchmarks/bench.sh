#!/usr/bin/env bash
# Engine speed on this machine: release build, then `polygraph bench` (load, prefill of the capture workload,
# one 256-token prompt, decode in every decode mode; medians of 3 runs). Extra arguments go to `polygraph bench`,
# e.g. `benchmarks/bench.sh --json`. On a shared machine, compare the tok/CPU-s column (single-core estimate).
set -euo pipefail
cd "$(dirname "$0")/.."
model="${MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf}"
if [[ ! -f "$model" ]]; then
    echo "missing $model: run scripts/fetch-model.sh first" >&2
    exit 1
fi
swift build -c release --product polygraph >&2
.build/release/polygraph bench --model "$model" "$@"
