#!/usr/bin/env bash
# Scale-out measurements (README "Scale-out"):
#  1. sharded capture: the same B statements captured by N = 1, 2, 4 concurrent `capture --shard K/N` processes
#     (wall time, rows/s, speed-up against N = 1 measured in the same run, peak RSS of the largest process);
#  2. merge: virtual vs --copy over 4 synthetic shard files of about SIZE_MB in total (written with h5py in the
#     exact shard layout, uncompressed), seconds and seconds per GB, peak RSS.
#  3. out-of-core training: in-memory vs streamed on one 1 GiB store, and a STREAMED_GB (env) GiB store streamed.
# Medians of ROUNDS runs. Usage: [STREAMED_GB=20] benchmarks/scaleout.sh [ROWS=384] [ROUNDS=3] [SIZE_MB=1024]
# Env: POLYGRAPH_BIN (default: this checkout's debug build; its numeric targets are compiled -O).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-384}"; ROUNDS="${2:-3}"; SIZE_MB="${3:-1024}"
BIN="${POLYGRAPH_BIN:-$(swift build --show-bin-path)/polygraph}"
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ARGS=(capture --model "$MODEL" --dataset datasets/capitals.csv --limit "$ROWS" --hooks resid_post --layers 8,16
      --quiet)
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $ROWS statements, resid_post 8,16"
echo
echo "| shards N (concurrent processes) | wall s (median of $ROUNDS) | rows/s | speed-up vs N=1 | peak RSS per process MB |"
echo "|---|---|---|---|---|"
base=""
for N in 1 2 4; do
  times=(); rss=0
  for round in $(seq 1 "$ROUNDS"); do
    rm -f "$WORK"/cap-*.h5 "$WORK"/rss-*
    start=$(date +%s.%N)
    pids=()
    for ((k = 0; k < N; k++)); do
      /usr/bin/time -f %M -o "$WORK/rss-$k" "$BIN" "${ARGS[@]}" --shard "$k/$N" --out "$WORK/cap-$k.h5" > /dev/null &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    times+=("$(python3 -c "import time,sys; print(time.time() - float(sys.argv[1]))" "$start")")
    for ((k = 0; k < N; k++)); do r=$(cat "$WORK/rss-$k"); [ "$r" -gt "$rss" ] && rss=$r; done
  done
  wall=$(printf '%s\n' "${times[@]}" | median)
  [ -z "$base" ] && base=$wall
  python3 -c "import sys; w,b,n,r,rows=map(float,sys.argv[1:]); print(f'| {int(n)} | {w:.2f} | {rows/w:.1f} | {b/w:.2f}x | {r/1024:.0f} |')" \
    "$wall" "$base" "$N" "$rss" "$ROWS"
done

# Merge: 4 synthetic shards with the attributes of a real 4-shard capture and SIZE_MB of float32 activations.
python3 - "$WORK" "$SIZE_MB" <<'PY'
import sys, h5py, numpy as np
work, size_mb = sys.argv[1], int(sys.argv[2])
d, hooks = 576, [f"blocks.{l}.hook_resid_post" for l in range(30)]
total = size_mb * 2**20 // (4 * d * len(hooks))
rng = np.random.default_rng(0)
with h5py.File(f"{work}/cap-0.h5") as real:
    attrs = {k: real.attrs[k] for k in real.attrs}
for k in range(4):
    first, last = k * total // 4, (k + 1) * total // 4
    n = last - first
    with h5py.File(f"{work}/big-{k}.h5", "w") as f:
        for key, value in attrs.items():
            f.attrs[key] = value
        f.attrs["hooks"] = hooks
        f.attrs.update(shard_index=k, shard_count=4, shard_first_row=first, shard_rows=n, shard_total_rows=total,
                       shard_finished=1, committed_rows=n)
        s = h5py.string_dtype()
        f.create_dataset("examples/text", data=[f"statement {i}" for i in range(first, last)], dtype=s, maxshape=(None,), chunks=(1024,))
        f.create_dataset("examples/source", data=["synthetic"] * n, dtype=s, maxshape=(None,), chunks=(1024,))
        f.create_dataset("examples/label", data=(np.arange(first, last) % 2).astype("i1"), maxshape=(None,), chunks=(1024,))
        f.create_dataset("examples/n_tokens", data=np.full(n, 9, "i4"), maxshape=(None,), chunks=(1024,))
        block = rng.standard_normal((n, d), dtype=np.float32)
        for h in hooks:
            f.create_dataset(f"activations/{h}", data=block, maxshape=(None, d), chunks=(64, d))
print(f"\nmerge of 4 shards, {total} rows x {len(hooks)} hooks x {d} float32 = {total * len(hooks) * d * 4 / 2**30:.2f} GiB (uncompressed):")
PY
gib=$(python3 -c "import sys; print(${SIZE_MB} / 1024)")
echo
echo "| merge mode | seconds (median of $ROUNDS) | seconds per GiB | output MB | peak RSS MB |"
echo "|---|---|---|---|---|"
for mode in virtual copy; do
  times=(); rss=0
  flag=(); [ "$mode" = copy ] && flag=(--copy)
  for round in $(seq 1 "$ROUNDS"); do
    sync
    start=$(date +%s.%N)
    /usr/bin/time -f %M -o "$WORK/rss-merge" "$BIN" merge "$WORK"/big-{0,1,2,3}.h5 --out "$WORK/merged-$mode.h5" --overwrite \
      "${flag[@]}" > /dev/null
    times+=("$(python3 -c "import time,sys; print(time.time() - float(sys.argv[1]))" "$start")")
    r=$(cat "$WORK/rss-merge"); [ "$r" -gt "$rss" ] && rss=$r
  done
  secs=$(printf '%s\n' "${times[@]}" | median)
  size=$(stat -c %s "$WORK/merged-$mode.h5")
  python3 -c "import sys; s,g,b,r=map(float,sys.argv[1:5]); print(f'| {sys.argv[5]} | {s:.2f} | {s/g:.2f} | {b/1e6:.1f} | {r/1024:.0f} |')" \
    "$secs" "$gib" "$size" "$rss" "$mode"
done

# 3. Out-of-core training (benchmarks/streamed_training.py): the same 1 GiB store trained in memory and streamed in
#    this run, then STREAMED_GB GiB (default 0: skipped; 20 writes a 21.7 GB file, deleted after) streamed under
#    --max-memory 1G. Peak RSS per command, rows/s, and the rows and MB that streamed passes read per second.
echo
python3 benchmarks/streamed_training.py --polygraph "$BIN" --rounds "$ROUNDS" --gb "${STREAMED_GB:-0}" --dir "$WORK/ooc"
