#!/bin/bash
# tests/bench/policy.sh - the policy benchmark of `make bench`, in a network
# namespace of its own: a policy whose blocklist holds 100,000 prefixes,
# applied by Zhulan (libnftnl batch; and end to end: zhulanctl -> daemon ->
# kernel -> database) and, as the same ruleset in nft syntax (zhulanctl
# policy compile), by `nft -f`; best of 3 each, and the ratio. Then the
# latency of adding one element to a behaviour set, acknowledged by the
# kernel, over 10,000 adds.
set -eu
: "${PYTHON3:=python3}"
B=${top_builddir:-.}
ZHULAN=${ZHULAN:-$B/zhulan}
CTL=$(dirname "$ZHULAN")/zhulanctl
NL=$B/tests/bench/nlbench
W=$(mktemp -d /tmp/zl-bench.XXXXXX)
NS=zlbench$$
chmod 755 "$W"
cleanup() { [ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null; wait 2>/dev/null; ip netns del $NS 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
[ -x "$NL" ] || make -C "$B" tests/bench/nlbench >/dev/null
ip netns add $NS
ip -n $NS link set lo up
$PYTHON3 - "$W/blocklist.txt" <<'PY'
import random, sys
random.seed(7)
seen = set()
with open(sys.argv[1], "w") as f:
    while len(seen) < 100000:
        a = random.getrandbits(32)
        l = random.choice([16, 20, 22, 24, 24, 24, 28, 32, 32])
        a &= ~((1 << (32 - l)) - 1) & 0xffffffff
        p = "%d.%d.%d.%d/%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, l)
        if p not in seen:
            seen.add(p)
            f.write(p + "\n")
PY
cat > "$W/policy.conf" <<'POL'
zone lan { interface lan0 }
zone wan { interface wan0 }
set finance   { 192.0.2.0/26, 2001:db8:10::/64 }
set education { 192.0.2.64/26, 2001:db8:20::/64 }
set blocklist file "blocklist.txt"
schedule workhours { mon-fri 08:30-12:00, mon-fri 14:00-17:30 }
filter forward default drop {
  block log from $blocklist
  block log to $blocklist
  block proto tcp from lan to any port 445 log
  reject from $education to wan during workhours
  pass from lan to wan
  pass proto tcp from wan to 198.51.100.10 port { 80, 443 }
}
filter input default drop {
  pass proto tcp from lan to self port { 22, 8443 }
  pass proto { icmp, icmpv6 }
}
POL
"$CTL" policy compile "$W/policy.conf" > "$W/policy.nft"
best() { sort -n | head -1; }
t_nft=$(for i in 1 2 3; do
	s=$(date +%s%N); ip netns exec $NS nft -f "$W/policy.nft"; e=$(date +%s%N)
	echo "$(( (e - s) / 1000 ))"
done | best)
t_zl=$(for i in 1 2 3; do
	s=$(date +%s%N); ip netns exec $NS "$NL" apply "$W/policy.conf" >/dev/null; e=$(date +%s%N)
	echo "$(( (e - s) / 1000 ))"
done | best)
n_elem=$(ip netns exec $NS nft list set inet zhulan blocklist_v4 | tr ',' '\n' | grep -c '[0-9]')
# end to end, through the daemon
cat > "$W/zhulan.conf" <<CONF
interfaces = lo
database = $W/db/zhulan.db
control_socket = $W/run/control.sock
policy = $W/none.conf
user = root
app_dir = ${ZHULAN_DATADIR:-/usr/share/zhulan}
CONF
ip netns exec $NS "$ZHULAN" -f -c "$W/zhulan.conf" 2>"$W/daemon.log" &
DPID=$!
for _ in $(seq 50); do "$CTL" -s "$W/run/control.sock" status >/dev/null 2>&1 && break; sleep 0.1; done
t_e2e=$(for i in 1 2 3; do
	s=$(date +%s%N); "$CTL" -s "$W/run/control.sock" policy apply "$W/policy.conf" >/dev/null; e=$(date +%s%N)
	echo "$(( (e - s) / 1000 ))"
done | best)
kill "$DPID"; wait "$DPID" 2>/dev/null || true; DPID=
ip netns exec $NS "$NL" apply "$W/policy.conf" >/dev/null
read -r p50 p99 max < <(ip netns exec $NS "$NL" add 10000)

awk -v nft="$t_nft" -v zl="$t_zl" -v e2e="$t_e2e" -v n="$n_elem" -v p50="$p50" -v p99="$p99" -v max="$max" 'BEGIN {
	printf "%-52s %10s\n", "100,000-prefix blocklist policy (" n " merged intervals)", "best of 3"
	printf "  %-50s %8.3f s\n", "nft -f (zhulanctl policy compile output)", nft / 1e6
	printf "  %-50s %8.3f s   %.1fx nft\n", "zhulan: parse + libnftnl batch (nlbench apply)", zl / 1e6, nft / zl
	printf "  %-50s %8.3f s   %.1fx nft\n", "zhulanctl policy apply (check, send, apply, store)", e2e / 1e6, nft / e2e
	printf "adding one element to a set (10,000 adds, each acked): p50 %s us, p99 %s us, max %s us (target p99 < 1000 us)\n", p50, p99, max
}'
