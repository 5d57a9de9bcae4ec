#!/usr/bin/env bash
# Measures the store's write speed through `polygraph import`: ROWS x HOOKS x D float32 (default 1000 x 30 x 576,
# 69 MB) with the default compression (shuffle + gzip-1) and with none, and the peak RSS of each run.
# Usage: benchmarks/measure_store_write.sh [ROWS] [HOOKS] [D] [SOURCE.h5]
# With SOURCE.h5 (a captured file whose hooks have >= ROWS rows), real hidden states are used instead of random ones.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-$(swift build -c release --show-bin-path)/polygraph}"
ROWS="${1:-1000}"; HOOKS="${2:-30}"; D="${3:-576}"; SOURCE="${4:-}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 - "$WORK" "$ROWS" "$HOOKS" "$D" "$SOURCE" <<'PY'
import sys, numpy as np
work, n, hooks, d, source = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
if source:
    import h5py
    with h5py.File(source, "r") as f:
        names = list(f.attrs["hooks"])[:hooks]
        arr = np.stack([f["activations"][h][:n] for h in names], axis=1).astype("<f4")
        d, hooks = arr.shape[2], arr.shape[1]
else:
    arr = np.random.default_rng(0).standard_normal((n, hooks, d)).astype("<f4")
np.save(f"{work}/states.npy", arr)
with open(f"{work}/texts.csv", "w") as handle:
    handle.write("statement,label\n" + "".join(f"statement number {i},{i % 2}\n" for i in range(n)))
PY
MB=$(python3 -c "print($ROWS*$HOOKS*$D*4/1e6)")
for c in gzip-1 none; do
  /usr/bin/time -f "%M %U %S" -o "$WORK/rss" "$BIN" import --array "$WORK/states.npy" --csv "$WORK/texts.csv" --out "$WORK/out-$c.h5" \
    --model-name bench --model-sha256 0 --compression "$c" --json > "$WORK/summary.json"
  python3 - "$WORK/summary.json" "$MB" "$c" $(cat "$WORK/rss") <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); mb = float(sys.argv[2]); rss, cpu = int(sys.argv[4]), float(sys.argv[5]) + float(sys.argv[6])
print(f"compression {sys.argv[3]:7s}: {s['examples']} rows x {len(s['hooks'])} hooks x {s['dModel']}: {mb:.1f} MB in {s['seconds']:.2f} s wall"
      f" = {mb / s['seconds']:.1f} MB/s ({cpu:.2f} s CPU = {mb / cpu:.1f} MB/s per core), file {s['fileBytes'] / 1e6:.1f} MB"
      f" (ratio {mb * 1e6 / s['fileBytes']:.2f}), peak RSS {rss / 1024:.0f} MiB")
PY
done
