#!/usr/bin/env bash
# Experiment (probes/README.md, "People questions in training", 2026-12-06): a model's shipped answer and
# pre-generation probes, and the same files at an older revision, on 600 people no probe was trained on: rows
# 453–1052 of datasets/factqa_train3.jsonl (make-probes.sh trains on its first 452; same four topics, other people).
#   benchmarks/experiments/unseen_people.sh GGUF PROBE_DIR LAYERS TEMPLATE [REVISION]
#   e.g. benchmarks/experiments/unseen_people.sh models/SmolLM2-135M-Instruct.Q4_1.gguf probes/smollm2-135m-instruct 8-28 chat 75008b7
# (LAYERS and TEMPLATE as make-probes.sh captures that model; REVISION defaults to 75008b7, the last probes trained
# without people questions.)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${POLYGRAPH_BIN:-.build/release/polygraph}"
GGUF=$1 DIR=$2 LAYERS=$3 TEMPLATE=$4 REV=${5:-75008b7}
WORK=runs/unseen-people/$(basename "$DIR"); mkdir -p "$WORK"
sed -n 453,1052p datasets/factqa_train3.jsonl > "$WORK/people.jsonl"
[ -f "$WORK/people.h5" ] || "$BIN" capture --model "$GGUF" --dataset "$WORK/people.jsonl" --max-answer-tokens 24 \
  --layers "$LAYERS" --hooks resid_post --position answer --template "$TEMPLATE" --out "$WORK/people.h5" --overwrite --quiet
for name in answers question; do
  git show "$REV:$DIR/$name.json" > "$WORK/$name-$REV.json" 2>/dev/null || rm -f "$WORK/$name-$REV.json"
  for probe in "$WORK/$name-$REV.json" "$DIR/$name.json"; do
    [ -f "$probe" ] || continue
    echo "== $probe"
    "$BIN" eval --probe "$probe" --acts "$WORK/people.h5" | grep -E "^accuracy|^best probe|^AUROC within"
  done
done
