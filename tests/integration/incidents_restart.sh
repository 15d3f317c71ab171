#!/bin/bash
# incidents_restart.sh - the policy's thresholds and an incident that goes
# on across a restart, on the lab with real tools: with `threshold violation
# 5 in 10m` (the default is 50) a handful of blocked attempts from fin1 is
# a policy-violation incident; an nmap scan from fin1 is a scan incident.
# The daemon restarts; the same scan and more blocked attempts add to those
# two incidents (their count grows, their id stays) instead of opening new
# ones, because the open incidents of the dedup window come back from the
# store at start. Notes and the reports archive name the plain account
# ("sam"), the audit how it came ("sam via daemon(uid 0) from ...").
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
command -v nft >/dev/null || skip_all "nft not installed (apt-get install nftables)"
command -v nmap >/dev/null || skip_all "nmap is not installed (packaging/install-deps)"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zlr$$
chmod 755 "$WORK"
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	"$LAB" down --prefix $P >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
lab_up $P "$WORK/lab.log"

cat > "$WORK/policy.conf" <<'POL'
zone lan { interface lan0 }
zone wan { interface wan0 }
filter forward default drop {
  pass from lan to wan
}
behaviour {
  block domain "*.casino.example"
}
incidents {
  threshold violation 5 in 10m
  dedup 2h
}
POL
lab_conf
echo "block_hold = 1" >> "$WORK/zhulan.conf"

