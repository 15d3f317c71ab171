#!/bin/bash
# quiet_day.sh - issue #11's quiet day: 30 minutes of a county office's
# normal traffic (web, DNS, ssh logins that succeed, a login with a typo in
# the user name now and then) opens 0 incidents, read offline and in the
# running daemon; a real nmap scan right after it opens exactly one.
#
# QD_KEEP=DIR keeps the test's files (captures, the day, logs) in DIR.
#
# The day is made of real traffic: the lab's six hosts run curl, wget, dig
# and ssh one action at a time while tcpdump records the gateway's lan0;
# quiet_day.py turns each action into a template and lays out a working day
# of 30 hosts in three departments from them (sites of their own, pauses,
# three admins' ssh sessions). `zhulan --read` of it: 0 incidents. Then the
# daemon captures on lan0 while tcpreplay plays the day into fin1's port of
# the bridge 15 times as fast (the rate thresholds see 15 times the rate):
# 0 incidents in `zhulanctl incidents` and GET /v1/incidents, every packet
# seen, as many flows as the offline read, and fin2's nmap -sS afterwards
# is one scan incident - the detectors were live.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
for t in tcpdump tcpreplay nmap jq wget; do
	command -v $t >/dev/null || skip_all "$t is not installed (packaging/install-deps)"
done
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zlq$$
SPEED=15
TPID=
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	[ -n "$TPID" ] && kill "$TPID" 2>/dev/null
	"$LAB" down --prefix $P >/dev/null 2>&1
	[ -n "${QD_KEEP:-}" ] && cp -r "$WORK" "$QD_KEEP"
	rm -rf "$WORK"
}
trap cleanup EXIT
T0=$(date +%s)
el() { diag "$1 at $(( $(date +%s) - T0 )) s"; }
chmod 755 "$WORK"
lab_up $P "$WORK/lab.log"
# one packet per segment on the wire (no 64 KB GSO frames in the capture,
# which tcpreplay could not send again)
st=0
for h in inet fin1 fin2 edu1 edu2 hea1 hea2; do ip -n "$P-$h" link set dev eth0 gso_max_segs 1 || st=1; done
ok $st "the lab's hosts and servers send one segment per packet (gso_max_segs 1)"

# ---------------------------------------------------------------- real traffic
ip netns exec "$P-gw" tcpdump -i lan0 -n -s 0 -U -w "$WORK/real.pcap" 2>"$WORK/tcpdump.log" &
TPID=$!
for _ in $(seq 50); do grep -q "listening on" "$WORK/tcpdump.log" && break; sleep 0.1; done
grep -q "listening on" "$WORK/tcpdump.log"; ok $? "tcpdump listens on the gateway's lan0"

act() { # act HOST KIND NAME CMD...: one action in HOST's namespace, logged with its times
	local h=$1 k=$2 n=$3 t0 rc
	shift 3
	t0=$(date +%s.%N)
	ip netns exec "$P-$h" timeout 20 "$@" >/dev/null 2>&1 </dev/null
	rc=$?
	echo "$h $k $t0 $(date +%s.%N) $rc $n" >> "$WORK/actions.$h"
	sleep 0.4
}
worker() { # worker HOST ADMIN: what a person there does, one thing at a time
	local h=$1 admin=$2 i=0 n end=$(( $(date +%s) + 20 ))
	local names=(www.county.example weixin.qq.com work.weixin.qq.com im.dingtalk.com
		www.baidu.com www.zhihu.com www.jd.com www.bilibili.com github.com)
	RANDOM=$BASHPID
	while [ "$(date +%s)" -lt "$end" ]; do
		n=${names[RANDOM % ${#names[@]}]}
		i=$((i + 1))
		if [ "$admin" = 1 ] && [ $((i % 4)) = 0 ]; then
			case $((i / 4 % 3)) in
			0) act "$h" ssh ssh.county.example ssh ssh.county.example 'uptime; ls / >/dev/null';;
			1) act "$h" ssh ssh.county.example sh -c "head -c 300000 /dev/urandom | ssh ssh.county.example 'cat >/dev/null; df >/dev/null'";;
			2) act "$h" ssh ssh.county.example ssh ssh.county.example 'for i in 1 2 3 4; do date; sleep 1; done';;
			esac
			[ "$i" = 4 ] && act "$h" typo ssh.county.example ssh "adnim@ssh.county.example" true
			continue
		fi
		case $((i % 6)) in
		0) act "$h" api "$n" curl -sk --max-time 10 -o /dev/null "https://$n/api/feed";;
		1) act "$h" page "$n" curl -sk --max-time 10 -o /dev/null -o /dev/null -o /dev/null \
			"https://$n/" "https://$n/api/feed" "https://$n/static/ping.json";;
		2) act "$h" http "$n" curl -s --max-time 10 -o /dev/null "http://$n/";;
		3) act "$h" wget "$n" wget -q -O /dev/null --no-check-certificate -T 10 -t 1 "https://$n/static/ping.json";;
		4) act "$h" dig "$n" dig +time=2 +tries=1 +short "$n" A;;
		5) act "$h" asset "$n" curl -sk --max-time 15 -o /dev/null "https://$n/static/app.js";;
		esac
	done
}
pids=
for h in fin1 fin2 edu1 edu2 hea1 hea2; do
	admin=0
	case $h in fin1|edu2|hea1) admin=1;; esac
	worker $h $admin & pids="$pids $!"
