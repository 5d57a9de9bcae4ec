#!/usr/bin/env bash
# Hardening issue, defect 14: out-of-range numbers on the command line end in a clear error naming the option,
# never a trap (exit 132/133/134/139) and never a silently different run (--layers=-3 used to capture layer 3).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-.build/release/polygraph}"
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
if [ ! -f "$MODEL" ]; then
  if [ -n "${CI:-}" ]; then echo "FAIL: $MODEL missing (run scripts/setup.sh)"; exit 1; fi
  echo "skip: $MODEL missing"; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
# check OPTION_NAME_IN_MESSAGE -- ARGS...: exit 1-127 but not 0, stderr names the option, no output file made.
check() {
  local want=$1; shift; shift
  local out rc
  out=$(timeout 60 "$BIN" "$@" 2>&1); rc=$?
  if [ "$rc" -ge 1 ] && [ "$rc" -le 127 ] && [ "$rc" -ne 124 ] && grep -q -- "$want" <<<"$out" && [ ! -e "$tmp/out.h5" ]; then
    passed=$((passed + 1)); echo "ok    $* -> exit $rc"
  else
    failed=$((failed + 1)); echo "FAIL  $* -> exit $rc: $(head -3 <<<"$out")"
  fi
}
check --max-tensors -- inspect "$MODEL" --max-tensors=-1
check --limit -- capture --dataset datasets/capitals.csv --limit=-1 --out "$tmp/out.h5"
check --limit -- capture --dataset datasets/capitals.csv --limit=0 --out "$tmp/out.h5"
check "'-3'" -- capture --dataset datasets/capitals.csv --layers=-3 --out "$tmp/out.h5"
check --batch-size -- capture --dataset datasets/capitals.csv --batch-size=-5 --out "$tmp/out.h5"
check --max-answer-tokens -- capture --dataset datasets/questions.jsonl --max-answer-tokens=-1 --out "$tmp/out.h5"
check "shard index" -- capture --dataset datasets/capitals.csv --shard=3/2 --out "$tmp/out.h5"
check --threads -- capture --dataset datasets/capitals.csv --threads=-1 --out "$tmp/out.h5"
check max-tokens -- generate --prompt hi --max-tokens=-1
check top-k -- generate --prompt hi --top-k=-2
check --repeats -- bench --repeats=0
check --decode-tokens -- bench --decode-tokens=-1
check --folds -- train --acts "$tmp/none.h5" --probe logistic --layer best --folds=1 --out "$tmp/p.json"
check --epochs -- train --acts "$tmp/none.h5" --probe mlp --layer 3 --epochs=-1 --out "$tmp/p.json"
check --weight-decay -- train --acts "$tmp/none.h5" --probe mlp --layer 3 --weight-decay=-1 --out "$tmp/p.json"
check --weight-decay -- train --acts "$tmp/none.h5" --probe mlp --layer 3 --weight-decay=inf --out "$tmp/p.json"
check --C -- train --acts "$tmp/none.h5" --probe logistic --layer 3 --C=inf --out "$tmp/p.json"
check "layer 1099511627776" -- capture --dataset datasets/capitals.csv --layers=0-1099511627776 --out "$tmp/out.h5"
check --max-tokens -- ask --probe probes/none.json --question hi --max-tokens=-1
check --max-tokens-limit -- serve --probe probes/none.json --max-tokens-limit=-1
check --max-body-bytes -- serve --probe probes/none.json --max-body-bytes=0
check --port -- serve --probe probes/none.json --port=70000
check --header-timeout -- serve --probe probes/none.json --header-timeout=0
check --body-timeout -- serve --probe probes/none.json --body-timeout=-1
check --idle-timeout -- serve --probe probes/none.json --idle-timeout=nan
check --idle-timeout -- serve --probe probes/none.json --idle-timeout=inf
check --max-connections -- serve --probe probes/none.json --max-connections=0
check --n-layers -- import --array "$tmp/a.npy" --csv "$tmp/a.csv" --out "$tmp/out.h5" --model-name m --model-sha256 s --n-layers=-1
check --layer -- generalize --acts "$tmp/a.h5" "$tmp/b.h5" --probe logistic --layer=-2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
