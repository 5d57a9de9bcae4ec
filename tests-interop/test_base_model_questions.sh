#!/usr/bin/env bash
# A base model (Gemma 3 270M: no tokenizer.chat_template) gets questions the way its shipped probes were trained:
# `capture` without --template and `ask` put them as "Question: …\nAnswer:" and end each answer where the model starts
# inventing the next question; `capture --template chat` is refused with a message that names --template raw.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-.build/release/polygraph}"
MODEL=models/gemma-3-270m-q4_k_m.gguf
if [ ! -f "$MODEL" ]; then
  if [ -n "${CI:-}" ]; then echo "FAIL: $MODEL missing (run scripts/setup.sh)"; exit 1; fi
  echo "skip: $MODEL missing"; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { failed=$((failed + 1)); echo "FAIL  $*"; }
# Questions this model answers with a run-on "…\nQuestion: …" when nothing stops it.
cat > "$tmp/q.jsonl" <<'JSONL'
{"id": "a", "question": "What is the capital of Armenia?", "answers": ["Yerevan"]}
{"id": "b", "question": "Convert 16 miles to yards.", "answers": ["28160"]}
{"id": "c", "question": "What is the Spanish word for Friday?", "answers": ["viernes"]}
JSONL

out=$("$BIN" capture --model "$MODEL" --dataset "$tmp/q.jsonl" --layers 4 --max-answer-tokens 24 \
  --out "$tmp/a.h5" --overwrite 2>&1); rc=$?
if [ $rc -ne 0 ]; then fail "capture without --template on a base model: exit $rc: $(tail -2 <<<"$out")"
elif ! grep -q "no chat template" <<<"$out"; then fail "capture did not say how it asked: $(tail -2 <<<"$out")"
else
  python3 - "$tmp/a.h5" <<'PY' || failed=$((failed + 1))
import sys, h5py
f = h5py.File(sys.argv[1], "r")
answers = [a.decode() if isinstance(a, bytes) else a for a in f["examples/answer"][:]]
ran_on = [a for a in answers if "Question:" in a]
assert len(answers) == 3 and not ran_on and all(answers), f"answers {answers!r}"
assert (f["examples/n_tokens"][:] < 24).all(), "an answer ran to --max-answer-tokens"
print("ok    capture on a base model: " + " | ".join(answers))
PY
fi

out=$("$BIN" capture --model "$MODEL" --dataset "$tmp/q.jsonl" --layers 4 --template chat --out "$tmp/b.h5" 2>&1)
rc=$?
if [ $rc -ge 1 ] && [ $rc -le 127 ] && grep -q -- "--template raw" <<<"$out" && [ ! -e "$tmp/b.h5" ]; then
  echo "ok    capture --template chat on a base model -> exit $rc, names --template raw"
else fail "capture --template chat on a base model: exit $rc: $(tail -2 <<<"$out")"; fi

out=$("$BIN" ask --model "$MODEL" --questions "$tmp/q.jsonl" --json 2>&1); rc=$?
if [ $rc -ne 0 ]; then fail "ask on a base model: exit $rc: $(tail -2 <<<"$out")"
elif grep -q 'Question:' <<<"$(grep '^{' <<<"$out" | python3 -c 'import sys, json; [print(json.loads(l)["text"]) for l in sys.stdin]')"; then
  fail "ask's answers ran on: $out"
else echo "ok    ask on a base model: $(grep -c '^{' <<<"$out") answers, none running on"; fi

[ $failed -eq 0 ] && echo "base-model questions: all passed" || { echo "base-model questions: $failed failed"; exit 1; }
