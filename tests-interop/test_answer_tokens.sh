#!/usr/bin/env bash
# Generated answers at position `all`: `capture --position all` on questions stores every answer token's rows under
# /activations (ragged by /tokens/offsets) and each token's confidence under /confidence/token_*, beside the per-answer
# positions. Checked with h5py against a `--position answer` capture of the same questions (same answers; its last-token
# rows and /positions equal bit for bit, the series' mean equals mean_logprob), and `train --answer-position best` on it.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-.build/release/polygraph}"
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
if [ ! -f "$MODEL" ]; then
  if [ -n "${CI:-}" ]; then echo "FAIL: $MODEL missing (run scripts/setup.sh)"; exit 1; fi
  echo "skip: $MODEL missing"; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
failed=0
for pos in answer all; do
  if ! "$BIN" capture --model "$MODEL" --dataset datasets/factqa_test.jsonl --limit 24 --position "$pos" --layers 12,16 \
    --max-answer-tokens 16 --batch-size 8 --out "$tmp/$pos.h5" --quiet > "$tmp/$pos.log" 2>&1; then
    echo "FAIL  capture --position $pos: $(tail -2 "$tmp/$pos.log")"; failed=$((failed + 1))
  fi
done
python3 - "$tmp/answer.h5" "$tmp/all.h5" <<'PY' || failed=$((failed + 1))
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
off, n = b["tokens/offsets"][:], b["examples/n_tokens"][:]
checks = {
    "position attribute": b.attrs["position"] == "all",
    "same answers": list(a["examples/answer"][:]) == list(b["examples/answer"][:]),
    "offsets = answer tokens": off[0] == 0 and np.array_equal(np.diff(off), n) and off[-1] > len(n),
    "series aligned": all(b["confidence/" + c].shape == (off[-1],) for c in ("token_logprob", "token_entropy", "token_margin")),
}
for h in ("blocks.12.hook_resid_post", "blocks.16.hook_resid_post"):
    rows = b["activations/" + h][:]
    checks[h + " rows"] = rows.shape == (off[-1], 576)
    checks[h + " last token = position answer"] = np.array_equal(np.stack([rows[off[i + 1] - 1] for i in range(len(n))]), a["activations/" + h][:])
    checks[h + " mean = answer_mean"] = np.allclose(np.stack([rows[off[i]:off[i + 1]].mean(0) for i in range(len(n))]), b["positions/answer_mean/" + h][:], atol=1e-5)
    checks[h + " positions equal"] = all(np.array_equal(a[f"positions/{p}/{h}"][:], b[f"positions/{p}/{h}"][:]) for p in a["positions"])
lp = b["confidence/token_logprob"][:]
checks["series mean = mean_logprob"] = np.allclose([lp[off[i]:off[i + 1]].mean() for i in range(len(n))], b["confidence/mean_logprob"][:], atol=1e-5)
for name, ok in checks.items(): print(("ok   " if ok else "FAIL ") + " " + name)
sys.exit(0 if all(checks.values()) else 1)
PY
# Probes read the per-answer positions of such a file; its per-token /activations are skipped among the candidates.
if ! out=$("$BIN" train --acts "$tmp/all.h5" --answer-position best --layer best --out "$tmp/p.json" --quiet 2>&1); then
  echo "FAIL  train --answer-position best on an all file: $(tail -2 <<<"$out")"; failed=$((failed + 1))
elif ! "$BIN" inspect "$tmp/p.json" | grep -q "answer_\|question"; then
  echo "FAIL  the probe does not name an answer position"; failed=$((failed + 1))
else echo "ok    train --answer-position best on it"; fi
# Answer files of both positions train together on an answer position.
if ! out=$("$BIN" train --acts "$tmp/answer.h5" "$tmp/all.h5" --answer-position answer_mean --layer 16 \
  --out "$tmp/both.json" --quiet 2>&1); then
  echo "FAIL  train on an answer file and an all file together: $(tail -1 <<<"$out")"; failed=$((failed + 1))
else echo "ok    an answer file and an all file train together at answer_mean"; fi
# The shipped probe (answer_mean) scores the all file as it scores the answer file: the same /positions rows.
a=$("$BIN" eval --probe probes/smollm2-135m-instruct/answers.json --acts "$tmp/answer.h5" 2>&1 | grep -m1 '^accuracy')
b=$("$BIN" eval --probe probes/smollm2-135m-instruct/answers.json --acts "$tmp/all.h5" 2>&1 | grep -m1 '^accuracy')
if [ -z "$a" ] || [ "$a" != "$b" ]; then
  echo "FAIL  the shipped probe on the all file: '$b' against '$a'"; failed=$((failed + 1))
else echo "ok    the shipped probe scores the all file as the answer file ($a)"; fi
if out=$("$BIN" train --acts "$tmp/all.h5" --layer 16 --out "$tmp/q.json" --quiet 2>&1) || ! grep -q "answer_mean" <<<"$out"; then
  echo "FAIL  train on the per-token rows was not refused with a hint: $(tail -1 <<<"$out")"; failed=$((failed + 1))
else echo "ok    train on the per-token rows refused with a hint"; fi
if out=$("$BIN" capture --model "$MODEL" --dataset datasets/factqa_test.jsonl --dataset datasets/cities.csv --position all \
  --layers 16 --out "$tmp/mixed.h5" 2>&1) || ! grep -q "file of its own" <<<"$out"; then
  echo "FAIL  statements and questions in one capture were not refused: $(tail -1 <<<"$out")"; failed=$((failed + 1))
else echo "ok    statements and questions in one capture refused"; fi
echo "$failed failed"
[ "$failed" -eq 0 ]
