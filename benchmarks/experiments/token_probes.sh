#!/usr/bin/env bash
# A probe on every answer token, aggregated over the answer (mean, min, soft-min), against the answer_mean hybrid and
# min token log-prob (probes/README.md, "Token-level probes over the answer"). SmolLM2's 48-token answers to the
# recipe's training questions and the unseen sets, captured with `--position all` (every answer token's rows and
# confidences; layers 12, 16, 20), then token_probes.py fits and compares. About 15 minutes on 2 cores; files under
# runs/token-probes/.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release/polygraph}
W=runs/token-probes; mkdir -p "$W"
cap() {  # name dataset limit
  [ -f "$W/$1.h5" ] && return 0
  "$BIN" capture --model models/SmolLM2-135M-Instruct.Q4_1.gguf --dataset "datasets/$2.jsonl" --limit "$3" \
    --max-answer-tokens 48 --layers 12,16,20 --position all --template chat --out "$W/$1.part.h5" --overwrite --quiet
  mv "$W/$1.part.h5" "$W/$1.h5"
}
cap train factqa_train 1356; cap train2 factqa_train2 565; cap train3 factqa_train3 452
cap test factqa_test 883; cap test2 factqa_test2 442; cap test4 factqa_test4 631
for layer in 16 20; do python3 benchmarks/experiments/token_probes.py "$W" "$layer" 2>&1 | grep -v -i warning; done
