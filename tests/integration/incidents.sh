#!/bin/bash
# incidents.sh - `zhulan --read FILE --incidents-json`: the detectors on a
# generated capture that holds one of each incident (zlgen.py incidents)
# give each expected incident exactly once, with a plausible count and its
# sentences; the policy's incidents section sets routers, threat sets,
# thresholds, risks and suppression (a suppressed event is counted); a
# quiet working day (zlgen.py county) gives no incident at all.
. "$(dirname "$0")/lib.sh"

$ZLGEN incidents "$WORK/inc.pcap" >/dev/null; ok $? "zlgen.py writes the incidents capture"
$ZLGEN county "$WORK/day.pcap" --flows 1500 >/dev/null; ok $? "and a quiet working day"

read_inc() { # read_inc PCAP [POLICY] -> $WORK/inc.json, $WORK/err; status in st
	if [ $# -gt 1 ]; then
		"$ZHULAN" -q --read "$1" --policy "$2" --incidents-json "$WORK/inc.json" 2>"$WORK/err"
	else
		"$ZHULAN" -q --read "$1" --incidents-json "$WORK/inc.json" 2>"$WORK/err"
	fi
	st=$?
}
# find TYPE SRC DST: how many incidents match, then the first one's count,
# severity and English and Chinese sentences, tab-separated
find() {
	$PYTHON3 - "$WORK/inc.json" "$@" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
t, s, d = sys.argv[2:5]
m = [r for r in rows if r["type"] == t and r["src_ip"] == s and str(r["dest_ip"]) == d]
print(len(m), *(m and [m[0]["count"], m[0]["severity"], m[0]["message"]["en"], m[0]["message"]["zh"]] or []), sep="\t")
PY
}
expect() { # expect TYPE SRC DST MIN MAX WHAT: exactly one, count in [MIN, MAX]
	local got n c
	got=$(find "$1" "$2" "$3")
	n=$(echo "$got" | cut -f1); c=$(echo "$got" | cut -f2)
	[ "$n" = 1 ] && [ "$c" -ge "$4" ] && [ "$c" -le "$5" ]
	ok $? "$6: one $1 incident from $2 to $3, count $4-$5 (got $n, count ${c:-none}: $(echo "$got" | cut -f4))"
}
total() { wc -l < "$WORK/inc.json"; }

cat > "$WORK/p.conf" <<'POL'
set botnet_cc { 198.51.100.66 }
incidents {
  routers { fe80::1, 00:00:5e:00:53:01, 192.0.2.1 }
  blocklist $botnet_cc
}
POL
read_inc "$WORK/inc.pcap" "$WORK/p.conf"
ok $st "zhulan --read --policy --incidents-json exits 0: $(head -3 "$WORK/err")"
expect scan 192.0.2.70 198.51.100.10 990 1000 "SYN scan of 1,000 ports (3 open)"
find scan 192.0.2.70 198.51.100.10 | cut -f4 | grep -qx "host 192.0.2.70 scanned 997 ports of 198.51.100.10 in 12 s"
ok $? "... the sentence says what happened"
find scan 192.0.2.70 198.51.100.10 | cut -f5 | grep -qx "主机 192.0.2.70 在 12 秒内扫描了 198.51.100.10 的 997 个端口"
ok $? "... in Chinese too"
expect scan 192.0.2.71 198.51.100.11 200 200 "UDP scan of 200 ports"
expect scan 192.0.2.72 None 254 254 "sweep of 254 hosts on port 445"
expect bruteforce 192.0.2.73 198.51.100.22 30 30 "30 short SSH sessions"
[ "$(find bruteforce 192.0.2.73 198.51.100.22 | cut -f3)" = high ]; ok $? "... brute force is high"
expect rogue-ra fe80::bad None 3 3 "three advertisements from an unlisted router"
[ "$(find rogue-ra fe80::1 None | cut -f1)" = 0 ]; ok $? "... the listed router is no incident"
expect rogue-dhcp 192.0.2.250 None 2 2 "two offers from an unlisted DHCP server"
[ "$(find rogue-dhcp 192.0.2.1 None | cut -f1)" = 0 ]; ok $? "... the listed DHCP server is no incident"
expect blocklist 192.0.2.74 198.51.100.66 2 2 "two flows to a threat-set address"
expect risk 192.0.2.75 198.51.100.80 1 1 "SQL injection in a URL"
expect risk 192.0.2.76 198.51.100.80 1 1 "XSS in a URL"
expect risk 192.0.2.77 198.51.100.81 1 1 "a self-signed certificate"
grep -q '"risks":\["SQL Injection"\]' "$WORK/inc.json"; ok $? "... risks carry nDPI's names"
[ "$(total)" = 10 ]; ok $? "nothing else: 10 incidents (got $(total))"
grep -q "^incidents: 10 (" "$WORK/err"; ok $? "the count line on stderr: $(grep ^incidents: "$WORK/err")"
$PYTHON3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    assert r["event_type"] == "alert" and r["first"] <= r["last"] and r["evidence"], r
    assert r["alert"]["category"] == r["type"] and r["severity"] in ("info", "low", "medium", "high", "critical")
' "$WORK/inc.json"
ok $? "each record is EVE-like: alert, first <= last, evidence flows, a severity"

read_inc "$WORK/inc.pcap"
[ "$(find rogue-ra fe80::bad None | cut -f1)$(find blocklist 192.0.2.74 198.51.100.66 | cut -f1)" = 00 ]
ok $? "without a policy: no routers and no threat set, so neither rogue routers nor blocklist"
[ "$(total)" = 7 ]; ok $? "... and the other 7 incidents (got $(total))"

cat > "$WORK/s.conf" <<'POL'
set vuln_scanners { 192.0.2.70, 192.0.2.71 }
set internal_servers { 198.51.100.0/24 }
incidents {
  suppress scan from $vuln_scanners;
  suppress risk "Self-signed Certificate" to $internal_servers;
  threshold bruteforce 40 in 5m
  risk remove "XSS Attack"
}
POL
read_inc "$WORK/inc.pcap" "$WORK/s.conf"
ok $st "a policy with suppression rules"
[ "$(find scan 192.0.2.70 198.51.100.10 | cut -f1)$(find scan 192.0.2.71 198.51.100.11 | cut -f1)" = 00 ]
ok $? "the vulnerability scanners' scans are suppressed"
expect scan 192.0.2.72 None 254 254 "... another host's sweep is not"
[ "$(find risk 192.0.2.77 198.51.100.81 | cut -f1)" = 0 ]; ok $? "a suppressed risk to internal servers"
[ "$(find bruteforce 192.0.2.73 198.51.100.22 | cut -f1)" = 0 ]; ok $? "30 sessions stay under 'threshold bruteforce 40 in 5m'"
[ "$(find risk 192.0.2.76 198.51.100.80 | cut -f1)" = 0 ]; ok $? "a removed risk is no incident"
expect risk 192.0.2.75 198.51.100.80 1 1 "... the other risks still are"
sup=$(sed -n 's/^incidents: .*suppressed \([0-9]*\),.*/\1/p' "$WORK/err")
[ "${sup:-0}" -ge 1198 ]; ok $? "suppressed events are counted, not lost (got ${sup:-none}: $(grep ^incidents: "$WORK/err"))"

read_inc "$WORK/day.pcap"
ok $st "the quiet working day reads"
[ "$(total)" = 0 ]; ok $? "a quiet working day opens 0 incidents (got $(total): $(head -c 300 "$WORK/inc.json"))"

printf 'incidents {\n  suppress risk "Self-signed Certficate"\n  threshold scan 500 in 1m\n}\n' > "$WORK/bad.conf"
read_inc "$WORK/inc.pcap" "$WORK/bad.conf"
ok $(( st != 2 )) "a bad incidents section: exit 2"
grep -qx "$WORK/bad.conf:2:17: error: unknown nDPI risk \"Self-signed Certficate\" (did you mean \"Self-signed Certificate\"?)" "$WORK/err"
ok $? "... an unknown risk name at FILE:LINE:COL: $(head -1 "$WORK/err")"
grep -qx "$WORK/bad.conf:3:18: error: scan threshold must be 1-127" "$WORK/err"; ok $? "... and a threshold out of range"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
"$ZHULANCTL" policy check "$WORK/bad.conf" > /dev/null 2> "$WORK/err"; st=$?
ok $(( st != 1 )) "zhulanctl policy check finds the same errors (exit 1)"
grep -q "bad.conf:2:17: error: unknown nDPI risk" "$WORK/err"; ok $? "... the risk name at FILE:LINE:COL"
"$ZHULANCTL" policy check "$WORK/s.conf" > "$WORK/out" 2> "$WORK/err"
ok $? "zhulanctl policy check passes the suppression policy"
grep -qx "incidents: 2 suppression rules, 1 threshold, 0 known routers" "$WORK/out"; ok $? "... and sums up its incidents section: $(tail -1 "$WORK/out")"
done_testing
