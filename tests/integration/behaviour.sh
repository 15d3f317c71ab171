#!/bin/bash
# behaviour.sh - Internet-access behaviour management on the namespace lab,
# with real clients and the lab's 20 ms of Internet delay: the issue's
# behaviour block (schedules built around the current time, never a faked
# clock) holds for application, category and domain rules over IPv4 and
# IPv6; blocked TLS fails fast and never completes a handshake; DingTalk
# stays allowed; a retry is refused before it is classified; a policy
# change that lifts a block frees the client within a second; a restart
# puts the blocks back; the access log and the address book name people.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
command -v nft >/dev/null || skip_all "nft not installed (apt-get install nftables)"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zlb$$
chmod 755 "$WORK"
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	"$LAB" down --prefix $P >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
"$LAB" up --prefix $P > "$WORK/lab.log" 2>&1
ok $? "lab up" || { sed 's/^/# /' "$WORK/lab.log" | tail; done_testing; exit 1; }
inns() { local h=$1; shift; "$LAB" exec --prefix $P "$h" "$@"; }
ctl() { "$ZHULANCTL" -s "$WORK/run/control.sock" "$@"; }
start() {
	ip netns exec $P-gw "$ZHULAN" -f -c "$WORK/zhulan.conf" 2>>"$WORK/daemon.log" &
	DPID=$!
	for _ in $(seq 50); do
		kill -0 "$DPID" 2>/dev/null || { sed 's/^/# /' "$WORK/daemon.log" | tail -5; DPID=; return 1; }
		[ -S "$WORK/run/control.sock" ] && ctl status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
stop() { kill -TERM "$DPID"; wait "$DPID"; DPID=; }
# Each service on an address of its own (the lab's web server answers on
# all of them), so that blocking one never blocks another by its address.
declare -A IP4=([www.douyin.com]=198.51.100.11 [im.dingtalk.com]=198.51.100.12
		[www.bilibili.com]=198.51.100.13 [x.casino.example]=198.51.100.14
		[www.county.example]=198.51.100.10)
declare -A IP6=([www.douyin.com]=2001:db8:f::11 [im.dingtalk.com]=2001:db8:f::12
		[www.bilibili.com]=2001:db8:f::13 [x.casino.example]=2001:db8:f::14
		[www.county.example]=2001:db8:f::10)
https() { # https HOST NAME -4|-6 -> curl's status; $hs: TLS handshake done (1/0), $ms
	local h=$1 n=$2 fam=$3 ip t0 out
	if [ "$fam" = -6 ]; then ip="[${IP6[$n]}]"; else ip=${IP4[$n]}; fi
	t0=$(date +%s%N)
	out=$(inns "$h" curl -sk "$fam" --connect-timeout 3 -m 5 -o /dev/null -w '%{time_appconnect}' \
		--resolve "$n:443:$ip" "https://$n/"); local st=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	hs=$(awk -v t="$out" 'BEGIN { print (t > 0) ? 1 : 0 }')
	return $st
}

export LC_ALL=C
now=$(date +%H:%M); day=$(date +%a | tr A-Z a-z)
from=$(date -d "-1 hour" +%H:%M); to=$(date -d "+1 hour" +%H:%M)
[ "$from" \> "$now" ] && from=00:00
[ "$to" \< "$now" ] && to=24:00
cat > "$WORK/policy.conf" <<POL
zone lan { interface lan0 }
zone wan { interface wan0 }
set finance   { 192.0.2.0/26, 2001:db8:10::/64 }
set education { 192.0.2.64/26, 2001:db8:20::/64 }
schedule workhours { $day $from-$to }

filter forward default drop {
  pass from lan to wan
}
filter input default drop {
  pass proto { icmp, icmpv6 }
}

behaviour {
  block app Douyin, Kuaishou, Bilibili from \$finance during workhours
  block category Game, Video from lan during workhours
  limit category Download-FileTransfer-FileSharing rate 2 mbit from lan
  block domain "*.casino.example", "ads.example.com"
  allow app DingTalk, WeCom
  audit all
}
POL
cat > "$WORK/zhulan.conf" <<CONF
interfaces = lan0
database = $WORK/db/zhulan.db
control_socket = $WORK/run/control.sock
policy = $WORK/policy.conf
user = nobody
app_dir = $ZHULAN_DATADIR
flow_timeout_tcp_closed = 2
flow_timeout_udp = 5
CONF

# Before the daemon everything answers, so each check below can fail.
for n in www.douyin.com www.bilibili.com x.casino.example; do
	https fin1 $n -4; ok $? "before any policy fin1 reaches $n"
done
"$ZHULANCTL" policy check "$WORK/policy.conf" > "$WORK/check" 2>&1
ok $? "the issue's behaviour block checks clean: $(tail -1 "$WORK/check")"

start; ok $? "the daemon starts on the gateway with the policy"
https fin1 www.douyin.com -4; st=$?
ok $(( st == 0 )) "finance: HTTPS to Douyin fails during work hours (curl $st)"
ok $(( ms > 1000 )) "... fast, by a reset, not a timeout (${ms} ms)"
ok "$hs" "... without completing a TLS handshake"
https fin1 www.douyin.com -4; st=$?
ok $(( st != 7 )) "a retry is refused at once, before any classification (curl $st, ${ms} ms)"
https fin1 www.douyin.com -6; st=$?
ok $(( st == 0 )) "finance: Douyin over IPv6 fails too (curl $st, ${ms} ms)"
https fin1 im.dingtalk.com -4; ok $? "finance: DingTalk stays allowed"
https fin1 im.dingtalk.com -6; ok $? "finance: DingTalk over IPv6 too"
https edu1 www.bilibili.com -4; st=$?
ok $(( st == 0 )) "education: Bilibili fails under the category rule (curl $st)"
https edu1 www.county.example -4; ok $? "education: the county's own site passes"
https fin2 x.casino.example -4; st=$?
ok $(( st == 0 )) "a blocked domain fails over IPv4 (curl $st)"
https edu1 x.casino.example -6; st=$?
ok $(( st == 0 )) "a blocked domain fails over IPv6 (curl $st)"
ok "$hs" "... without a handshake"

ip netns exec $P-gw nft list set inet zhulan bh_pair_v4 > "$WORK/set4"
grep -q "192.0.2.10 . 198.51.100.11 . 443" "$WORK/set4"; ok $? "the kernel holds fin1 -> Douyin:443 in bh_pair_v4"
grep -q "192.0.2.10 . 198.51.100.12" "$WORK/set4"; ok $(( $? == 0 )) "... and nothing for DingTalk"
ip netns exec $P-gw nft list set inet zhulan bh_pair_v6 | grep -q "2001:db8:20::74 . 2001:db8:f::14 . 443"
ok $? "and edu1 -> the casino over IPv6 in bh_pair_v6"
ctl --json status > "$WORK/st"
p99=$($PYTHON3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["behaviour"]["block_latency_us"]["p99"])' "$WORK/st")
ok $(( ${p99:-99999999} > 20000 )) "from the classifying packet to the kernel set: p99 ${p99} us (well under the server's 20 ms answer)"

# Restart: the blocks come back from the database.
stop
ip netns exec $P-gw nft flush set inet zhulan bh_pair_v4
start; ok $? "the daemon starts again"
ip netns exec $P-gw nft list set inet zhulan bh_pair_v4 | grep -q "192.0.2.10 . 198.51.100.11 . 443"
ok $? "the blocks are restored from the database"
https fin1 www.douyin.com -4; st=$?
ok $(( st != 7 )) "... and refuse fin1's Douyin at once (curl $st)"

# Lifting the block: a policy whose work hours are another day.
other=$(date -d "+1 day" +%a | tr A-Z a-z)
sed "s/^schedule workhours { .* }/schedule workhours { $other 00:00-24:00 }/" "$WORK/policy.conf" > "$WORK/lifted.conf"
t0=$(date +%s%N)
ctl policy apply "$WORK/lifted.conf" > "$WORK/out" 2>&1; ok $? "apply the policy with work hours on $other"
https fin1 www.douyin.com -4; st=$?
t1=$(( ($(date +%s%N) - t0) / 1000000 ))
ok $st "outside work hours finance reaches Douyin again ($t1 ms after the apply began)"
ok $(( t1 > 1000 )) "... within a second"
https edu1 www.bilibili.com -4; ok $? "and education Bilibili"
https fin2 x.casino.example -4; st=$?
ok $(( st == 0 )) "the domain rule has no schedule: still blocked (curl $st)"
ip netns exec $P-gw nft list set inet zhulan bh_pair_v4 > "$WORK/set4"
grep -q "192.0.2.10 . 198.51.100.11" "$WORK/set4"; ok $(( $? == 0 )) "the lifted block left the kernel"
grep -q "192.0.2.11 . 198.51.100.14 . 443" "$WORK/set4"; ok $? "the domain block it still justifies stayed"

stop
[ "$(ip netns exec $P-gw nft list tables)" = "table inet zhulan" ]; ok $? "only inet zhulan in the gateway"
done_testing
