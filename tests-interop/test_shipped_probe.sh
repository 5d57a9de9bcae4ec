#!/usr/bin/env bash
# The shipped answer probes still read what they were trained on: 120 questions of the unseen-topic test set,
# captured as scripts/make-probes.sh captures them, scored by `eval` and, separately, through the gate (`ask`). A
# change to capture, positions, grading or the gate that breaks a probe shows here as an AUROC near chance, or as
# eval and the gate disagreeing (they read the same answer span from the same forward pass).
# Measured when added (2026-12-07, AVX2 EPYC; both ways alike): SmolLM2 26 of 120 right, AUROC 0.868 (min log-prob
# 0.829); Gemma 3 270M 26, 0.964 (0.789); Qwen2.5-Coder-0.5B 44 of 118 graded (2 refusals), 0.803 (0.829). About 95 s.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-.build/release/polygraph}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
head -120 datasets/factqa_test.jsonl > "$tmp/q.jsonl"
failed=0
# probes folder, GGUF, capture template, right answers then, lowest AUROC accepted
while read -r dest gguf template right floor; do
  model=models/$gguf probe=probes/$dest/answers.json
  if [ ! -f "$model" ]; then
    if [ -n "${CI:-}" ]; then echo "FAIL: $model missing (run scripts/setup.sh --with-python)"; failed=$((failed + 1)); fi
    echo "skip: $model missing"; continue
  fi
  # Every layer the probe reads (a multi-layer probe has `hooks`).
  layers=$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print(",".join(h.split(".")[1] for h in (a.get("hooks") or [a["hook"]])))' "$probe")
  if ! "$BIN" capture --model "$model" --dataset "$tmp/q.jsonl" --max-answer-tokens 24 --layers "$layers" \
    --hooks resid_post --position answer --template "$template" --out "$tmp/$dest.h5" --quiet < /dev/null; then
    echo "FAIL: $dest capture"; failed=$((failed + 1)); continue
  fi
  if ! "$BIN" eval --probe "$probe" --acts "$tmp/$dest.h5" --json > "$tmp/$dest.eval.json" < /dev/null; then
    echo "FAIL: $dest eval"; failed=$((failed + 1)); continue
  fi
  if ! "$BIN" ask --model "$model" --questions "$tmp/q.jsonl" --json --max-tokens 24 > "$tmp/$dest.ask.jsonl" \
    2> "$tmp/ask.err" < /dev/null; then
    echo "FAIL: $dest ask: $(tail -2 "$tmp/ask.err")"; failed=$((failed + 1)); continue
  fi
  python3 - "$dest" "$tmp/$dest.eval.json" "$tmp/$dest.ask.jsonl" "$right" "$floor" <<'PY' || failed=$((failed + 1))
import json, sys
dest, right, floor = sys.argv[1], int(sys.argv[4]), float(sys.argv[5])
e = json.load(open(sys.argv[2]))
asked = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
def auroc(scores, labels):  # Mann-Whitney, ties counted half
    pos = [s for s, y in zip(scores, labels) if y]; neg = [s for s, y in zip(scores, labels) if not y]
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))
graded = [r for r in asked if r["grade"] in ("right", "wrong")]
ask_auroc = auroc([r["polygraph"]["p_true"] for r in graded], [r["grade"] == "right" for r in graded])
m, c = e["metrics"], e["baseline_comparison"]
print(f"{dest}: eval {m['positives']} of {m['n']} right, AUROC {m['auroc']:.4f} (best confidence {c['baseline']} "
      f"{c['baseline_auroc']:.4f}); ask {sum(r['grade'] == 'right' for r in graded)} of {len(graded)}, AUROC {ask_auroc:.4f}")
failed = []
if abs(m["positives"] - right) > 6: failed.append(f"{m['positives']} right answers, expected about {right}")
if m["auroc"] < floor: failed.append(f"the shipped probe scores AUROC {m['auroc']:.3f} on its own kind of data (at least {floor} expected)")
if abs(m["auroc"] - ask_auroc) > 0.002: failed.append(f"eval {m['auroc']:.4f} and the gate {ask_auroc:.4f} disagree")
if len(graded) != m["n"]: failed.append(f"ask graded {len(graded)} answers, capture {m['n']}")
for f in failed: print(f"FAIL: {dest}:", f)
sys.exit(1 if failed else 0)
PY
done <<'MODELS'
smollm2-135m-instruct SmolLM2-135M-Instruct.Q4_1.gguf chat 26 0.80
gemma3-270m gemma-3-270m-q4_k_m.gguf raw 26 0.90
qwen2.5-coder-0.5b-instruct qwen2.5-coder-0.5b-instruct-q4_k_m.gguf chat 44 0.72
MODELS
[ "$failed" -eq 0 ] || exit 1
