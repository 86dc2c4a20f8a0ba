#!/usr/bin/env bash
# Fleet benchmark: now a wrapper of cmd/pingload, which starts easlab serve
# and easlab fleet on loopback, waits until every device holds a Ping (as
# both count it), reads both processes' peak RSS from the kernel (VmHWM),
# wakes every mailbox with one mail and times every device's answer, Sync
# and new Ping, and fails on any fleet error. Not part of the test suite.
# Usage (from the repository root):
#   DEVICES=2000 USERS=500 RAMP=20s clients/bench/fleet.sh [more pingload flags]
# HTTP2=1 serves TLS with HTTP/2 and makes the devices share connections.
# BASELINE=1 runs --park=false then --park=true and gives the ratio.
# See `go run ./cmd/pingload --help` for the rest (--json, --max-kb-per-device).
set -euo pipefail
args=(--devices "${DEVICES:-2000}" --users "${USERS:-500}" --ramp "${RAMP:-20s}")
if [ -n "${PROFILES:-}" ]; then args+=(--profiles "$PROFILES"); fi
if [ -n "${HTTP2:-}" ]; then args+=(--http2); fi
if [ -n "${BASELINE:-}" ]; then args+=(--baseline); fi
exec go run ./cmd/pingload "${args[@]}" "$@"
