#!/usr/bin/env bash
# Experiment (probes/README.md, "People questions in training", 2026-12-06): each people topic held out whole. The
# answer probe is trained as make-probes.sh trains it, on factqa_train, factqa_train2 and the three other people
# topics, then tested on the held-out topic's unseen people (benchmarks/experiments/unseen_people.sh's capture), next
# to the probe trained without any people topic (REVISION) and the one trained with all four (the shipped one).
#   benchmarks/experiments/people_topic_held_out.sh PROBE_DIR [REVISION]
#   e.g. benchmarks/experiments/people_topic_held_out.sh probes/smollm2-135m-instruct
# Needs runs/make-probes/<model>/ (make-probes.sh) and runs/unseen-people/<model>/people.h5 (unseen_people.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${POLYGRAPH_BIN:-.build/release/polygraph}"
DIR=$1 REV=${2:-75008b7}
NAME=$(basename "$DIR") M=runs/make-probes/$(basename "$DIR") W=runs/people-held-out/$(basename "$DIR")
mkdir -p "$W"
git show "$REV:$DIR/answers.json" > "$W/answers-$REV.json"
for t in people_birth_years people_death_years people_nationalities people_occupations; do
  python3 benchmarks/experiments/h5_filter_topic.py "$M/factqa_train3.h5" "$W/train3-except-$t.h5" except "$t" >/dev/null
  python3 benchmarks/experiments/h5_filter_topic.py "runs/unseen-people/$NAME/people.h5" "$W/people-$t.h5" only "$t" >/dev/null
  "$BIN" train --acts "$M/factqa_train.h5" "$M/factqa_train2.h5" "$W/train3-except-$t.h5" --probe logistic,hybrid \
    --answer-position best --layer best --choose-C --group-by topic --cv-metric within-group --split 1 \
    --calibration out-of-fold --out "$W/answers-except-$t.json" --quiet >/dev/null
  for p in "$W/answers-$REV.json" "$W/answers-except-$t.json" "$DIR/answers.json"; do
    echo "$t $(basename "$p"): $("$BIN" eval --probe "$p" --acts "$W/people-$t.h5" | grep -E '^best probe' \
      | sed 's/.*AUROC \([0-9.]*\) vs \([0-9.]*\).*/probe \1, best confidence \2/')"
  done
done
