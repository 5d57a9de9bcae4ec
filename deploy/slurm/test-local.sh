#!/usr/bin/env bash
# End-to-end check of deploy/slurm on a real (one-node) Slurm: installs Debian's slurmctld, slurmd, slurm-client and
# munge if missing, starts munged + slurmctld + slurmd in the foreground of this script (no systemd; private
# config, ports, sockets and spool folders under a temp dir, so nothing in /etc is touched), submits the pipeline
# with 4 shards through submit.sh (sbatch job array + dependency chain), waits, then checks with h5py that the
# merged store equals a single-process capture of the same rows bit for bit, and that the trained probe equals the
# one trained on the single-process capture. Stops every daemon it started, by pid. Needs root, python3 with
# numpy + h5py, the default model, POLYGRAPH_BIN (default: this checkout's debug build).
# The captures use --batch-size 1: see README "Scale-out" (batched prefill is not bit-identical across batch mixes).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$(pwd -P)"
BIN="${POLYGRAPH_BIN:-$(swift build --show-bin-path)/polygraph}"
MODEL="${PG_TEST_MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf}"
SHARDS=4
if [ ! -x "$BIN" ]; then echo "FAIL: polygraph binary not found at $BIN (build it or set POLYGRAPH_BIN)" >&2; exit 2; fi
if [ ! -f "$MODEL" ]; then
  if [ -n "${CI:-}" ]; then echo "FAIL: $MODEL missing in CI" >&2; exit 1; fi
  echo "skipped: $MODEL not found (scripts/fetch-model.sh fetches it)"; exit 0
fi
if [ "$(id -u)" != 0 ]; then echo "FAIL: needs root (starts slurmd/slurmctld as root)" >&2; exit 2; fi
if ! command -v slurmctld > /dev/null || ! command -v slurmd > /dev/null || ! command -v sbatch > /dev/null \
   || ! command -v munged > /dev/null; then
  echo "installing slurmctld slurmd slurm-client munge" >&2
  # Keep the packages' maintainer scripts from starting system daemons (this script starts its own, privately).
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  apt-get update -qq > /dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge > /dev/null
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

