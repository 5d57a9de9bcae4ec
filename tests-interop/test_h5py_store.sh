#!/usr/bin/env bash
# Interop: activation files written by `polygraph import` are read by stock h5py (pip), and a file written by
# h5py in the same schema is read by polygraph. Needs python3 with numpy and h5py; POLYGRAPH_BIN = the binary
# (defaults to this checkout's debug build). Prints "N passed, 0 failed"; exits non-zero on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-$(swift build --show-bin-path)/polygraph}"
if [ ! -x "$BIN" ]; then echo "polygraph binary not found at $BIN (build it or set POLYGRAPH_BIN)" >&2; exit 2; fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 tests-interop/h5py_store_check.py "$BIN" "$WORK"
