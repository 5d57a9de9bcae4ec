#!/usr/bin/env bash
# The main job, end to end, on the default model (SmolLM2-135M-Instruct):
#   set up → capture hidden states of true/false statements → sweep layers (SVG plot) → train a calibrated probe
#   → ask questions through the gate: each answer printed with P(true) and a flag.
# Outputs go to runs/demo/. Takes a few minutes on 2 cores after the first build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== building polygraph (release)" >&2
swift build -c release --product polygraph 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | tail -3 >&2
BIN="$(swift build -c release --show-bin-path)/polygraph"
OUT=runs/demo
mkdir -p "$OUT"

echo "== 1. capture: last-token residual stream of true/false statements, every layer" >&2
"$BIN" capture --dataset datasets/statements/capitals.csv datasets/statements/elements.csv \
  --out "$OUT/statements.h5" --hooks resid_post --position last --overwrite

echo "== 2. sweep: which layer knows truth best (plot: $OUT/sweep/sweep.svg)" >&2
"$BIN" sweep --acts "$OUT/statements.h5" --probe logistic,mass-mean --report "$OUT/sweep"

echo "== 3. train: logistic probe at the best layer, Platt-calibrated on held-out rows" >&2
"$BIN" train --acts "$OUT/statements.h5" --probe logistic --layer best --calibrate --out "$OUT/probe.json"

echo "== 4. gate: questions answered by the model, scored from its own hidden states" >&2
"$BIN" ask --probe "$OUT/probe.json" --questions datasets/demo_questions.jsonl
