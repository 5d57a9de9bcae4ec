#!/usr/bin/env bash
# Sampled answers (`capture --temperature --seed`): the file records how they were sampled (answer_sampling, read with
# h5py and shown by inspect); the same seed gives the same answers whatever --batch-size or --shard; another seed
# other answers; --resume with other sampling, a temperature of 0 and --seed without --temperature are refused.
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
cap() {  # OUT ARGS...
  local out=$1; shift
  "$BIN" capture --model "$MODEL" --dataset datasets/factqa_test.jsonl --limit 12 --layers 16 --max-answer-tokens 16 \
    --out "$tmp/$out" --quiet "$@" > "$tmp/$out.log" 2>&1
}
cap b8.h5 --temperature 0.9 --seed 4 --batch-size 8 || { echo "FAIL  sampled capture: $(tail -2 "$tmp/b8.h5.log")"; failed=$((failed + 1)); }
cap b1.h5 --temperature 0.9 --seed 4 --batch-size 1 || failed=$((failed + 1))
cap s0.h5 --temperature 0.9 --seed 4 --shard 0/2 && cap s1.h5 --temperature 0.9 --seed 4 --shard 1/2 \
  && "$BIN" merge "$tmp/s0.h5" "$tmp/s1.h5" --out "$tmp/merged.h5" > /dev/null 2>&1 || failed=$((failed + 1))
cap seed5.h5 --temperature 0.9 --seed 5 || failed=$((failed + 1))
cap greedy.h5 || failed=$((failed + 1))
python3 - "$tmp" <<'PY' || failed=$((failed + 1))
import sys, h5py
d = sys.argv[1]
f = {k: h5py.File(f"{d}/{k}.h5", "r") for k in ("b8", "b1", "merged", "seed5", "greedy")}
ans = {k: [a.decode() for a in v["examples/answer"][:]] for k, v in f.items()}
checks = {
    "answer_sampling recorded": f["b8"].attrs.get("answer_sampling") == "temperature=0.9 top_p=1.0 top_k=0 seed=4",
    "greedy files have none": "answer_sampling" not in f["greedy"].attrs,
    "--batch-size 1 = 8": ans["b1"] == ans["b8"],
    "--shard 0/2 + 1/2 merged = one run": ans["merged"] == ans["b8"] and f["merged"].attrs.get("answer_sampling") == f["b8"].attrs["answer_sampling"],
    "another seed, other answers": sum(a != b for a, b in zip(ans["seed5"], ans["b8"])) >= 4,
    "sampled differ from greedy": sum(a != b for a, b in zip(ans["greedy"], ans["b8"])) >= 4,
}
for name, ok in checks.items(): print(("ok   " if ok else "FAIL ") + " " + name)
sys.exit(0 if all(checks.values()) else 1)
PY
"$BIN" inspect "$tmp/b8.h5" | grep -q "answers:   sampled, temperature=0.9" && echo "ok    inspect shows the sampling" \
  || { echo "FAIL  inspect does not show the sampling"; failed=$((failed + 1)); }
expect_refusal() {  # WHAT PATTERN ARGS...
  local what=$1 pattern=$2; shift 2
  if out=$(cap refused.h5 "$@"; cat "$tmp/refused.h5.log") && ! grep -q "Error" <<<"$out"; then
    echo "FAIL  $what was accepted"; failed=$((failed + 1))
  elif ! grep -q -- "$pattern" <<<"$out"; then
    echo "FAIL  $what: unclear error: $(grep -m1 Error <<<"$out")"; failed=$((failed + 1))
  else echo "ok    $what refused: $(grep -m1 Error <<<"$out")"; fi
}
expect_refusal "--seed without --temperature" "give --temperature too" --seed 3
expect_refusal "--temperature 0" "leave --temperature out" --temperature 0
cp "$tmp/b8.h5" "$tmp/resume.h5"
if out=$("$BIN" capture --model "$MODEL" --dataset datasets/factqa_test.jsonl --limit 12 --layers 16 \
  --max-answer-tokens 16 --out "$tmp/resume.h5" --resume --temperature 0.9 --seed 5 --quiet 2>&1); then
  echo "FAIL  --resume with another seed was accepted"; failed=$((failed + 1))
elif ! grep -q "answer sampling" <<<"$out"; then
  echo "FAIL  --resume with another seed: unclear error: $out"; failed=$((failed + 1))
else echo "ok    --resume with another seed refused"; fi
[ $failed -eq 0 ] && echo "sampled answers: all checks passed" || echo "sampled answers: $failed check(s) failed"
exit $((failed > 0))
