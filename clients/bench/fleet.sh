#!/usr/bin/env bash
# Fleet benchmark: easlab fleet against easlab serve on loopback, with the
# resident memory of both processes sampled while every device holds a Ping.
# Not part of the test suite. Usage (from the repository root):
#   DEVICES=2000 USERS=500 DURATION=40s RAMP=10s clients/bench/fleet.sh
# HTTP2=1 serves TLS with HTTP/2 and makes the devices share connections
# (easlab fleet --http2): the per-device cost without a connection each.
# FLEET_ARGS are passed to easlab fleet (e.g. --park=false: each held Ping
# on a goroutine through net/http, against the default event-driven
# pinger).
set -euo pipefail
DEVICES=${DEVICES:-2000}
USERS=${USERS:-500}
DURATION=${DURATION:-40s}
RAMP=${RAMP:-10s}
PROFILES=${PROFILES:-iphone:60,gmail:30,samsung:10}
PORT=${PORT:-18091}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
bin=$(mktemp -d)/easlab
trap 'kill "${serve:-}" "${fleet:-}" 2>/dev/null || true' EXIT
go build -o "$bin" ./cmd/easlab
scheme=http serve_tls="" fleet_tls=""
if [ -n "${HTTP2:-}" ]; then scheme=https serve_tls=--tls fleet_tls="--http2 --insecure"; fi
"$bin" serve --listen 127.0.0.1:$PORT --eas-max-concurrency -1 $serve_tls --demo-users "$USERS" --log-level error >/dev/null 2>&1 &
serve=$!
for _ in $(seq 50); do curl -kfs $scheme://127.0.0.1:$PORT/healthz >/dev/null 2>&1 && break; sleep 0.1; done
out=$(mktemp)
"$bin" fleet --url $scheme://127.0.0.1:$PORT $fleet_tls --devices "$DEVICES" --duration "$DURATION" --ramp "$RAMP" \
  --profiles "$PROFILES" --user-count "$USERS" ${FLEET_ARGS:-} >"$out" 2>/dev/null &
fleet=$!
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$1/status" 2>/dev/null || echo 0; }
peak_s=0 peak_f=0
while kill -0 "$fleet" 2>/dev/null; do
  s=$(rss "$serve") f=$(rss "$fleet")
  (( s > peak_s )) && peak_s=$s
  (( f > peak_f )) && peak_f=$f
  sleep 1
done
wait "$fleet" || true
cat "$out"
echo "peak RSS: serve ${peak_s} MB, fleet ${peak_f} MB, together $((peak_s + peak_f)) MB for $DEVICES devices" \
  "($(( (peak_s + peak_f) * 1024 / DEVICES )) KB per device)"