done
wait $pids
sleep 1; kill -INT "$TPID"; wait "$TPID" 2>/dev/null; TPID=
cat "$WORK"/actions.* > "$WORK/actions.log"
el "capture done"
nact=$(wc -l < "$WORK/actions.log")
nfail=$(awk '$2 != "typo" && $5 != 0' "$WORK/actions.log" | wc -l)
ntypo=$(awk '$2 == "typo" && $5 != 0' "$WORK/actions.log" | wc -l)
[ "$nact" -ge 60 ] && [ "$nfail" -le $((nact / 20)) ] && [ "$ntypo" -ge 1 ]
ok $? "20 s of real clients in the lab: $nact actions ($(cut -d' ' -f2 "$WORK/actions.log" | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')$nfail failed, $ntypo typo logins refused), $(tcpdump -r "$WORK/real.pcap" -n 2>/dev/null | wc -l) packets"

# ---------------------------------------------------------------- the day
"$PYTHON3" "$top_srcdir/tests/integration/quiet_day.py" "$WORK/real.pcap" "$WORK/actions.log" "$WORK/day.pcap" \
	--host fin1=192.0.2.10,2001:db8:10::10 --host fin2=192.0.2.11 --host edu1=192.0.2.74,2001:db8:20::74 \
	--host edu2=192.0.2.75 --host hea1=192.0.2.138,2001:db8:30::138 --host hea2=192.0.2.139 \
	--web 198.51.100.10,2001:db8:f::10 --ssh 198.51.100.22,2001:db8:f::22 \
	--hosts 30 --minutes 30 > "$WORK/day.json" 2>"$WORK/day.err"
ok $? "quiet_day.py lays out the working day: $(cat "$WORK/day.json" "$WORK/day.err")"
el "day laid out"
pkts=$(jq .packets "$WORK/day.json")
span=$(jq .span_s "$WORK/day.json")
[ "${span%.*}" -ge 1700 ] && [ "$(jq .hosts "$WORK/day.json")" = 30 ] && [ "$(jq .actions.ssh "$WORK/day.json")" -ge 15 ]
ok $? "... 30 hosts over $span s of packet time, $(jq .actions.ssh "$WORK/day.json") ssh sessions and $(jq .actions.typo "$WORK/day.json") typo logins of 3 admins"

"$ZHULAN" -q --read "$WORK/day.pcap" --incidents-json "$WORK/inc.json" --flows-json "$WORK/flows.json" 2>"$WORK/read.err"
ok $? "zhulan --read of the day: $(tr '\n' ' ' < "$WORK/read.err")"
el "read offline"
flows=$(wc -l < "$WORK/flows.json")
[ "$(wc -l < "$WORK/inc.json")" = 0 ]
ok $? "offline, in packet time (true 30-minute windows): 0 incidents in $flows flows ($(head -c 400 "$WORK/inc.json"))"
src() { jq -r "select(.src_ip | startswith(\"$1\")) | .src_ip" "$WORK/flows.json" | sort -u | wc -l; }
[ "$(src 192.0.2.)" = 30 ] && [ "$(src 2001:db8:)" = 15 ]
ok $? "... from 30 hosts, 15 of them also over IPv6 ($(src 2001:db8:) IPv6 addresses), to $(jq -r .dst_ip "$WORK/flows.json" | sort -u | wc -l) servers"

