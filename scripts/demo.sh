#!/usr/bin/env bash
# The main job, end to end, on the default model (SmolLM2-135M-Instruct, Q4_1 GGUF):
#   set up → the model answers 300 questions and its hidden states at each answer are captured and graded
#   → sweep every layer (SVG plot), next to the model's own confidence → train a calibrated probe at the best layer
#   → new questions answered through the gate, each printed with P(true), the flag, and whether it was right.
# Everything it writes goes to runs/demo/. A few minutes on 2 cores once built.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== building polygraph (release; the first build takes several minutes)" >&2
swift build -c release --product polygraph 2>&1 | tail -1 >&2
BIN="$(swift build -c release --show-bin-path)/polygraph"
OUT=runs/demo
mkdir -p "$OUT"

echo "== 1/4 capture: the model answers 300 questions; each answer is graded, its hidden states stored" >&2
"$BIN" capture --dataset datasets/questions.jsonl --limit 300 --max-answer-tokens 24 \
  --out "$OUT/answers.h5" --hooks resid_post --position answer --overwrite

echo "== 2/4 sweep: which layer tells right answers from made-up ones (plot: $OUT/sweep/sweep.svg)," >&2
echo "   next to the model's own confidence (token log-probs, entropy, margin) on the same test answers" >&2
"$BIN" sweep --acts "$OUT/answers.h5" --probe logistic,mass-mean --report "$OUT/sweep" --quiet | grep -E '^(best|baseline|report)' 

echo "== 3/4 train: logistic probe at the best layer, Platt-calibrated on held-out answers" >&2
"$BIN" train --acts "$OUT/answers.h5" --probe logistic --layer best --calibrate --out "$OUT/probe.json" --quiet

echo "== 4/4 gate: questions the probe never saw, answered and scored in the same pass" >&2
"$BIN" ask --probe "$OUT/probe.json" --questions datasets/demo_questions.jsonl --max-tokens 24
