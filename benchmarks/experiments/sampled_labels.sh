#!/usr/bin/env bash
# Labels from sampled answers (issue 12; Kadavath et al. 2022 "P(IK)", arXiv 2207.05221; semantic-entropy probes,
# Kossen et al. 2024, arXiv 2406.15927): each training question answered SEEDS more times at TEMPERATURE by `capture
# --temperature --seed`, graded like the greedy answers. sampled_labels.py then trains probes on the greedy answers'
# rows with labels taken from the samples (share of right samples, semantic entropy) or on the sampled answers
# themselves, and measures them on the unseen topics against the model's own confidence.
# usage: benchmarks/experiments/sampled_labels.sh [OUT=runs/sampled] [SEEDS=8] [TEMPERATURE=0.7]   (probes/README: 5 seeds)
# then (probes/README's table; G holds the greedy 48-token captures, `capture --position answer --max-answer-tokens 48
# --layers 8-28` of the same files and limits, and of factqa_test, test2 and the quiz halves; needs scikit-learn):
#   python3 benchmarks/experiments/sampled_labels.py 16 runs/sampled train=$G/train-48.h5 train2=$G/train2-48.h5 \
#     train3=$G/train3-48.h5 test=$G/test-48.h5 test2=$G/test2-48.h5 quizA=$G/quizA.h5 quizB=$G/quizB.h5
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-runs/sampled}; SEEDS=${2:-8}; T=${3:-0.7}
BIN=${POLYGRAPH_BIN:-.build/release/polygraph}
# The model and what its greedy captures used (the Qwen 1.5B: MODEL=models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
# LAYER=17 SETS="factqa_train 1356 train 24;factqa_train2 565 train2 24;factqa_train3 452 train3 24;factqa_train4 452
# train4 48" DECODE_MODE=quantizedInt8: the labels need only the grades, and int8 decodes the samples twice as fast)
MODEL=${MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
LAYER=${LAYER:-16}
SETS=${SETS:-factqa_train 1356 train 48;factqa_train2 565 train2 48;factqa_train3 452 train3 48}
DECODE_MODE=${DECODE_MODE:-quantized}
mkdir -p "$OUT"
for seed in $(seq 1 "$SEEDS"); do
  IFS=';' read -r -a sets <<<"$SETS"
  # EXTRA_SETS="factqa_test 883 test 48;runs/quizA.jsonl 267 quizA 48": the unseen sets too (semantic entropy as a
  # detector); a name with a slash is a path
  [ -n "${EXTRA_SETS:-}" ] && IFS=';' read -r -a extra <<<"$EXTRA_SETS" && sets+=("${extra[@]}")
  for set in "${sets[@]}"; do
    read -r file limit name tokens <<<"$set"
    dest="$OUT/$name-t$T-s$seed.h5"
    [[ "$file" == */* ]] && path=$file || path=datasets/$file.jsonl
    [ -f "$dest" ] && continue
    "$BIN" capture --model "$MODEL" --dataset "$path" --limit "$limit" --max-answer-tokens "$tokens" \
      --layers "$LAYER" --hooks resid_post --position answer --batch-size 32 --decode-mode "$DECODE_MODE" \
      --temperature "$T" --seed "$seed" --out "$dest.part" --overwrite --quiet && mv "$dest.part" "$dest"
    echo "$(date +%T) $dest" >&2
  done
done
