#!/usr/bin/env bash
# Measures a model's shipped probes on a benchmark file you have, next to the model's own confidences:
#   scripts/eval-benchmark.sh MODEL FILE [OUT_DIR] [capture options, e.g. --limit 500 --decode-mode quantizedInt8]
# MODEL: smollm2 | gemma3-270m | qwen2.5-coder-0.5b | qwen2.5-coder-1.5b (fetched if missing). FILE: NQ-open,
# TriviaQA, PopQA, HaluEval QA or TruthfulQA as distributed, or the project's own JSONL (README, "Public benchmarks as
# they are distributed"). The questions are put as the probes' training questions were (the GGUF's chat template;
# Gemma 3 270M, a base model, "Question: …\nAnswer:"), answers of up to 48 tokens, and only the hooks the shipped
# probes read are captured (OUT_DIR/acts.h5; REUSE=1 resumes it). Then `polygraph eval` with a report folder each:
# answers.json (and question.json, the pre-generation probe, where shipped) on generated answers, given.json on
# given ones (HaluEval, TruthfulQA). Each eval prints the probe beside the best confidence with a bootstrap interval,
# and within each group where the file has groups (topic; PopQA's prop; TruthfulQA's category).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n 2,9p "$0" >&2; exit 2; }
MODEL=$1 FILE=$2
shift 2
OUT=runs/benchmark-$MODEL-$(basename "${FILE%.*}")
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then OUT=$1; shift; fi
BIN=${POLYGRAPH_BIN:-.build/release/polygraph}
[ -x "$BIN" ] || BIN=$(command -v polygraph) || { echo "no polygraph binary: run scripts/setup.sh" >&2; exit 1; }
case "$MODEL" in
  smollm2) GGUF=SmolLM2-135M-Instruct.Q4_1.gguf; DEST=smollm2-135m-instruct ;;
  gemma3-270m) GGUF=gemma-3-270m-q4_k_m.gguf; DEST=gemma3-270m ;;
  qwen2.5-coder-0.5b) GGUF=qwen2.5-coder-0.5b-instruct-q4_k_m.gguf; DEST=qwen2.5-coder-0.5b-instruct ;;
  qwen2.5-coder-1.5b) GGUF=qwen2.5-coder-1.5b-instruct-q4_k_m.gguf; DEST=qwen2.5-coder-1.5b-instruct ;;
  *) echo "unknown model '$MODEL' (smollm2, gemma3-270m, qwen2.5-coder-0.5b, qwen2.5-coder-1.5b)" >&2; exit 2 ;;
esac
[ -f "models/$GGUF" ] || scripts/fetch-model.sh "$MODEL"
[ -f "$FILE" ] || { echo "no such file: $FILE" >&2; exit 1; }
PROBES=()
for name in answers question given; do [ -f "probes/$DEST/$name.json" ] && PROBES+=("$name"); done
# every hook the shipped probes read (a multi-layer probe names several)
HOOKS=$(for name in "${PROBES[@]}"; do "$BIN" inspect "probes/$DEST/$name.json" --json; done \
  | grep -o 'blocks\.[0-9]*\.hook_[a-z_]*' | sort -u | paste -sd, -)
mkdir -p "$OUT"
MODE=--overwrite
[ "${REUSE:-0}" = 1 ] && [ -f "$OUT/acts.h5" ] && MODE=--resume
echo "== capture: $FILE on models/$GGUF, hooks $HOOKS -> $OUT/acts.h5" >&2
"$BIN" capture --model "models/$GGUF" --dataset "$FILE" --position answer --hooks "$HOOKS" \
  --max-answer-tokens 48 --out "$OUT/acts.h5" "$MODE" "$@"
# Given answers (HaluEval, TruthfulQA) are marked in /examples/meta/answer_source.
if "$BIN" inspect "$OUT/acts.h5" | grep -q '^meta:.*answer_source'; then
  EVALS=(given)
else
  EVALS=(answers question)
fi
# Within-group AUROC too, where the file has groups: the project's topics, PopQA's relation, TruthfulQA's category.
META=$("$BIN" inspect "$OUT/acts.h5" | grep '^meta:' || true)
GROUP=()
for column in topic prop category; do
  if grep -qE "[ ,]$column(,|$)" <<<"$META"; then GROUP=(--group-by "$column"); break; fi
done
for name in "${EVALS[@]}"; do
  [ -f "probes/$DEST/$name.json" ] || continue
  echo "== eval: probes/$DEST/$name.json -> $OUT/$name/" >&2
  mkdir -p "$OUT/$name"
  "$BIN" eval --probe "probes/$DEST/$name.json" --acts "$OUT/acts.h5" --report "$OUT/$name" \
    --scores "$OUT/$name/scores.csv" "${GROUP[@]}"
done
