#!/usr/bin/env bash
# `capture --shard` + `polygraph merge` seen from stock h5py: 3 shards of a real-model capture (--batch-size 1) are
# merged as virtual datasets and as a copy; h5py (its own bundled libhdf5) reads both, after the merged folder has
# been moved and from another working directory, and finds them bit-identical to a single-process capture.
# Also checks that the CLI refuses a missing, duplicated and unfinished shard, naming the file (exit status 1).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-$(swift build --show-bin-path)/polygraph}"
BIN="$(cd "$(dirname "$BIN")" && pwd -P)/$(basename "$BIN")"
MODEL="$(pwd -P)/models/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -x "$BIN" ]; then echo "FAIL: polygraph binary not found at $BIN" >&2; exit 2; fi
if [ ! -f "$MODEL" ]; then
  if [ -n "${CI:-}" ]; then echo "FAIL: $MODEL missing in CI" >&2; exit 1; fi
  echo "skipped: $MODEL not found"; exit 0
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ARGS=(capture --model "$MODEL" --dataset "$(pwd -P)/datasets/capitals.csv" --limit 50 --layers 3,9 --position mean
      --batch-size 1 --quiet)
mkdir -p "$WORK/run/shards"
"$BIN" "${ARGS[@]}" --out "$WORK/whole.h5" > /dev/null
for k in 0 1 2; do "$BIN" "${ARGS[@]}" --shard "$k/3" --out "$WORK/run/shards/s$k.h5" > /dev/null; done
"$BIN" merge "$WORK"/run/shards/s{2,0,1}.h5 --out "$WORK/run/virtual.h5"
"$BIN" merge "$WORK"/run/shards/s{0,1,2}.h5 --out "$WORK/copy.h5" --copy
"$BIN" inspect "$WORK/run/virtual.h5" | grep -E "^(merged|  [0-9]/3)"
refusals=0
expect_refusal() {  # expect_refusal PHRASE FILE SHARDS...: merge must fail, naming FILE with PHRASE
  local phrase="$1" file="$2"; shift 2
  if out="$("$BIN" merge "$@" --out "$WORK/refused.h5" 2>&1)"; then echo "FAIL  merge accepted: $*"; return 1; fi
  if [[ "$out" == *"$file"* && "$out" == *"$phrase"* && ! -e "$WORK/refused.h5" ]]; then
    echo "ok    refused ($phrase): ${out#Error: }" | cut -c1-160; refusals=$((refusals + 1))
  else echo "FAIL  refusal message lacks '$phrase' or '$file': $out"; return 1; fi
}
expect_refusal "missing" "s0.h5" "$WORK"/run/shards/s{0,2}.h5
expect_refusal "given twice" "s1.h5" "$WORK"/run/shards/s{0,1,2,1}.h5
cp "$WORK/run/shards/s1.h5" "$WORK/unfinished.h5"
python3 -c "import h5py,sys; f=h5py.File(sys.argv[1],'r+'); f.attrs['shard_finished']=0" "$WORK/unfinished.h5"
expect_refusal "unfinished" "unfinished.h5" "$WORK/run/shards/s0.h5" "$WORK/unfinished.h5" "$WORK/run/shards/s2.h5"
mv "$WORK/run" "$WORK/moved"
cd /
python3 - "$WORK" <<'PY'
import sys
import h5py, numpy as np
work = sys.argv[1]
passed = failed = 0
def check(name, ok, detail=""):
    global passed, failed
    passed, failed = passed + bool(ok), failed + (not ok)
    print(("ok    " if ok else "FAIL  ") + name + ("" if ok else f" {detail}"))
with h5py.File(f"{work}/whole.h5") as w:
    for path in [f"{work}/moved/virtual.h5", f"{work}/copy.h5"]:
        with h5py.File(path) as m:
            name = path.split("/")[-1]
            check(f"{name}: 50 committed rows, merged_from lists 3 shards",
                  int(m.attrs["committed_rows"]) == 50 and len(m.attrs["merged_from"]) == 3)
            for hook in w.attrs["hooks"]:
                x, y = w["activations"][hook][:], m["activations"][hook][:]
                check(f"{name}: {hook} bit-identical{' (virtual)' if m['activations'][hook].is_virtual else ''}",
                      x.shape == y.shape and x.tobytes() == y.tobytes())
            check(f"{name}: texts and labels identical",
                  list(m["examples/text"].asstr()[:]) == list(w["examples/text"].asstr()[:])
                  and np.array_equal(m["examples/label"][:], w["examples/label"][:]))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
[ "$refusals" -eq 3 ]
