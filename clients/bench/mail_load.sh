#!/usr/bin/env bash
# Mail load: DEVICES devices holding Pings (easlab fleet, steady state
# ping) while easlab serve delivers RATE mails a second to the mailboxes
# in turn; each mail wakes its mailbox's devices, which Sync it. Reports
# the Sync rate and latencies. Not part of the test suite. Usage (from the
# repository root):
#   DEVICES=1000 USERS=500 RATE=1000 DURATION=30s RAMP=5s clients/bench/mail_load.sh
set -euo pipefail
DEVICES=${DEVICES:-1000}
USERS=${USERS:-500}
RATE=${RATE:-1000}
DURATION=${DURATION:-30s}
RAMP=${RAMP:-5s}
PORT=${PORT:-18093}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
bin=$(mktemp -d)/easlab
trap 'kill "${serve:-}" 2>/dev/null || true' EXIT
go build -o "$bin" ./cmd/easlab
"$bin" serve --listen 127.0.0.1:$PORT --eas-max-concurrency -1 --demo-users "$USERS" --mail-rate "$RATE" --log-level error >/dev/null 2>&1 &
serve=$!
for _ in $(seq 50); do curl -fs http://127.0.0.1:$PORT/healthz >/dev/null 2>&1 && break; sleep 0.1; done
out=$(mktemp)
"$bin" fleet --url http://127.0.0.1:$PORT --devices "$DEVICES" --duration "$DURATION" --ramp "$RAMP" \
  --user-count "$USERS" --json >"$out" 2>/dev/null
python3 -c '
import json,sys
r=json.load(open(sys.argv[1])); ramp=float(sys.argv[2].rstrip("s")); el=r["Elapsed"]/1e9
syncs=r["ByCommand"].get("Sync",0)-2*r["SetUp"]; pings=r["ByCommand"].get("Ping",0)
print("devices %d set up %d failed %d; mail %s/s; steady Sync %.0f/s, Ping answers %.0f/s; latency p50 %.1f ms p99 %.1f ms; errors %s" % (
  r["Devices"], r["SetUp"], r["Failed"], sys.argv[3], syncs/(el-ramp), pings/(el-ramp), r["P50"]/1e6, r["P99"]/1e6, r["Errors"]))' "$out" "$RAMP" "$RATE"
