#!/bin/bash
# daemon.sh - live capture benchmark (part of `make bench`, root only):
# tcpreplay a generated capture onto the lab gateway's lan0 at rising packet
# rates while zhulan captures there; print, per rate, what the kernel
# dropped and the highest rate with under 0.1% drops, and the store
# writer's rows per second.
set -u
[ "$(id -u)" -eq 0 ] || { echo "daemon benchmark: skipped (needs root)"; exit 0; }
command -v tcpreplay >/dev/null || { echo "daemon benchmark: skipped (apt-get install tcpreplay)"; exit 0; }
src=$(cd "$(dirname "$0")/../.." && pwd)
ZHULANCTL=$(dirname "$ZHULAN")/zhulanctl
LAB="$src/packaging/lab"
P=zlb$$
W=$(mktemp -d /tmp/zl-bench.XXXXXX); chmod 755 "$W"
trap '[ -n "${DPID:-}" ] && kill -9 $DPID 2>/dev/null; "$LAB" down --prefix $P >/dev/null 2>&1; rm -rf "$W"' EXIT
CAP=${1:?capture}
RATES=${ZL_BENCH_RATES:-50000 100000 150000 200000 300000}

"$LAB" up --prefix $P >/dev/null || exit 1
cat > "$W/zhulan.conf" <<CONF
interfaces = lan0
database = $W/db/zhulan.db
control_socket = $W/run/control.sock
user = nobody
app_dir = $src/probes/apps
capture_buffer_mb = 256
${ZL_BENCH_CONF:-}
CONF
ip netns exec $P-gw taskset -c 1 "$ZHULAN" -f -c "$W/zhulan.conf" 2>"$W/daemon.log" &
DPID=$!
for _ in $(seq 50); do "$ZHULANCTL" -s "$W/run/control.sock" status >/dev/null 2>&1 && break; sleep 0.1; done
stat() { "$ZHULANCTL" -s "$W/run/control.sock" --json status | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin); i = j["interfaces"][0]
print(i["packets"], i["kernel_dropped"], j["database"]["written"])'; }
best=0
printf '%12s %12s %12s %12s %12s %10s\n' "asked pkt/s" "sent pkt/s" "sent" "captured" "dropped" "drop %"
for r in $RATES; do
	read p0 d0 w0 < <(stat)
	ip netns exec $P-fin1 taskset -c 0 tcpreplay -q --pps=$r --limit=${ZL_BENCH_LIMIT:-600000} -i eth0 "$CAP" >"$W/replay.log" 2>&1
	sleep 1
	read p1 d1 w1 < <(stat)
	sent=$(grep -o 'Actual: [0-9]* packets' "$W/replay.log" | grep -o '[0-9]*' | head -1)
	rate=$(grep -o 'Rated: [0-9.]* Bps, [0-9.]* Mbps, [0-9.]* pps' "$W/replay.log" | grep -o '[0-9.]* pps' | cut -d' ' -f1)
	drop=$((d1 - d0))
	pct=$(/usr/bin/python3 -c "print(f'{100*$drop/max(1,${sent:-1}):.3f}')")
	printf '%12s %12s %12s %12s %12s %10s\n' "$r" "${rate:-?}" "${sent:-?}" "$((p1 - p0))" "$drop" "$pct"
	/usr/bin/python3 -c "import sys; sys.exit(0 if $drop <= 0.001*${sent:-0} and $((p1 - p0)) >= 0.99*${sent:-0} else 1)" && best=${rate%.*}
done
echo "highest achieved rate with < 0.1% kernel drops and every packet captured: $best packets/s (target 150000)"
t0=$(date +%s.%N); read _ _ w0 < <(stat)
kill -TERM $DPID; wait $DPID; DPID=
t1=$(date +%s.%N)
rows=$(sqlite3 "$W/db/zhulan.db" "select count(*) from flows")
echo "store: $rows flow rows written; the shutdown flush wrote $((rows - w0)) rows in $(/usr/bin/python3 -c "print(f'{$t1-$t0:.2f} s: {($rows-$w0)/($t1-$t0):.0f} rows/s')") (capture stop and aggregates included)"
