#!/usr/bin/env bash
# Sync-rate benchmark: DEVICES active devices (easlab fleet --steady sync,
# each Syncing its Inbox back to back) against easlab serve on loopback,
# and, in the same run, the same fleet sending OPTIONS back to back (an
# authenticated request with no EAS work: the baseline). Reports both
# rates over the steady part of the run and their ratio. Not part of the
# test suite. Usage (from the repository root):
#   DEVICES=1000 USERS=500 DURATION=30s RAMP=5s clients/bench/sync_rate.sh
set -euo pipefail
DEVICES=${DEVICES:-1000}
USERS=${USERS:-500}
DURATION=${DURATION:-30s}
RAMP=${RAMP:-5s}
PORT=${PORT:-18092}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
bin=$(mktemp -d)/easlab
trap 'kill "${serve:-}" 2>/dev/null || true' EXIT
go build -o "$bin" ./cmd/easlab
run() { # steady mode -> JSON report
  "$bin" serve --listen 127.0.0.1:$PORT --eas-max-concurrency -1 --demo-users "$USERS" --log-level error >/dev/null 2>&1 &
  serve=$!
  for _ in $(seq 50); do curl -fs http://127.0.0.1:$PORT/healthz >/dev/null 2>&1 && break; sleep 0.1; done
  "$bin" fleet --url http://127.0.0.1:$PORT --devices "$DEVICES" --duration "$DURATION" --ramp "$RAMP" \
    --user-count "$USERS" --steady "$1" --json 2>/dev/null
  kill "$serve"; wait "$serve" 2>/dev/null || true
}
rate() { # JSON report, command -> requests per second of the steady part
  python3 -c '
import json,sys
r=json.load(open(sys.argv[1])); cmd=sys.argv[2]
ramp=float(sys.argv[3].rstrip("s")); el=r["Elapsed"]/1e9
setup={"Sync":2,"OPTIONS":1}.get(cmd,0)*r["SetUp"]
print("%.0f" % ((r["ByCommand"].get(cmd,0)-setup)/(el-ramp)))' "$@"
}
o=$(mktemp) s=$(mktemp)
run options >"$o"
run sync >"$s"
ro=$(rate "$o" OPTIONS "$RAMP") rs=$(rate "$s" Sync "$RAMP")
echo "devices $DEVICES, $DURATION (ramp $RAMP): OPTIONS $ro/s (baseline), Sync $rs/s, ratio $(python3 -c "print('%.2f' % ($rs/$ro))")"
python3 -c '
import json,sys
for f,n in ((sys.argv[1],"options"),(sys.argv[2],"sync")):
    r=json.load(open(f)); print("%-8s set up %d failed %d  p50 %.2f ms p99 %.2f ms  errors %s" % (n, r["SetUp"], r["Failed"], r["P50"]/1e6, r["P99"]/1e6, r["Errors"]))' "$o" "$s"
