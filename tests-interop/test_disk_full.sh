#!/usr/bin/env bash
# Hardening defect 2: a capture onto a disk that fills up stops at a commit boundary with a message that says the
# disk is full and where --resume continues; the file stays readable, and after space is freed --resume finishes
# it equal to an uninterrupted capture (h5py, bit-exact). Needs root (it mounts a small tmpfs; skips otherwise),
# the default model (skips without it, fails in CI), python3 with numpy + h5py, POLYGRAPH_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-$(swift build --show-bin-path)/polygraph}"
MODEL="models/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -f "$MODEL" ]; then
  if [ -n "${CI:-}" ]; then echo "FAIL: $MODEL missing in CI" >&2; exit 1; fi
  echo "skipped: $MODEL not found (scripts/fetch-model.sh fetches it)"; exit 0
fi
WORK="$(mktemp -d)"
DISK="$WORK/disk"
mkdir -p "$DISK"
if ! mount -t tmpfs -o size=6m tmpfs "$DISK" 2>/dev/null; then
  rm -rf "$WORK"; echo "skipped: cannot mount a tmpfs here (needs root)"; exit 0
fi
trap 'umount "$DISK" 2>/dev/null; rm -rf "$WORK"' EXIT
ARGS=(capture --model "$MODEL" --dataset datasets/capitals.csv --limit 600 --layers 10-14 --batch-size 32 --quiet)
"$BIN" "${ARGS[@]}" --out "$WORK/full.h5" > /dev/null
set +e
out=$("$BIN" "${ARGS[@]}" --out "$DISK/c.h5" 2>&1); rc=$?
set -e
echo "$out" | tail -1
[ "$rc" -eq 1 ] || { echo "FAIL: a capture onto a full disk exited $rc (want 1)"; exit 1; }
grep -q "the disk is full" <<<"$out" || { echo "FAIL: the error does not say the disk is full"; exit 1; }
row=$(grep -o "continue from row [0-9]*" <<<"$out" | grep -o "[0-9]*$")
[ -n "$row" ] && [ "$row" -gt 0 ] || { echo "FAIL: the error does not say where --resume continues"; exit 1; }
"$BIN" inspect "$DISK/c.h5" | grep -q "^examples: *$row " || { echo "FAIL: inspect does not show $row committed rows"; exit 1; }
mount -o remount,size=64m "$DISK"
"$BIN" "${ARGS[@]}" --out "$DISK/c.h5" --resume > /dev/null
python3 - "$WORK/full.h5" "$DISK/c.h5" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert int(a.attrs["committed_rows"]) == int(b.attrs["committed_rows"]) == 600, "row counts differ"
assert list(a["examples/text"][:]) == list(b["examples/text"][:]), "texts differ"
for k in a["activations"]:
    assert np.array_equal(a["activations"][k][:], b["activations"][k][:]), f"{k} differs"
print("ok: stopped at a commit on the full disk; --resume then equals the uninterrupted capture")
PY
