#!/usr/bin/env bash
# Submits the Polygraph batch pipeline to Slurm with the usual dependency chaining:
#   capture (job array, one task per shard) -> merge -> sweep -> train -> probe artifact
# Every path must be on a filesystem all nodes share (the work folder, the model, the datasets, the binary).
# Prints the four job ids ("capture=... merge=... sweep=... train=...") on stdout; progress goes to the logs
# under WORK/logs. A failed task cancels the rest of the chain (afterok, --kill-on-invalid-dep); fix the cause and
# resubmit the same command: the capture tasks resume their shard files, finished shards return at once.
set -euo pipefail
usage() {
  cat <<'USAGE'
usage: deploy/slurm/submit.sh --model M.gguf --dataset D.csv [--dataset D2 ...] --shards N --work DIR [options]
  --polygraph BIN        polygraph binary visible on every node (default: polygraph on PATH)
  --partition P          partition for all jobs (default: the cluster's default)
  --capture-time T       time limit per capture shard (sbatch --time, default 04:00:00)
  --merge-time T         time limit of the merge job (default 00:30:00)
  --train-time T         time limit of the sweep and of the train job (default 01:00:00)
  --cpus N               CPUs per capture task (default 2)
  --mem M                memory per job (sbatch --mem, default 8G)
  --capture-args "..."   extra capture flags, e.g. "--hooks resid_post --layers 8-16 --limit 5000"
  --probe KIND           probe kind for sweep and train (default logistic)
  --layer L|best         layer of the trained probe (default best)
  --train-args "..."     extra train flags (e.g. "--calibrate --seed 1")
  --sweep-args "..."     extra sweep flags (e.g. "--layers 8-16")
  --copy                 merge into one self-contained file instead of virtual datasets over the shards
  --sbatch-args "..."    extra sbatch flags for every job (e.g. "--account lab --qos normal")
USAGE
}
BIN="$(command -v polygraph || true)"; MODEL=""; DATASETS=(); SHARDS=""; WORK=""; PARTITION=""
CAPTURE_TIME=04:00:00; MERGE_TIME=00:30:00; TRAIN_TIME=01:00:00; CPUS=2; MEM=8G
CAPTURE_ARGS=""; PROBE=logistic; LAYER=best; TRAIN_ARGS=""; SWEEP_ARGS=""; COPY=0; SBATCH_ARGS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --polygraph) BIN="$2"; shift 2 ;;
    --model) MODEL="$2"; shift 2 ;;
    --dataset) DATASETS+=("$2"); shift 2 ;;
    --shards) SHARDS="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --partition) PARTITION="$2"; shift 2 ;;
    --capture-time) CAPTURE_TIME="$2"; shift 2 ;;
    --merge-time) MERGE_TIME="$2"; shift 2 ;;
    --train-time) TRAIN_TIME="$2"; shift 2 ;;
    --cpus) CPUS="$2"; shift 2 ;;
    --mem) MEM="$2"; shift 2 ;;
    --capture-args) CAPTURE_ARGS="$2"; shift 2 ;;
    --probe) PROBE="$2"; shift 2 ;;
    --layer) LAYER="$2"; shift 2 ;;
    --train-args) TRAIN_ARGS="$2"; shift 2 ;;
    --sweep-args) SWEEP_ARGS="$2"; shift 2 ;;
    --copy) COPY=1; shift ;;
    --sbatch-args) SBATCH_ARGS="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "submit.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
fail() { echo "submit.sh: $*" >&2; exit 2; }
[ -n "$MODEL" ] && [ -f "$MODEL" ] || fail "--model must name an existing GGUF file (got '${MODEL}')"
[ "${#DATASETS[@]}" -gt 0 ] || fail "give at least one --dataset"
for d in "${DATASETS[@]}"; do [ -f "$d" ] || fail "dataset '$d' does not exist"; done
[[ "$SHARDS" =~ ^[1-9][0-9]*$ ]] || fail "--shards must be a positive integer (got '${SHARDS}')"
[ -n "$WORK" ] || fail "--work DIR is required (a folder on the shared filesystem)"
[ -n "$BIN" ] && [ -x "$BIN" ] || fail "polygraph binary not found: pass --polygraph /shared/path/polygraph"
command -v sbatch > /dev/null || fail "sbatch not found (run this on a Slurm login node)"
abs() { (cd "$(dirname "$1")" && echo "$(pwd -P)/$(basename "$1")"); }
mkdir -p "$WORK/logs"
WORK="$(cd "$WORK" && pwd -P)"; BIN="$(abs "$BIN")"; MODEL="$(abs "$MODEL")"
ABS_DATASETS=(); for d in "${DATASETS[@]}"; do ABS_DATASETS+=("$(abs "$d")"); done
HERE="$(cd "$(dirname "$0")" && pwd -P)"

export PG_BIN="$BIN" PG_MODEL="$MODEL" PG_DATASETS="${ABS_DATASETS[*]}" PG_SHARDS="$SHARDS" PG_WORK="$WORK"
export PG_CAPTURE_ARGS="$CAPTURE_ARGS" PG_PROBE="$PROBE" PG_LAYER="$LAYER" PG_TRAIN_ARGS="$TRAIN_ARGS"
export PG_SWEEP_ARGS="$SWEEP_ARGS" PG_MERGE_COPY="$COPY"
read -r -a extra <<< "$SBATCH_ARGS"
common=(--parsable --export=ALL --mem "$MEM" "${extra[@]}")
[ -n "$PARTITION" ] && common+=(--partition "$PARTITION")

capture=$(sbatch "${common[@]}" --array "0-$((SHARDS - 1))" --cpus-per-task "$CPUS" --time "$CAPTURE_TIME" \
  --output "$WORK/logs/capture-%a.log" "$HERE/capture.sbatch")
capture="${capture%%;*}"   # --parsable prints "jobid[;cluster]"
merge=$(sbatch "${common[@]}" --dependency "afterok:$capture" --kill-on-invalid-dep=yes --time "$MERGE_TIME" \
  --output "$WORK/logs/merge.log" "$HERE/merge.sbatch")
merge="${merge%%;*}"
sweep=$(sbatch "${common[@]}" --dependency "afterok:$merge" --kill-on-invalid-dep=yes --time "$TRAIN_TIME" \
  --output "$WORK/logs/sweep.log" "$HERE/sweep.sbatch")
sweep="${sweep%%;*}"
train=$(sbatch "${common[@]}" --dependency "afterok:$sweep" --kill-on-invalid-dep=yes --time "$TRAIN_TIME" \
  --output "$WORK/logs/train.log" "$HERE/train.sbatch")
train="${train%%;*}"
echo "capture=$capture merge=$merge sweep=$sweep train=$train"
