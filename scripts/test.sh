#!/usr/bin/env bash
# The test command: installs what the tests need, builds once (release, with testing enabled), then runs
#   1. the Swift test suites (unit tests, real-model parity against ../shared/golden, server routes),
#   2. the interop checks with stock clients (h5py, the openai package) and a real kill -9 / --resume capture,
#   3. the walk-throughs in notebooks-md/, whose shown outputs are checked.
# Tests that need the real model or ../shared skip without them on a developer machine, and fail when CI is set.
set -euo pipefail
cd "$(dirname "$0")/.."
# Seconds per phase, printed as each phase ends and summed up at the end (a full run takes 12–20 minutes on
# 2 cores with a warm apt/PyPI cache and a built tree; the fuzz phase with its own build is about a third of it).
T0=$SECONDS; PHASE_T=$SECONDS; PHASES=()
phase_done() { PHASES+=("$1 $((SECONDS - PHASE_T))s"); echo "-- $1 took $((SECONDS - PHASE_T)) s" >&2; PHASE_T=$SECONDS; }
print_phases() { echo "== time per phase: ${PHASES[*]:-} (total $((SECONDS - T0)) s)" >&2; }
trap print_phases EXIT
scripts/setup.sh --with-python
phase_done setup
# Formatting (.swift-format: 4-space indent, 120 columns); `swift format -i -r Sources Tests Package.swift fuzz/harness`
# rewrites the tree to it.
echo "== swift format lint" >&2
if ! swift format lint --strict -r Sources Tests Package.swift fuzz/harness; then
  echo "not formatted: run swift format -i -r Sources Tests Package.swift fuzz/harness" >&2; exit 1
fi
phase_done format-lint
FLAGS=(-c release -Xswiftc -enable-testing)
echo "== build (release, testing enabled)" >&2
if ! swift build "${FLAGS[@]}" --build-tests > /tmp/polygraph-build.log 2>&1; then
  grep -E "error:" /tmp/polygraph-build.log | head -40 >&2 || true
  tail -20 /tmp/polygraph-build.log >&2
  echo "build failed (full log: /tmp/polygraph-build.log)" >&2; exit 1
fi
tail -1 /tmp/polygraph-build.log >&2
phase_done build
POLYGRAPH_BIN="$(swift build "${FLAGS[@]}" --show-bin-path)/polygraph"; export POLYGRAPH_BIN

# The suites run in parallel, in one process, as users' `swift test` does: this also exercises the engine and the
# probes calling OpenBLAS from several threads at once. (An early parallel run crashed once when the OpenBLAS core
# switch raced with other threads' BLAS calls; every BLAS user now goes through BLASSupport first.)
echo "== swift test" >&2
set +e
swift test "${FLAGS[@]}" --skip-build 2>&1 | tee /tmp/polygraph-swift-test.log \
  | grep -vE "^\[[0-9]+/[0-9]+\]|^Test Case .* (started|passed)|^◇ |^✔ Test \""
rc=${PIPESTATUS[0]}
set -e
phase_done swift-test
if [ "$rc" -ne 0 ]; then echo "swift test failed (exit $rc)" >&2; exit "$rc"; fi

# The same suites on the paths of a CPU without AVX-512: our AVX2 kernels and OpenBLAS's Haswell kernels (what an
# AVX2-only CPU runs). Batched generations must still equal one-at-a-time ones there; before the batcher prefilled
# each prompt alone on such CPUs, three of these tests failed by rounding.
# On a CPU without AVX-512 the run above already took these paths (our AVX2 kernels, OpenBLAS's AVX2 ones), so it is
# not repeated there.
if grep -q avx512f /proc/cpuinfo; then
  echo "== swift test, AVX2 paths (POLYGRAPH_NO_AVX512=1 OPENBLAS_CORETYPE=Haswell)" >&2
  set +e
  POLYGRAPH_NO_AVX512=1 OPENBLAS_CORETYPE=Haswell swift test "${FLAGS[@]}" --skip-build 2>&1 \
    | tee /tmp/polygraph-swift-test-avx2.log | grep -E "^✘|Test run"
  rc=${PIPESTATUS[0]}
  set -e
else
  echo "== swift test, AVX2 paths: skipped, this CPU has no AVX-512 (the run above took them)" >&2
  rc=0
fi
phase_done swift-test-avx2
if [ "$rc" -ne 0 ]; then echo "swift test on the AVX2 paths failed (exit $rc)" >&2; exit "$rc"; fi

passed=0 failed=0
for t in tests-interop/test_*.sh; do
  echo "== $t" >&2
  if bash "$t"; then passed=$((passed + 1)); else echo "FAILED: $t" >&2; failed=$((failed + 1)); fi
  phase_done "$(basename "$t" .sh)"
done
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
