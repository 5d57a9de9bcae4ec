#!/usr/bin/env bash
# CI fuzz phase: every fuzz target (fuzz/harness, see fuzz/README.md) for a short budget; fails on any crash, hang
# or runaway allocation. Budget per target: POLYGRAPH_FUZZ_SECONDS (default 15 s, so that the phase, cold fuzz build
# included (~6 min on 2 cores), stays under ~8 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$SECONDS
rc=0
scripts/fuzz.sh "${POLYGRAPH_FUZZ_SECONDS:-15}" || rc=$?
echo "fuzz phase took $((SECONDS - T0)) s (build included)"
exit $rc
