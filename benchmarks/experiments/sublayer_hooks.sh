#!/usr/bin/env bash
# Which hook carries an answer's truth best: the residual stream (the shipped probes) or the attention / MLP outputs?
# SmolLM2's answers captured at all three (make-probes.sh's recipe otherwise), each hook's probe chosen by the recipe's
# own cross-validation on the training topics, then measured on the unseen sets (probes/README.md, "The attention and
# MLP outputs instead of the residual stream"). About 15 minutes on 2 cores; files under runs/sublayer-hooks/.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release/polygraph}
W=runs/sublayer-hooks; mkdir -p "$W"
cap() {  # name dataset limit answer-tokens
  [ -f "$W/$1.h5" ] && return 0
  "$BIN" capture --model models/SmolLM2-135M-Instruct.Q4_1.gguf --dataset "datasets/$2.jsonl" --limit "$3" \
    --max-answer-tokens "$4" --layers 8-28 --hooks resid_post,attn_out,mlp_out --position answer --template chat \
    --out "$W/$1.part.h5" --overwrite --quiet
  mv "$W/$1.part.h5" "$W/$1.h5"
}
cap train factqa_train 1356 24; cap train2 factqa_train2 565 24; cap train3 factqa_train3 452 24
cap test factqa_test 883 24; cap test2 factqa_test2 442 24; cap test4 factqa_test4 631 48
for h in resid_post attn_out mlp_out; do
  "$BIN" train --acts "$W/train.h5" "$W/train2.h5" "$W/train3.h5" --hook "$h" --probe logistic,hybrid \
    --answer-position best --layer best --choose-C --group-by topic --cv-metric within-group --split 1 \
    --calibration out-of-fold --out "$W/answers-$h.json" --quiet 2> "$W/train-$h.log"
  echo "== $h: $(grep -o 'chosen by.*candidates' "$W/train-$h.log")"
  for t in test test2 test4; do
    "$BIN" eval --probe "$W/answers-$h.json" --acts "$W/$t.h5" > "$W/eval-$h-$t.txt" 2>&1
    echo "-- $t: $(grep -m1 -o 'AUROC [0-9.]*' "$W/eval-$h-$t.txt"), $(grep -m1 -o 'ECE [0-9.]*' "$W/eval-$h-$t.txt"); $(grep -o 'within each topic.*(-\?[0-9.]*)' "$W/eval-$h-$t.txt" | head -1)"
  done
done