# attempts at a blocked domain; each block holds its pair for a second, so
# going round five addresses of the lab's web server blocks each anew
attempts() {
	for i in $(seq 0 $(($1 - 1))); do
		inns fin1 curl -sk --connect-timeout 2 -m 3 -o /dev/null \
			--resolve "x.casino.example:443:198.51.100.1$((i % 5))" https://x.casino.example/
		sleep 0.3
	done
	return 0
}
# incident TYPE: its JSON once it is listed with at least MIN in its count
incident() {
	for _ in $(seq 40); do
		ctl --json incidents --type "$1" > "$WORK/l.json" 2>/dev/null &&
			[ "$(jq "[.incidents[] | select(.src_ip == \"192.0.2.10\" and .count >= $2)] | length" "$WORK/l.json")" -ge 1 ] && break
		sleep 0.5
	done
	jq -c '[.incidents[] | select(.src_ip == "192.0.2.10")]' "$WORK/l.json"
}

start; ok $? "the daemon starts with 'threshold violation 5 in 10m' and 'dedup 2h'"
attempts 8
pol=$(incident policy 6)
[ "$(jq length <<<"$pol")" = 1 ] && [ "$(jq '.[0].count' <<<"$pol")" -ge 6 ]
ok $? "8 blocked attempts are a policy violation under the lowered threshold ($(jq -c '[.[] | {id, count}]' <<<"$pol"))"
P1=$(jq '.[0].id' <<<"$pol"); C1=$(jq '.[0].count' <<<"$pol")
inns fin1 nmap -n -Pn -sS -T4 -p 1-300 198.51.100.10 > "$WORK/nmap1.log" 2>&1
ok $? "nmap -sS of 300 ports from fin1"
scan=$(incident scan 200)
[ "$(jq length <<<"$scan")" = 1 ]; ok $? "one scan incident ($(jq -c '[.[] | {id, count}]' <<<"$scan"))"
S1=$(jq '.[0].id' <<<"$scan"); SC1=$(jq '.[0].count' <<<"$scan")

stop; ok $st "the daemon stops (exit $st)"
start; ok $? "... and starts again"
ctl --json status > "$WORK/status.json"
[ "$(jq '.incidents.restored' "$WORK/status.json")" -ge 2 ]
ok $? "the open incidents of the window are read back ($(jq -c '.incidents | {restored}' "$WORK/status.json"))"
inns fin1 nmap -n -Pn -sS -T4 -p 301-600 198.51.100.10 > "$WORK/nmap2.log" 2>&1
ok $? "fin1 scans 300 more ports after the restart"
scan=$(incident scan $((SC1 + 200)))
[ "$(jq length <<<"$scan")" = 1 ] && [ "$(jq '.[0].id' <<<"$scan")" = "$S1" ] &&
	[ "$(jq '.[0].count' <<<"$scan")" -gt "$SC1" ]
ok $? "... the same scan incident #$S1, its count grown from $SC1 ($(jq -c '[.[] | {id, count, first, last}]' <<<"$scan"))"
attempts 8
pol=$(incident policy $((C1 + 6)))
[ "$(jq length <<<"$pol")" = 1 ] && [ "$(jq '.[0].id' <<<"$pol")" = "$P1" ] &&
	[ "$(jq '.[0].count' <<<"$pol")" -gt "$C1" ]
ok $? "8 more blocked attempts add to policy violation #$P1, count grown from $C1 ($(jq -c '[.[] | {id, count}]' <<<"$pol"))"
jq -r '.[0].message.en' <<<"$scan" | grep -q '^host 192.0.2.10 scanned [0-9,]* ports of 198.51.100.10 in [0-9]'
ok $? "... its sentence spans both: $(jq -r '.[0].message.en' <<<"$scan")"

# notes and reports name the plain account; the audit keeps how it came
console_account sam security 2>"$WORK/acct.err" && console_account rita report 2>>"$WORK/acct.err"
ok $? "console accounts sam (security) and rita (report)" || sed "s/^/# /" "$WORK/acct.err"
as() { local u=$1 r=$2; shift 2; curl -s --unix-socket "$WORK/run/control.sock" -H "X-Zhulan-User: $u" \
	-H "X-Zhulan-Role: $r" -H "X-Zhulan-Client: 127.0.0.1" "$@"; }
as sam security -d '{"action":"ack","note":"asking fin-pc-01"}' "http://zhulan/v1/incidents/$S1" > "$WORK/ack.json"
ctl incident "$S1" resolve --note "a scheduled scan" > /dev/null
ctl --json incident "$S1" > "$WORK/one.json"
[ "$(jq -r '[.notes[].who] | join(",")' "$WORK/one.json")" = "sam,root" ]
ok $? "an incident's notes name the accounts, sam and root ($(jq -c '[.notes[].who]' "$WORK/one.json"))"
ctl incident "$S1" | grep -q 'sam' && ! ctl incident "$S1" | grep -q 'via'
ok $? "... and zhulanctl incident shows them so"
curl -s --unix-socket "$WORK/run/control.sock" "http://zhulan/v1/audit?limit=1000" > "$WORK/audit.json"
jq -r '.audit[] | select(.action == "incident change") | .who' "$WORK/audit.json" | grep -q '^sam via .*from 127.0.0.1$'
ok $? "the audit keeps who and how: $(jq -r '[.audit[] | select(.action == "incident change") | .who] | join("; ")' "$WORK/audit.json")"
as rita report -d "{\"month\":\"$(date -u +%Y-%m)\",\"format\":\"csv\"}" http://zhulan/v1/reports > "$WORK/rep.json"
# generation is a job (202): wait until it is done, failed, or 60 s pass
job=$(jq -r '.job.id // empty' "$WORK/rep.json")
for _ in $(seq 1 120); do
	st_job=$(as rita report "http://zhulan/v1/reports/jobs/$job" | jq -r '.job.state // empty')
	case $st_job in done|failed) break ;; esac
	sleep 0.5
done
as rita report http://zhulan/v1/reports > "$WORK/reps.json"
[ "$(jq -r '[.. | objects | select(has("sha256") and has("who")) | .who] | first' "$WORK/reps.json")" = rita ]
ok $? "a report generated by rita says 'rita' ($(jq -c '[.. | objects | select(has("sha256") and has("who")) | .who]' "$WORK/reps.json"); $(head -c 150 "$WORK/rep.json"))"

stop; ok $st "the daemon stops cleanly (exit $st)"
! grep -qi 'sanitizer\|runtime error' "$WORK/daemon.log"; ok $? "no sanitizer reports"
done_testing
