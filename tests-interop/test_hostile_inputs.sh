#!/usr/bin/env bash
# Hostile inputs (hardening issue): several hundred generated damaged inputs (GGUF headers, metadata and bit
# flips; CSV/JSONL datasets; HDF5 activation files; probe JSON; .npy arrays; numbers on the command line; HTTP
# requests to a real `polygraph serve`) must each end in a clean error: no crash or trap, no hang, an "Error:"
# message without raw HDF5 or Swift diagnostics, and for HTTP a JSON error with /health answering afterwards.
# The cases live in tests-interop/hostile/ (fixed seed); run.py prints each failure and a table per category.
# Env: POLYGRAPH_BIN (release binary; default: the release build), HOSTILE_WORKERS (parallel cases; default 2-4).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-.build/release/polygraph}"
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
if [ ! -f "$MODEL" ]; then
  if [ -n "${CI:-}" ]; then echo "FAIL: $MODEL missing (run scripts/setup.sh)"; exit 1; fi
  echo "skip: $MODEL missing"; exit 0
fi
if ! python3 -c "import h5py, numpy" 2>/dev/null; then
  if [ -n "${CI:-}" ]; then echo "FAIL: pip install h5py numpy"; exit 1; fi
  echo "skip: h5py/numpy missing (pip install h5py numpy)"; exit 0
fi
[ -x "$BIN" ] || { echo "FAIL: $BIN is not built"; exit 1; }
exec python3 tests-interop/hostile/run.py --bin "$BIN" --model "$MODEL"
