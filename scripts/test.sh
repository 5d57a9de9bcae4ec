#!/usr/bin/env bash
# The test command: installs what the tests need, then runs the Swift test suite (unit, parity against the real
# model, server routes) and the interop checks that use stock Python clients (h5py, openai).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-python
swift build -c release --product polygraph 2>&1 | tail -3
POLYGRAPH_BIN="$(swift build -c release --show-bin-path)/polygraph"; export POLYGRAPH_BIN
set +e
swift test 2>&1 | tee /tmp/polygraph-swift-test.log | grep -vE "^\[[0-9]+/[0-9]+\]|^Test Case .* (started|passed)"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then echo "swift test failed (exit $rc)" >&2; exit "$rc"; fi
if [ -d tests-interop ]; then
  for t in tests-interop/test_*.sh; do [ -e "$t" ] || continue; echo "== $t"; bash "$t"; done
fi
