#!/usr/bin/env bash
# Installs what Polygraph needs on a fresh Debian/Ubuntu machine (as root, or with sudo) and fetches the default model.
#   C libraries: libhdf5-dev (activation store), libopenblas-dev (matrix kernels)
# With --with-python (what scripts/test.sh uses), also what the tests need:
#   Python (tests and interop checks only, never the product's runtime path): h5py, numpy, openai
#   the second, third and fourth test models, Qwen2.5-Coder-0.5B (491 MB, ~15 s), Gemma 3 270M (253 MB) and
#   Qwen2.5-Coder-1.5B-Instruct (1.1 GB in 22 wheels; ~4 min of tests on 2 cores): their parity tests run under CI
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
need=()
for pkg in libhdf5-dev libopenblas-dev pkg-config zlib1g-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} ..." >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
scripts/fetch-model.sh
if [ "${1:-}" = "--with-python" ]; then
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check h5py numpy openai
  scripts/fetch-model.sh qwen2.5-coder-0.5b
  scripts/fetch-model.sh gemma3-270m
  scripts/fetch-model.sh qwen2.5-coder-1.5b
fi