WORK="$(mktemp -d /tmp/pg-slurm-XXXXXX)"
chmod 755 "$WORK"   # munged runs as the munge user and must reach its folder
PIDS=()
cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    echo "--- logs (failure) ---" >&2
    tail -n 20 "$WORK"/log/*.log "$WORK"/run/logs/*.log >&2 2> /dev/null || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

# munge on a private socket and key.
mkdir -p "$WORK/munge" "$WORK/munge-socket" "$WORK/log" "$WORK/state" "$WORK/spool" "$WORK/run"
head -c 1024 /dev/urandom > "$WORK/munge/munge.key"
chown -R munge:munge "$WORK/munge" "$WORK/munge-socket"; chmod 700 "$WORK/munge"; chmod 400 "$WORK/munge/munge.key"
chmod 755 "$WORK/munge-socket"   # clients (slurm) need to reach the socket
SOCKET="$WORK/munge-socket/munge.socket"
runuser -u munge -- /usr/sbin/munged -F --key-file="$WORK/munge/munge.key" --socket="$SOCKET" \
  --pid-file="$WORK/munge/munged.pid" --log-file="$WORK/munge/munged.log" --seed-file="$WORK/munge/munged.seed" \
  > "$WORK/log/munged.out" 2>&1 &
PIDS+=($!)

HOST="$(hostname -s)"
BASE=$((20000 + ($$ % 2000) * 2))   # ports of our own, so another local cluster does not collide
MEM_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 2048 ))
export SLURM_CONF="$WORK/slurm.conf"
cat > "$SLURM_CONF" <<CONF
ClusterName=pgtest
SlurmctldHost=$HOST
SlurmctldPort=$BASE
SlurmdPort=$((BASE + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerParameters=defer_batch=0
MinJobAge=600
NodeName=$HOST CPUs=$(nproc) RealMemory=$MEM_MB State=UNKNOWN
PartitionName=pgtest Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
for _ in $(seq 1 50); do [ -S "$SOCKET" ] && break; sleep 0.1; done
[ -S "$SOCKET" ] || { echo "FAIL: munged did not start" >&2; exit 1; }
/usr/sbin/slurmctld -D -f "$SLURM_CONF" > "$WORK/log/slurmctld.out" 2>&1 &
PIDS+=($!)
/usr/sbin/slurmd -D -f "$SLURM_CONF" -N "$HOST" > "$WORK/log/slurmd.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do
  state="$(sinfo -h -n "$HOST" -o %t 2> /dev/null || true)"
  [ "$state" = "idle" ] && break
  sleep 0.2
done
[ "$state" = "idle" ] || { echo "FAIL: the node did not come up idle (state '$state')" >&2; exit 1; }
echo "slurm up: node $HOST idle (ports $BASE/$((BASE + 1)))"

python3 - "$WORK/statements.csv" <<'PY'
import csv, sys
names = ["Paris", "Lima", "Oslo", "Cairo", "Quito", "Hanoi", "Dakar", "Tokyo", "Rome", "Bern"]
countries = ["France", "Peru", "Norway", "Egypt", "Ecuador", "Vietnam", "Senegal", "Japan", "Italy", "Switzerland"]
with open(sys.argv[1], "w", newline="") as handle:
    w = csv.writer(handle)
    w.writerow(["statement", "label", "country"])
    for i in range(90):
        a = i % 10
        b = a if i % 2 == 0 else (a + 1 + i // 10) % 10
        w.writerow([f"The city of {names[a]} is in {countries[b]}.", int(a == b), countries[b]])
PY
CAPTURE_ARGS="--hooks resid_post --layers 4,8,12 --limit 81 --batch-size 1"
started=$(date +%s.%N)
ids="$(deploy/slurm/submit.sh --polygraph "$BIN" --model "$MODEL" --dataset "$WORK/statements.csv" --shards "$SHARDS" \
  --work "$WORK/run" --partition pgtest --cpus 1 --mem 1G --capture-time 00:10:00 --merge-time 00:05:00 \
  --train-time 00:05:00 --capture-args "$CAPTURE_ARGS" --layer best)"
echo "submitted: $ids"
train_id="${ids##*train=}"
for _ in $(seq 1 900); do
  state="$(scontrol show job "$train_id" 2> /dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 || true)"
  case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL) break ;; esac
  sleep 0.2
done
elapsed=$(python3 -c "import time,sys; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$started")
echo "pipeline: train job $train_id $state after ${elapsed} s"
[ "$state" = "COMPLETED" ] || { echo "FAIL: the pipeline did not complete (train job state '$state')" >&2; exit 1; }

# The reference: one process over the same rows, and a probe trained on it with the same command.
read -r -a capture_args <<< "$CAPTURE_ARGS"
"$BIN" capture --model "$MODEL" --dataset "$WORK/statements.csv" --out "$WORK/whole.h5" --quiet "${capture_args[@]}" > /dev/null
"$BIN" train --acts "$WORK/whole.h5" --probe logistic --layer best --out "$WORK/whole-probe.json" --quiet > /dev/null
"$BIN" inspect "$WORK/run/acts.h5" | grep -E "^(examples|merged|  [0-9])" || true
python3 - "$WORK" "$SHARDS" <<'PY'
import json, sys
import h5py, numpy as np
work, shards = sys.argv[1], int(sys.argv[2])
passed = failed = 0
def check(name, ok, detail=""):
    global passed, failed
    passed, failed = passed + bool(ok), failed + (not ok)
    print(("ok    " if ok else "FAIL  ") + name + ("" if ok else f" {detail}"))
def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj) if isinstance(obj, h5py.Dataset) else None)
    return out
with h5py.File(f"{work}/run/acts.h5") as m, h5py.File(f"{work}/whole.h5") as w:
    check("merged file lists the shards", list(m.attrs["merged_from"]) == [f"shards/shard-{k}.h5" for k in range(shards)],
          list(m.attrs["merged_from"]))
    check("merged rows = single-process rows", int(m.attrs["committed_rows"]) == int(w.attrs["committed_rows"]) == 81)
    for key in ["model_sha256", "hooks", "position", "prompt_template", "n_layers", "d_model", "format_version"]:
        check(f"attribute {key} equal", np.array_equal(np.asarray(m.attrs[key]), np.asarray(w.attrs[key])))
    dm, dw = datasets(m), datasets(w)
    check("same datasets", sorted(dm) == sorted(dw), (sorted(dm), sorted(dw)))
    for name in sorted(set(dm) & set(dw)):
        a, b = dm[name], dw[name]
        if a.dtype.kind == "O":
            same = list(a.asstr()[:]) == list(b.asstr()[:])
        else:
            x, y = a[:], b[:]
            same = x.shape == y.shape and x.dtype == y.dtype and x.tobytes() == y.tobytes()
        virtual = " (virtual)" if a.is_virtual else ""
        check(f"{name}{virtual} bit-identical {a.shape}", same)
    check("activations are virtual datasets over the shards", all(dm[n].is_virtual for n in dm if n.startswith("activations/")))
p, q = json.load(open(f"{work}/run/probe.json")), json.load(open(f"{work}/whole-probe.json"))
for probe in (p, q):
    probe.pop("created_at", None)
    probe["training"].pop("datasets", None)   # names and sha256 of the .h5 files, which differ by construction
check("trained probe equals the single-process one", p == q,
      [k for k in p if p.get(k) != q.get(k)])
sweep = json.load(open(f"{work}/run/sweep/sweep.json"))
check("sweep report written", len(json.dumps(sweep)) > 100)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
echo "stopping slurmd, slurmctld, munged (pids ${PIDS[*]})"
