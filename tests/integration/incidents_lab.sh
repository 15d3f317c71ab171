#!/bin/bash
# incidents_lab.sh - the detectors on traffic from real tools in the lab:
# tcpdump on the gateway's WAN side while fin1 runs `nmap -sS` and `nmap
# -sU` against the Internet namespace, guesses ssh logins 25 times and
# fetches a page from a blocklisted address; `zhulan --read` of that
# capture gives one scan incident per nmap run, one brute-force incident
# and one blocklist incident. A stretch of the lab's normal traffic
# (packaging/lab traffic) gives none. (Live detection in the daemon comes
# with the daemon's part of issue #11.)
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
command -v nmap >/dev/null || skip_all "nmap is not installed (packaging/install-deps)"
command -v tcpdump >/dev/null || skip_all "tcpdump is not installed (packaging/install-deps)"
LAB="$top_srcdir/packaging/lab"
P=zli$$
TPID=
cleanup() {
	[ -n "$TPID" ] && kill "$TPID" 2>/dev/null
	"$LAB" down --prefix $P >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
lab_up $P "$WORK/lab.log"

capture() { # capture FILE: tcpdump on the gateway's WAN side until stopped
	ip netns exec "$P-gw" tcpdump -i wan0 -n -s 0 -U -w "$1" 2>"$WORK/tcpdump.log" &
	TPID=$!
	for _ in $(seq 50); do grep -q "listening on" "$WORK/tcpdump.log" && return 0; sleep 0.1; done
	return 1
}
stop_capture() { sleep 1; kill -INT "$TPID"; wait "$TPID" 2>/dev/null; TPID=; }
count() { # count TYPE SRC DST PROTO -> "N COUNT" of matching incidents
	$PYTHON3 - "$WORK/inc.json" "$@" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
t, s, d, p = sys.argv[2:6]
m = [r for r in rows if r["type"] == t and r["src_ip"] == s and str(r["dest_ip"]) == d
     and (p == "-" or r["proto"] == p)]
print(len(m), m[0]["count"] if m else 0)
PY
}

capture "$WORK/attack.pcap"; ok $? "tcpdump listens on the gateway's wan0"
inns fin1 nmap -n -Pn -sS -T4 -p 1-1000 198.51.100.10 > "$WORK/nmap-sS.log" 2>&1
ok $? "nmap -sS of 1,000 ports from fin1: $(grep -c open "$WORK/nmap-sS.log") open"
inns fin1 nmap -n -Pn -sU -T5 --max-retries 0 -p 1-100 198.51.100.11 > "$WORK/nmap-sU.log" 2>&1
ok $? "nmap -sU of 100 ports from fin1"
for i in $(seq 25); do
	inns fin1 ssh -o BatchMode=yes -o PreferredAuthentications=password -o NumberOfPasswordPrompts=0 \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 \
		"guess$i@198.51.100.22" true >/dev/null 2>&1
done
ok 0 "25 ssh login attempts from fin1 that fail"
inns fin1 curl -s -o /dev/null --max-time 5 http://198.51.100.12/; ok $? "a page from 198.51.100.12"
stop_capture

cat > "$WORK/p.conf" <<'POL'
set botnet_cc { 198.51.100.12 }
incidents { blocklist $botnet_cc }
POL
"$ZHULAN" -q --read "$WORK/attack.pcap" --policy "$WORK/p.conf" --incidents-json "$WORK/inc.json" 2>"$WORK/err"
ok $? "zhulan --read of the capture: $(cat "$WORK/err")"
read n c <<<"$(count scan 192.0.2.10 198.51.100.10 TCP)"
[ "$n" = 1 ] && [ "$c" -ge 900 ]; ok $? "nmap -sS is one scan incident counting about 1,000 ports (got $n, count $c)"
read n c <<<"$(count scan 192.0.2.10 198.51.100.11 UDP)"
[ "$n" = 1 ] && [ "$c" -ge 50 ]; ok $? "nmap -sU is one scan incident of its own (got $n, count $c)"
read n c <<<"$(count bruteforce 192.0.2.10 198.51.100.22 -)"
[ "$n" = 1 ] && [ "$c" -ge 21 ]; ok $? "25 failed ssh logins are one brute-force incident (got $n, count $c)"
read n c <<<"$(count blocklist 192.0.2.10 198.51.100.12 -)"
[ "$n" = 1 ]; ok $? "the blocklisted address is one incident (got $n)"
[ "$(wc -l < "$WORK/inc.json")" = 4 ]; ok $? "nothing else (got $(wc -l < "$WORK/inc.json"): $(cut -c1-200 "$WORK/inc.json" | sed -n 5,6p))"

capture "$WORK/day.pcap"
"$LAB" traffic --seconds 30 --quiet --prefix $P >/dev/null 2>&1; ok $? "30 s of the lab's normal traffic"
stop_capture
"$ZHULAN" -q --read "$WORK/day.pcap" --incidents-json "$WORK/inc.json" 2>"$WORK/err"
ok $? "zhulan --read of it"
[ "$(wc -l < "$WORK/inc.json")" = 0 ]; ok $? "normal traffic opens 0 incidents ($(cat "$WORK/err"); $(cut -c1-300 "$WORK/inc.json" | head -2))"
done_testing
