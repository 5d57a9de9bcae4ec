#!/usr/bin/env bash
# Regenerates the probes shipped in probes/smollm2-135m-instruct/ from the project's own datasets, reproducibly
# (greedy generation, fixed seeds, fixed row limits). Takes ~10 minutes on 2 cores.
#   statements.json — logistic probe on the last token of true/false statements (5 topics, affirmative and negated)
#   answers.json    — logistic probe on the model's own answers to questions.jsonl, at the answer's last token
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

echo "== answers: generate and grade every question, capture at the answer's last token" >&2
"$BIN" capture --dataset datasets/questions.jsonl --out "$WORK/answers.h5" --hooks resid_post --position answer \
  --max-answer-tokens 32 --overwrite
"$BIN" sweep --acts "$WORK/answers.h5" --probe logistic,mass-mean --report "$DEST/reports/answers" --quiet >/dev/null
"$BIN" train --acts "$WORK/answers.h5" --probe logistic --layer best --calibrate --out "$DEST/answers.json" --quiet

echo "== table for $DEST/README.md" >&2
python3 - "$DEST" <<'PY'
import json, sys, os
dest = sys.argv[1]
rows = []
for name in ("statements", "answers"):
    a = json.load(open(os.path.join(dest, name + ".json")))
    m = a["training"]["metrics"].get("test") or next(iter(a["training"]["metrics"].values()))
    sets = ", ".join(f'{d["name"]} ({d["n"]})' for d in a["training"]["datasets"])
    rows.append(f'| {name}.json | {sets} | {a["hook"]} @ {a["position"]} | {m["auroc"]:.3f} | '
                f'{m["recall_at_5_fpr"]:.3f} | {m["ece"]:.3f} |')
print("\n".join(rows))
PY
