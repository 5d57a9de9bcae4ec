#!/usr/bin/env bash
# Renders polygraph.conf.template for replicas on HOST:PORT ... (or --whole to wrap it in a complete nginx.conf
# that runs without root-owned paths: pid, logs and temp folders under PREFIX).
# usage: deploy/nginx/render.sh --listen 127.0.0.1:8080 [--max-fails 1] [--fail-timeout 5s] [--whole PREFIX] HOST:PORT...
set -euo pipefail
LISTEN=127.0.0.1:8080; MAX_FAILS=1; FAIL_TIMEOUT=5s; WHOLE=""; REPLICAS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --listen) LISTEN="$2"; shift 2 ;;
    --max-fails) MAX_FAILS="$2"; shift 2 ;;
    --fail-timeout) FAIL_TIMEOUT="$2"; shift 2 ;;
    --whole) WHOLE="$2"; shift 2 ;;
    -h|--help) sed -n 2,4p "$0"; exit 0 ;;
    *) REPLICAS+=("$1"); shift ;;
  esac
done
[ "${#REPLICAS[@]}" -gt 0 ] || { echo "render.sh: give at least one replica HOST:PORT" >&2; exit 2; }
servers=""
for r in "${REPLICAS[@]}"; do servers+="    server $r max_fails=$MAX_FAILS fail_timeout=$FAIL_TIMEOUT;"$'\n'; done
body="$(sed -e "s|@LISTEN@|$LISTEN|g" -e "s|@MAX_FAILS@|$MAX_FAILS|g" -e "s|@FAIL_TIMEOUT@|$FAIL_TIMEOUT|g" \
  "$(dirname "$0")/polygraph.conf.template")"
body="${body/@SERVERS@/${servers%$'\n'}}"
if [ -z "$WHOLE" ]; then printf '%s\n' "$body"; exit 0; fi
cat <<CONF
worker_processes 1;
pid $WHOLE/nginx.pid;
error_log $WHOLE/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
    access_log $WHOLE/access.log;
    client_body_temp_path $WHOLE/client_body;
    proxy_temp_path $WHOLE/proxy;
    fastcgi_temp_path $WHOLE/fastcgi;
    uwsgi_temp_path $WHOLE/uwsgi;
    scgi_temp_path $WHOLE/scgi;
$body
}
CONF
