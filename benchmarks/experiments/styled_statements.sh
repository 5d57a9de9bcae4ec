#!/usr/bin/env bash
# Experiment (probes/README.md, "Style augmentation"): style-augmented general statement recipe on SmolLM2 (plain 600 rows per set; styled 2,400).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${POLYGRAPH_BIN:-.build/release/polygraph}; M=models/SmolLM2-135M-Instruct.Q4_1.gguf; W=${WORK:-runs/styled-statements}; mkdir -p $W
SETS=(arithmetic capitals cities comparisons continents currencies elements)
for s in "${SETS[@]}"; do
  [ -f $W/plain-$s.h5 ] || $B capture --model $M --dataset datasets/$s.csv --limit 600 --layers 10-22 --hooks resid_post \
    --position last --out $W/plain-$s.h5 --overwrite --quiet
  [ -f $W/styled-$s.h5 ] || $B capture --model $M --dataset datasets/styled/$s.csv --layers 10-22 --hooks resid_post \
    --position last --no-confidence --out $W/styled-$s.h5 --overwrite --quiet
  echo "captured $s"
done
P=(); S=(); for s in "${SETS[@]}"; do P+=($W/plain-$s.h5); S+=($W/styled-$s.h5); done
for cfg in "logistic 14 0.01" "logistic 14 1" "mass-mean 14 1" "ttpd 14 1" "logistic 18 0.01" "logistic 12 0.01"; do
  set -- $cfg
  echo "== $1 layer $2 C $3"
  $B generalize --acts "${P[@]}" --augment-acts "${S[@]}" --probe $1 --layer $2 --C $3 --leave-one-out --quiet \
    --report $W/report-$1-$2-$3 | tail -4
done
echo DONE
