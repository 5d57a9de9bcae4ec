#!/usr/bin/env bash
# Regenerates the probes shipped in probes/smollm2-135m-instruct/ from the project's own datasets, reproducibly
# (greedy generation, fixed seeds, fixed row limits). Takes ~10 minutes on 2 cores.
#   statements.json — logistic probe on the last token of true/false statements (5 topics, affirmative and negated)
#   answers.json    — logistic probe on the model's own answers to 600 factqa_train questions, at the mean over the
#                     answer's tokens; layer and C by topic-grouped CV; measured on 300 answers of unseen factqa_test topics
#                     (the position the gate scores in production)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-}"
if [ -z "$BIN" ]; then
  swift build -c release --product polygraph 2>&1 | tail -1 >&2
  BIN="$(swift build -c release --show-bin-path)/polygraph"
fi
WORK=runs/make-probes
DEST=probes/smollm2-135m-instruct
mkdir -p "$WORK" "$DEST"

echo "== statements: capture (600 rows from each of 5 sets, resid_post at every layer)" >&2
"$BIN" capture --dataset datasets/capitals.csv datasets/cities.csv datasets/elements.csv datasets/continents.csv \
  datasets/currencies.csv --limit 600 --out "$WORK/statements.h5" --hooks resid_post --position last --overwrite
"$BIN" sweep --acts "$WORK/statements.h5" --probe logistic,mass-mean --group-by group --report "$DEST/reports/statements" --quiet >/dev/null
"$BIN" train --acts "$WORK/statements.h5" --probe logistic --layer best --group-by group --calibrate \
  --out "$DEST/statements.json" --quiet

echo "== answers: 600 factqa_train questions answered and graded, then 300 of factqa_test (unseen topics)" >&2
"$BIN" capture --dataset datasets/factqa_train.jsonl --limit 600 --max-answer-tokens 24 --layers 8-28 \
  --out "$WORK/factqa_train.h5" --hooks resid_post --position answer --overwrite
"$BIN" capture --dataset datasets/factqa_test.jsonl --limit 300 --max-answer-tokens 24 --layers 8-28 \
  --out "$WORK/factqa_test.h5" --hooks resid_post --position answer --overwrite
"$BIN" sweep --acts "$WORK/factqa_train.h5" --test-acts "$WORK/factqa_test.h5" --answer-position answer_mean \
  --probe logistic --C 0.001 --report "$DEST/reports/answers" --quiet >/dev/null
"$BIN" train --acts "$WORK/factqa_train.h5" --probe logistic --layer best --choose-C --group-by topic --split 1 \
  --calibrate --answer-position answer_mean --out "$DEST/answers.json" --quiet
"$BIN" eval --probe "$DEST/answers.json" --acts "$WORK/factqa_test.h5" \
  --report "$DEST/reports/answers-unseen-topics" > /dev/null

echo "== table for $DEST/README.md" >&2
python3 - "$DEST" <<'PY'
import json, sys, os
dest = sys.argv[1]
rows = []
for name in ("statements", "answers"):
    a = json.load(open(os.path.join(dest, name + ".json")))
    m = a["training"]["metrics"].get("test")
    if m is None:  # trained on every row: the measurement is the eval on unseen topics
        m = json.load(open(os.path.join(dest, "reports", name + "-unseen-topics", "eval.json")))["metrics"]
    sets = ", ".join(f'{d["name"]} ({d["n"]})' for d in a["training"]["datasets"])
    rows.append(f'| {name}.json | {sets} | {a["hook"]} @ {a["position"]} | {m["auroc"]:.3f} | '
                f'{m["recall_at_5_fpr"]:.3f} | {m["ece"]:.3f} |')
print("\n".join(rows))
PY
