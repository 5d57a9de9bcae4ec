#!/usr/bin/env bash
# Replicas behind nginx (deploy/nginx): installs Debian's nginx if missing, starts 3 `polygraph serve --replica-id`
# replicas and nginx on loopback ports, runs a bounded load (scores and streamed chats), SIGKILLs one replica
# mid-run and checks that every request started after the kill succeeds (in-flight ones are counted), restarts it
# and checks it gets traffic again. Everything it starts is stopped by pid. Needs the default model, python3,
# POLYGRAPH_BIN (default: this checkout's debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${POLYGRAPH_BIN:-$(swift build --show-bin-path)/polygraph}"
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
PROBE=probes/smollm2-135m-instruct/statements.json
if [ ! -x "$BIN" ]; then echo "FAIL: polygraph binary not found at $BIN (build it or set POLYGRAPH_BIN)" >&2; exit 2; fi
if [ ! -f "$MODEL" ]; then
  if [ -n "${CI:-}" ]; then echo "FAIL: $MODEL missing in CI" >&2; exit 1; fi
  echo "skipped: $MODEL not found (scripts/fetch-model.sh fetches it)"; exit 0
fi
if ! command -v nginx > /dev/null; then
  echo "installing nginx" >&2
  # Keep the package's maintainer scripts from starting a system nginx on port 80 (no policy file = allowed).
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  apt-get update -qq > /dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light > /dev/null || \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx > /dev/null
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 tests-interop/nginx_replicas_check.py "$BIN" "$MODEL" "$PROBE" "$WORK"
