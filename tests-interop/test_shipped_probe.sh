#!/usr/bin/env bash
# The shipped SmolLM2 answer probe still reads what it was trained on: 120 questions of the unseen-topic test set,
# captured as scripts/make-probes.sh captures them, scored by `eval` and, separately, through the gate (`ask`). A
# change to capture, positions, grading or the gate that breaks the probe shows here as an AUROC near chance or as
# eval and the gate disagreeing (they read the same answer span from the same forward pass).
# Measured when added (2026-12-07, AVX2 EPYC): 26 of 120 right, AUROC 0.868 from both (min log-prob 0.829); on all
# 883 questions the report says 0.917.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-.build/release/polygraph}"
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
PROBE=probes/smollm2-135m-instruct/answers.json
if [ ! -f "$MODEL" ]; then
  if [ -n "${CI:-}" ]; then echo "FAIL: $MODEL missing (run scripts/setup.sh)"; exit 1; fi
  echo "skip: $MODEL missing"; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
head -120 datasets/factqa_test.jsonl > "$tmp/q.jsonl"
# Every layer the probe reads (a multi-layer probe has `hooks`).
layer=$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print(",".join(h.split(".")[1] for h in (a.get("hooks") or [a["hook"]])))' "$PROBE")
if ! "$BIN" capture --model "$MODEL" --dataset "$tmp/q.jsonl" --max-answer-tokens 24 --layers "$layer" \
  --hooks resid_post --position answer --template chat --out "$tmp/a.h5" --quiet; then
  echo "FAIL: capture"; exit 1
fi
if ! "$BIN" eval --probe "$PROBE" --acts "$tmp/a.h5" --json > "$tmp/eval.json"; then echo "FAIL: eval"; exit 1; fi
if ! "$BIN" ask --model "$MODEL" --questions "$tmp/q.jsonl" --json --max-tokens 24 > "$tmp/ask.jsonl" 2> "$tmp/ask.err"; then
  echo "FAIL: ask: $(tail -2 "$tmp/ask.err")"; exit 1
fi
python3 - "$tmp/eval.json" "$tmp/ask.jsonl" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
asked = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
def auroc(scores, labels):  # Mann-Whitney, ties counted half
    pos = [s for s, y in zip(scores, labels) if y]; neg = [s for s, y in zip(scores, labels) if not y]
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))
graded = [r for r in asked if r["grade"] in ("right", "wrong")]
ask_auroc = auroc([r["polygraph"]["p_true"] for r in graded], [r["grade"] == "right" for r in graded])
m = e["metrics"]
print(f"eval: {m['positives']} of {m['n']} right, AUROC {m['auroc']:.4f} (best confidence {e['baseline_comparison']['baseline']} "
      f"{e['baseline_comparison']['baseline_auroc']:.4f}); ask: {sum(r['grade'] == 'right' for r in graded)} of {len(graded)} right, AUROC {ask_auroc:.4f}")
failed = []
if not 20 <= m["positives"] <= 32: failed.append(f"{m['positives']} right answers, expected about 26")
if m["auroc"] < 0.80: failed.append(f"the shipped probe scores AUROC {m['auroc']:.3f} on its own kind of data (0.868 when added)")
if abs(m["auroc"] - ask_auroc) > 0.002: failed.append(f"eval {m['auroc']:.4f} and the gate {ask_auroc:.4f} disagree")
if len(graded) != m["n"]: failed.append(f"ask graded {len(graded)} answers, capture {m['n']}")
for f in failed: print("FAIL:", f)
sys.exit(1 if failed else 0)
PY
