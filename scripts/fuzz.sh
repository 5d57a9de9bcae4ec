#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer via the Swift toolchain's -sanitize=fuzzer) of every entry point that takes
# untrusted bytes: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 60 s each; targets: gguf tokenizer csv jsonl
# npy probe http jinja). Builds fuzz/harness into .build-fuzz (the normal build is not touched), runs each target on a
# copy of its seed corpus fuzz/corpus/<target>/, prints executions, exec/s and crashes per target, keeps crashing
# inputs under fuzz/crashes/<target>/, and exits non-zero on any crash (or failed build).
# Everything runs under `nice -n 19` (the machine is shared with long captures).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
ALL=(gguf tokenizer csv jsonl npy probe http jinja)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")
T0=$SECONDS
LOG=${TMPDIR:-/tmp}/polygraph-fuzz-build.log
echo "== fuzz build (release, -sanitize=fuzzer, scratch .build-fuzz)" >&2
fuzz_build() {
  nice -n 19 swift build -c release --package-path fuzz/harness --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer -Xswiftc -enable-testing > "$LOG" 2>&1
}
if ! fuzz_build; then
  # .build-fuzz is only a cache, and SwiftPM keeps stale state there for the root package this one depends on by
  # path: a source file removed since ("missing inputs") or added since ("cannot find 'X' in scope") fails the build.
  # Start it again from scratch once; a real compile error fails this second build too.
  echo "fuzz build failed with .build-fuzz as it was; building it again from scratch" >&2
  rm -rf .build-fuzz
  if ! fuzz_build; then
    grep -E "error:" "$LOG" | head -30 >&2 || true
    tail -20 "$LOG" >&2
    echo "fuzz build failed (full log: $LOG)" >&2; exit 1
  fi
fi
BUILD_S=$((SECONDS - T0))
echo "-- fuzz build took ${BUILD_S} s" >&2
BIN=.build-fuzz/release
WORK=$(mktemp -d "${TMPDIR:-/tmp}/polygraph-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
crashed=0
SUMMARY=()
for t in "${TARGETS[@]}"; do
  [ -x "$BIN/fuzz-$t" ] || { echo "unknown fuzz target: $t (known: ${ALL[*]})" >&2; exit 2; }
  mkdir -p "$WORK/$t/corpus" "fuzz/crashes/$t"
  cp fuzz/corpus/"$t"/* "$WORK/$t/corpus/"
  # -timeout: an input taking 10 s is a hang; -rss_limit_mb: unbounded allocation is a finding too.
  set +e
  # SWIFT_BACKTRACE off: libFuzzer's own handler then writes the crashing input (the Swift backtracer took the signal
  # first and no input was kept).
  SWIFT_BACKTRACE=enable=no nice -n 19 "$BIN/fuzz-$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="fuzz/crashes/$t/" "$WORK/$t/corpus" > "$WORK/$t.log" 2>&1
  rc=$?
  set -e
  runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$WORK/$t.log" | grep -oE "[0-9]+$" || echo "?")
  speed=$(grep -oE "stat::average_exec_per_sec: *[0-9]+" "$WORK/$t.log" | grep -oE "[0-9]+$" || echo "?")
  cov=$(grep -oE "cov: [0-9]+" "$WORK/$t.log" | tail -1 | grep -oE "[0-9]+" || echo "?")
  crashes=0
  if [ "$rc" -ne 0 ]; then
    crashes=1; crashed=1
    echo "!! fuzz-$t failed (exit $rc); input saved under fuzz/crashes/$t/:" >&2
    cp "$WORK/$t.log" "fuzz/crashes/$t/last-run.log"
    grep -E "ERROR|Fatal error|crashed|SUMMARY|artifact|Test unit written" "$WORK/$t.log" | head -10 >&2 || true
  fi
  line="fuzz-$t: ${runs} executions, ${speed} exec/s, coverage ${cov} edges, ${crashes} crashes (${SECONDS_EACH} s)"
  echo "$line"
  SUMMARY+=("$line")
done
echo "== fuzz: build ${BUILD_S} s, total $((SECONDS - T0)) s; $( [ $crashed -eq 0 ] && echo "no crashes" || echo "CRASHES FOUND" )"
exit $crashed