# ---------------------------------------------------------------- the daemon
cat > "$WORK/policy.conf" <<'POL'
zone lan { interface lan0 }
zone wan { interface wan0 }
filter forward default drop {
  pass from lan to wan
}
POL
lab_conf
start; ok $? "the daemon starts on the lab gateway, capturing on lan0"
ctl --json status > "$WORK/st0.json"
sum() { jq "[.interfaces[].$1] | add" "$2"; }
wantx() { ip -n "$P-gw" -s -j link show wan0 | jq '.[0].stats64.tx.packets'; }
w0=$(wantx)
t1=$(date +%s)
ip netns exec "$P-fin1" tcpreplay -i eth0 --preload-pcap --multiplier=$SPEED "$WORK/day.pcap" > "$WORK/replay.log" 2>&1
ok $? "tcpreplay plays the day into fin1's port of lan0 at ${SPEED}x: $(( $(date +%s) - t1 )) s ($(grep -m1 'Actual:' "$WORK/replay.log"))"
[ $(( $(wantx) - w0 )) -lt 1000 ]
ok $? "... and none of it leaves the LAN: the gateway sent $(( $(wantx) - w0 )) packets to the Internet meanwhile"
# flows end within the test's timeouts (6 s); the incidents thread writes once a second
for _ in $(seq 30); do
	ctl --json status > "$WORK/st1.json"
	[ "$(sum flows_live "$WORK/st1.json")" -le 5 ] && break
	sleep 0.5
done
sleep 2
el "flows drained"
ctl --json status > "$WORK/st1.json"
seen=$(( $(sum packets "$WORK/st1.json") - $(sum packets "$WORK/st0.json") ))
dflows=$(( $(sum flows_created "$WORK/st1.json") - $(sum flows_created "$WORK/st0.json") ))
[ "$seen" -ge "$pkts" ] && [ "$(sum kernel_dropped "$WORK/st1.json")" = 0 ]
ok $? "the daemon saw every packet ($seen of $pkts; kernel dropped $(sum kernel_dropped "$WORK/st1.json"))"
[ "$dflows" -ge $((flows * 95 / 100)) ] && [ "$dflows" -le $((flows * 13 / 10)) ] &&
	[ "$(jq .database.dropped "$WORK/st1.json")" = 0 ]
ok $? "... and made about the offline read's flows of them ($dflows, offline $flows; store dropped $(jq .database.dropped "$WORK/st1.json"))"
ctl --json incidents > "$WORK/list.json"
[ "$(jq '.incidents | length' "$WORK/list.json")" = 0 ]
ok $? "zhulanctl incidents --json: 0 incidents ($(jq -c '[.incidents[] | [.type, .src_ip, .dest_ip, .count]]' "$WORK/list.json" | head -c 400))"
curl -s --unix-socket "$WORK/run/control.sock" http://zhulan/v1/incidents > "$WORK/get.json"
[ "$(jq '.incidents | length' "$WORK/get.json")" = 0 ]; ok $? "GET /v1/incidents: 0 incidents ($(head -c 200 "$WORK/get.json"))"
[ "$(sum incident_events "$WORK/st1.json")" = 0 ] && [ "$(jq .incidents.opened "$WORK/st1.json")" = 0 ]
ok $? "... the detectors reported nothing (status: incident_events $(sum incident_events "$WORK/st1.json"), opened $(jq .incidents.opened "$WORK/st1.json"))"

# the control: the detectors were live all along
inns fin2 nmap -n -Pn -sS -T4 -p 1-1000 198.51.100.10 > "$WORK/nmap.log" 2>&1
ok $? "nmap -sS of 1,000 ports from fin2"
for _ in $(seq 40); do
	ctl --json incidents > "$WORK/list.json" 2>/dev/null && [ "$(jq '.incidents | length' "$WORK/list.json")" -ge 1 ] && break
	sleep 0.5
done
sleep 1
ctl --json incidents > "$WORK/list.json"
[ "$(jq -c '[.incidents[] | [.type, .src_ip, .dest_ip, .count >= 900]]' "$WORK/list.json")" = '[["scan","192.0.2.11","198.51.100.10",true]]' ]
ok $? "... is exactly one incident: a scan from fin2 ($(jq -c '[.incidents[] | [.type, .src_ip, .dest_ip, .count]]' "$WORK/list.json" | head -c 400))"

stop; ok $st "the daemon stops cleanly (exit $st, $ms ms)"
grep -i 'sanitizer\|runtime error' "$WORK/daemon.log" | head -3 | sed 's/^/# /'
! grep -qi 'sanitizer\|runtime error' "$WORK/daemon.log"; ok $? "no sanitizer reports"
diag "wall time $(( $(date +%s) - T0 )) s"
done_testing
