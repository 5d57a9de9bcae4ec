#!/usr/bin/env bash
# Resume after a real kill -9: capture N statements with the real model uninterrupted; capture them again,
# SIGKILL the process once some batches are committed, resume with --resume, and check with h5py that the
# file holds every example exactly once and equals the uninterrupted one (texts, labels, activations bit-exact).
# Needs the default model (skips without it, fails in CI), python3 with numpy + h5py, POLYGRAPH_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-$(swift build --show-bin-path)/polygraph}"
MODEL="models/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -f "$MODEL" ]; then
  if [ -n "${CI:-}" ]; then echo "FAIL: $MODEL missing in CI" >&2; exit 1; fi
  echo "skipped: $MODEL not found (scripts/fetch-model.sh fetches it)"; exit 0
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 - "$WORK/statements.csv" <<'PY'
import csv, sys
names = ["Paris", "Lima", "Oslo", "Cairo", "Quito", "Hanoi", "Dakar", "Tokyo", "Rome", "Bern"]
countries = ["France", "Peru", "Norway", "Egypt", "Ecuador", "Vietnam", "Senegal", "Japan", "Italy", "Switzerland"]
with open(sys.argv[1], "w", newline="") as handle:
    w = csv.writer(handle)
    w.writerow(["statement", "label", "country"])
    for i in range(600):
        a, b = i % 10, (i * 7 + i // 10) % 10
        w.writerow([f"The city of {names[a]} is in {countries[b]}{'.' * (1 + i % 3)}", int(a == b), countries[b]])
PY
ARGS=(capture --model "$MODEL" --dataset "$WORK/statements.csv" --hooks resid_post --layers 5,20 --batch-size 8 --quiet)
"$BIN" "${ARGS[@]}" --out "$WORK/full.h5" --json > "$WORK/full.json"
"$BIN" "${ARGS[@]}" --out "$WORK/cut.h5" > /dev/null &
pid=$!
committed_rows() {
  HDF5_USE_FILE_LOCKING=FALSE python3 -c "
import h5py, sys
try:
    print(int(h5py.File(sys.argv[1], 'r').attrs['committed_rows']))
except Exception:
    print(0)" "$1" 2>/dev/null || echo 0
}
killed=0
for _ in $(seq 1 2000); do
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  if [ -f "$WORK/cut.h5" ] && [ "$(committed_rows "$WORK/cut.h5")" -ge 128 ]; then kill -9 "$pid"; killed=1; break; fi
  sleep 0.05
done
wait "$pid" 2>/dev/null || true
if [ "$killed" -ne 1 ]; then echo "FAIL: the capture finished before it could be killed (make the dataset larger)"; exit 1; fi
before="$(committed_rows "$WORK/cut.h5")"
echo "killed with $before committed rows"
"$BIN" "${ARGS[@]}" --out "$WORK/cut.h5" --resume --json > "$WORK/resume.json"
python3 - "$WORK" "$before" <<'PY'
import json, sys
import h5py, numpy as np
work, before = sys.argv[1], int(sys.argv[2])
passed = failed = 0
def check(name, ok, detail=""):
    global passed, failed
    passed, failed = passed + bool(ok), failed + (not ok)
    print(("ok    " if ok else "FAIL  ") + name + ("" if ok else f" {detail}"))
resume = json.load(open(f"{work}/resume.json"))
check("the kill left a partial file", 0 < before < 600, before)
check("resume reports where it continued", resume["resumedFrom"] == before and resume["examples"] == 600 - before, resume)
with h5py.File(f"{work}/full.h5") as a, h5py.File(f"{work}/cut.h5") as b:
    check("all rows committed", int(b.attrs["committed_rows"]) == 600 == int(a.attrs["committed_rows"]))
    texts = list(b["examples/text"].asstr()[:])
    check("every example exactly once", len(texts) == 600 and len(set(texts)) == len(set(a["examples/text"].asstr()[:])))
    check("texts identical", texts == list(a["examples/text"].asstr()[:]))
    check("labels identical", np.array_equal(a["examples/label"][:], b["examples/label"][:]))
    check("meta identical", list(a["examples/meta/country"].asstr()[:]) == list(b["examples/meta/country"].asstr()[:]))
    for hook in a.attrs["hooks"]:
        x, y = a["activations"][hook][:], b["activations"][hook][:]
        check(f"{hook} identical ({x.shape})", x.shape == y.shape == (600, 576) and np.array_equal(x, y),
              f"max diff {np.abs(x - y).max() if x.shape == y.shape else 'shape'}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
