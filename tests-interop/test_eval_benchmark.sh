#!/usr/bin/env bash
# scripts/eval-benchmark.sh on files in the shapes public QA benchmarks are distributed in (records written here by
# hand: NQ-open's answer lists, HaluEval's right/hallucinated pairs, TruthfulQA's CSV): the shipped SmolLM2 probes
# measured on generated answers (answers.json, question.json) and on given ones (given.json), each eval.json with
# every row; a malformed record stops the script with the line and what is wrong.
set -uo pipefail
cd "$(dirname "$0")/.."
export POLYGRAPH_BIN="${POLYGRAPH_BIN:-.build/release/polygraph}"
if [ ! -f models/SmolLM2-135M-Instruct.Q4_1.gguf ]; then
  if [ -n "${CI:-}" ]; then echo "FAIL: SmolLM2 missing (run scripts/setup.sh)"; exit 1; fi
  echo "skip: SmolLM2 missing"; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
[ -n "${KEEP_TMP:-}" ] && trap - EXIT && echo "files in $tmp"
failed=0
fail() { failed=$((failed + 1)); echo "FAIL  $*"; }
cat > "$tmp/nq_open.jsonl" <<'JSONL'
{"question": "what is the capital city of japan", "answer": ["Tokyo"]}
{"question": "how many legs does a spider have", "answer": ["8", "eight"]}
{"question": "who wrote the novel pride and prejudice", "answer": ["Jane Austen"]}
{"question": "what is the chemical symbol for gold", "answer": ["Au"]}
{"question": "who was the 23rd president of the united states", "answer": ["Benjamin Harrison"]}
{"question": "what is the smallest prime number greater than 90", "answer": ["97", "ninety-seven"]}
{"question": "in which country is the city of mombasa", "answer": ["Kenya"]}
{"question": "who composed the opera the magic flute", "answer": ["Mozart", "Wolfgang Amadeus Mozart"]}
JSONL
cat > "$tmp/halueval_qa.json" <<'JSON'
{"knowledge": "Tokyo is the capital of Japan.", "question": "What is the capital of Japan?", "right_answer": "Tokyo", "hallucinated_answer": "Kyoto"}
{"knowledge": "Jane Austen wrote it.", "question": "Who wrote Pride and Prejudice?", "right_answer": "Jane Austen", "hallucinated_answer": "Charlotte Brontë"}
{"knowledge": "A spider has eight legs.", "question": "How many legs does a spider have?", "right_answer": "Eight", "hallucinated_answer": "Six"}
JSON
printf '%s\n' 'Type,Category,Question,Best Answer,Correct Answers,Incorrect Answers,Source' \
  'Adversarial,Misconceptions,What happens if you swallow chewing gum?,It passes through you,It passes through you; Nothing much,It stays in you for seven years,https://example.org' \
  > "$tmp/TruthfulQA.csv"

rows() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['metrics']['n'])" "$1" 2>/dev/null; }
out=$(scripts/eval-benchmark.sh smollm2 "$tmp/nq_open.jsonl" "$tmp/nq" 2>&1); rc=$?
if [ $rc -ne 0 ]; then fail "NQ-open shape: exit $rc: $(tail -3 <<<"$out")"
elif [ "$(rows "$tmp/nq/answers/eval.json")" != 8 ] || [ ! -f "$tmp/nq/question/eval.json" ]; then
  fail "NQ-open shape: answers.json / question.json reports missing or not 8 rows"
elif ! grep -q "best probe .* vs best confidence baseline" <<<"$out"; then fail "NQ-open shape: no baseline comparison"
else echo "ok: NQ-open records captured and measured with answers.json and question.json (8 rows)"; fi

out=$(scripts/eval-benchmark.sh smollm2 "$tmp/halueval_qa.json" "$tmp/halu" 2>&1); rc=$?
if [ $rc -ne 0 ]; then fail "HaluEval shape: exit $rc: $(tail -3 <<<"$out")"
elif [ "$(rows "$tmp/halu/given/eval.json")" != 6 ] || [ -e "$tmp/halu/answers" ]; then
  fail "HaluEval shape: given.json should score 6 given answers (and answers.json none)"
else echo "ok: HaluEval records scored as 6 given answers by given.json"; fi

out=$(scripts/eval-benchmark.sh smollm2 "$tmp/TruthfulQA.csv" "$tmp/tq" 2>&1); rc=$?
if [ $rc -ne 0 ]; then fail "TruthfulQA CSV: exit $rc: $(tail -3 <<<"$out")"
elif [ "$(rows "$tmp/tq/given/eval.json")" != 3 ]; then fail "TruthfulQA CSV: given.json should score 3 answers"
else echo "ok: TruthfulQA's CSV scored as 3 given answers"; fi

# PopQA's columns as its TSV gives them (lists as JSON text); its relation (prop) groups the within-group AUROC.
cat > "$tmp/popqa.jsonl" <<'JSONL'
{"id": 1, "subj": "Lyon", "prop": "country", "question": "In what country is Lyon?", "possible_answers": "[\"France\"]"}
{"id": 2, "subj": "Mombasa", "prop": "country", "question": "In what country is Mombasa?", "possible_answers": "[\"Kenya\"]"}
{"id": 3, "subj": "Osaka", "prop": "country", "question": "In what country is Osaka?", "possible_answers": "[\"Japan\"]"}
{"id": 4, "subj": "Tromsø", "prop": "country", "question": "In what country is Tromsø?", "possible_answers": "[\"Norway\"]"}
{"id": 5, "subj": "Hamlet", "prop": "author", "question": "Who is the author of Hamlet?", "possible_answers": "[\"William Shakespeare\", \"Shakespeare\"]"}
{"id": 6, "subj": "Emma", "prop": "author", "question": "Who is the author of Emma?", "possible_answers": "[\"Jane Austen\"]"}
{"id": 7, "subj": "Dubliners", "prop": "author", "question": "Who is the author of Dubliners?", "possible_answers": "[\"James Joyce\"]"}
{"id": 8, "subj": "Kim", "prop": "author", "question": "Who is the author of Kim?", "possible_answers": "[\"Rudyard Kipling\", \"Kipling\"]"}
JSONL
out=$(scripts/eval-benchmark.sh smollm2 "$tmp/popqa.jsonl" "$tmp/pop" 2>&1); rc=$?
if [ $rc -ne 0 ]; then fail "PopQA shape: exit $rc: $(tail -3 <<<"$out")"
elif [ "$(rows "$tmp/pop/answers/eval.json")" != 8 ]; then fail "PopQA shape: answers.json should measure 8 rows"
elif ! python3 -c "import json,sys; sys.exit(json.load(open(sys.argv[1]))['auroc_within_groups']['column'] != 'prop')" \
  "$tmp/pop/answers/eval.json"; then fail "PopQA shape: eval was not grouped by prop"
else echo "ok: PopQA records (possible_answers as JSON text) measured, grouped by their relation"; fi

echo '{"question": "x", "answer": ["a", 3]}' > "$tmp/bad.jsonl"
out=$(scripts/eval-benchmark.sh smollm2 "$tmp/bad.jsonl" "$tmp/bad" 2>&1); rc=$?
if [ $rc -eq 0 ] || ! grep -q 'bad.jsonl:1: "answer" must be an accepted answer' <<<"$out"; then
  fail "malformed record: exit $rc, $(tail -2 <<<"$out")"
else echo "ok: a malformed record stops the run with its line and what is wrong"; fi
exit $failed
