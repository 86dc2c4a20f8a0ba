#!/usr/bin/env bash
# Times `easlab wbxml decode` against libwbxml's `wbxml2xml -l ACTIVESYNC` on
# the same generated Sync response, in one run on one machine, and prints the
# throughput ratio and both processes' peak memory.
#
#   wbxml/bench/compare.sh            # 8.6 MB and 86 MB streams, 5 runs each
#   RUNS=9 SIZES="1000000 50000000" wbxml/bench/compare.sh
#
# Needs libwbxml2-utils (wbxml2xml) and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS=${RUNS:-5}
SIZES=${SIZES:-"8600000 86000000"}
command -v wbxml2xml >/dev/null || { echo "wbxml2xml missing: apt-get install libwbxml2-utils" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: apt-get install time" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/easlab" ./cmd/easlab
go build -o "$work/gen" ./wbxml/bench/gen

# measure CMD...: runs it RUNS times; prints "median_seconds max_peak_kb".
measure() {
  local times=() peak=0 line s kb
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>&1
    line=$(tail -n 1 "$work/time")
    s=${line% *}; kb=${line#* }
    times+=("$s")
    (( kb > peak )) && peak=$kb
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v p="$peak" '{a[NR]=$1} END {print a[int((NR+1)/2)], p}'
}

printf '%-10s %-22s %10s %10s %12s\n' size tool median_s MB/s peak_MB
for size in $SIZES; do
  "$work/gen" -size "$size" > "$work/in.wbxml"
  bytes=$(stat -c %s "$work/in.wbxml")
  read -r lib_s lib_kb < <(measure wbxml2xml -m 1 -i 2 -l ACTIVESYNC -o "$work/lib.xml" "$work/in.wbxml")
  read -r our_s our_kb < <(measure sh -c "exec '$work/easlab' wbxml decode '$work/in.wbxml' > '$work/our.xml'")
  for row in "libwbxml $lib_s $lib_kb" "easlab $our_s $our_kb"; do
    set -- $row
    awk -v n="$bytes" -v tool="$1" -v s="$2" -v kb="$3" 'BEGIN {
      mbps = (s > 0) ? n / 1e6 / s : 0
      printf "%-10.1f %-22s %10.3f %10.1f %12.1f\n", n/1e6, tool, s, mbps, kb/1024 }'
  done
  awk -v a="$lib_s" -v b="$our_s" 'BEGIN { if (b > 0) printf "ratio: easlab is %.1fx libwbxml'"'"'s throughput\n", a / b; else print "ratio: easlab too fast to time at this size" }'
done
