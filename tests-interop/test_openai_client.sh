#!/usr/bin/env bash
# Starts the real `polygraph serve` (real model, a probe) on a free loopback port and talks to it with the stock
# `openai` Python package, streaming and not; then once more with --api-key to check bearer auth. Stops the server.
# Env: POLYGRAPH_BIN (release binary; default: the release build), POLYGRAPH_PROBE (a trained probe to use instead
# of the fixture written by make_probe_openai.py).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-$(swift build -c release --show-bin-path)/polygraph}"
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
if [ ! -f "$MODEL" ]; then
  if [ -n "${CI:-}" ]; then echo "FAIL: $MODEL is missing (run scripts/fetch-model.sh)" >&2; exit 1; fi
  echo "SKIP: $MODEL is missing (run scripts/fetch-model.sh)"; exit 0
fi
python3 -c "import openai" 2>/dev/null || { echo "FAIL: pip install openai" >&2; exit 1; }
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
probe="${POLYGRAPH_PROBE:-}"
if [ -z "$probe" ]; then
  probe="$work/interop-probe.json"
  python3 tests-interop/make_probe_openai.py --model "$MODEL" --out "$probe"
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server PORT [extra args...]: runs the server in the background and waits for /health.
start_server() {
  local port=$1; shift
  "$BIN" serve --model "$MODEL" --probe "$probe" --port "$port" "$@" >"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 240); do
    if curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { echo "FAIL: server exited:" >&2; cat "$work/server.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "FAIL: server not up after 120 s" >&2; cat "$work/server.log" >&2; exit 1
}
stop_server() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; pid=""; }
# show_log_on_failure: prints the server's log when the client run before it failed.
show_log_on_failure() { [ "$rc" = 0 ] || { echo "--- server log:" >&2; tail -n 40 "$work/server.log" >&2; }; }

port=$(free_port)
start_server "$port"
model_id=$(curl -sf "http://127.0.0.1:$port/v1/models" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')
rc=0
python3 tests-interop/test_openai_client.py "http://127.0.0.1:$port/v1" "$model_id" | tee "$work/run1.txt" || rc=1
stop_server
show_log_on_failure

port=$(free_port)
start_server "$port" --api-key interop-secret
python3 tests-interop/test_openai_client.py "http://127.0.0.1:$port/v1" "$model_id" interop-secret --check-auth \
  | tee "$work/run2.txt" || rc=1
stop_server
show_log_on_failure
# Both runs' counts, as one line.
cat "$work/run1.txt" "$work/run2.txt" | awk '/ passed, .* failed$/ { p += $1; f += $3 } END { printf "%d passed, %d failed\n", p, f }'
exit $rc
