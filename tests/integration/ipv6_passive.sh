#!/bin/bash
# ipv6_passive.sh - the IPv6 measurement on the lab, from the traffic the
# daemon sees on the gateway's lan0: a name server of the test's own in
# the Internet namespace gives AAAA for some names and not for others;
# fin1 (dual-stack) downloads 20 MB over IPv6 and 20 MB over IPv4, edu1
# (an IPv6 address) downloads 20 MB and does everything over IPv4, fin2
# (IPv4 only) downloads 20 MB. fin1's IPv4 download is of the name without
# AAAA, so only edu1's name is used over IPv4 although it has AAAA. Then: fin1 is dual-stack active, edu1 has
# IPv6 but does not use it, fin2 is IPv4-only; the county's and fin1's
# IPv6 shares of bytes are the test's own (25 % and 50 %, within 1 point:
# headers are counted, and IPv6's are 20 bytes longer); the name with
# AAAA that edu1 reached over IPv4 tops the to-do list, the name without
# AAAA is on the other; per-host rows are refused to the report role.
# Days are the gateway's local dates: the daemon runs in Asia/Shanghai
# (UTC+8) and its day is Shanghai's date; then in a zone where it is 23:30
# (or 00:30) now on a date that is not the UTC date, and a flow counts on
# that local date (not on the UTC date, as when days were UTC days); then
# in UTC.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
command -v dnsmasq >/dev/null || skip_all "dnsmasq not installed"
command -v dig >/dev/null || skip_all "dig not installed (dnsutils)"
command -v jq >/dev/null || skip_all "jq not installed"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zl6p$$
NS4=198.51.100.54 NS6=2001:db8:f::54 WEB4=198.51.100.10 WEB6=2001:db8:f::10
chmod 755 "$WORK"
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	[ -s "$WORK/dnsmasq.pid" ] && kill "$(cat "$WORK/dnsmasq.pid")" 2>/dev/null
	"$LAB" down --prefix $P >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
lab_up $P "$WORK/lab.log"

# The test's name server: dual.example and v6.example have A and AAAA,
# v4only.example only A: with --local an AAAA question gets an empty
# NOERROR answer (without it, REFUSED: no upstream, which says nothing).
ip -n $P-inet addr add $NS4/32 dev lo
ip -n $P-inet -6 addr add $NS6/128 dev lo nodad
ip netns exec $P-inet dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
	--bind-interfaces --listen-address=$NS4 --listen-address=$NS6 --port=53 \
	--user=nobody --group=nogroup --pid-file="$WORK/dnsmasq.pid" \
	--host-record=dual.example,$WEB4,$WEB6 --host-record=v6.example,$WEB4,$WEB6 \
	--host-record=v4only.example,$WEB4 --local=/example/ > "$WORK/dnsmasq.log" 2>&1
ok $? "the test's name server starts"

cat > "$WORK/policy.conf" <<'POL'
zone lan { interface lan0 }
zone wan { interface wan0 }
filter forward default drop {
  pass from lan to wan
}
filter input default drop {
  pass proto { icmp, icmpv6 }
}
# the internal zone: the county's portal on addresses of its own
set county_portal { 198.51.100.11/32, 2001:db8:f::11 }
ipv6 { internal $county_portal }
POL
lab_conf
# ipv6_internal is the fallback: the policy's section comes first
echo "ipv6_internal = 203.0.113.99" >> "$WORK/zhulan.conf"
# the daemon's zone comes from TZ (systemd's units set none: /etc/localtime)
export TZ=Asia/Shanghai
d0=$(date +%F)
start; ok $? "the daemon starts on the gateway (TZ=$TZ)"

q() {   # q HOST NS NAME TYPE: the answer's records
	inns "$1" dig +short +tries=1 +time=3 @"$2" "$3" "$4"
}
get() {   # get HOST -4|-6 NAME ADDRESS: 20 MB; prints the bytes received
	inns "$1" curl -s "$2" -m 60 -o /dev/null -w '%{size_download}' \
		--resolve "$3:80:$4" "http://$3/files/20MB.bin"
}
# fin1: asks for both record types and uses each family where it fits
q fin1 $NS6 v6.example AAAA | grep -q "$WEB6"; ok $? "fin1: v6.example has AAAA"
q fin1 $NS6 v6.example A > /dev/null
f16=$(get fin1 -6 v6.example "[$WEB6]")
f14=$(get fin1 -4 v4only.example $WEB4)   # a name without AAAA: IPv4 is right
# edu1: an IPv6 address, every packet over IPv4; its ping to the gateway
# over IPv6 (neighbour discovery puts its address in the gateway's table)
# is not IPv6 use
inns edu1 ping -6 -c 1 -W 2 2001:db8:20::1 > /dev/null; ok $? "edu1 has IPv6 (ping6 to the gateway)"
q edu1 $NS4 dual.example AAAA | grep -q "$WEB6"; ok $? "edu1: dual.example has AAAA"
q edu1 $NS4 dual.example A > /dev/null
e14=$(get edu1 -4 dual.example $WEB4)
# fin2: IPv4 only; its name has no AAAA
inns fin2 dig +tries=1 +time=3 @$NS4 v4only.example AAAA | grep -q 'status: NOERROR' &&
	[ -z "$(q fin2 $NS4 v4only.example AAAA)" ]; ok $? "fin2: v4only.example has no AAAA (NODATA)"
q fin2 $NS4 v4only.example A > /dev/null
f24=$(get fin2 -4 v4only.example $WEB4)
# the portal: fin1 over IPv6, fin2 over IPv4 (a page each)
inns fin1 curl -s -6 -m 10 -o /dev/null --resolve "portal.county.example:80:[2001:db8:f::11]" \
	http://portal.county.example/; ok $? "fin1 opens the portal over IPv6"
inns fin2 curl -s -4 -m 10 -o /dev/null --resolve "portal.county.example:80:198.51.100.11" \
	http://portal.county.example/; ok $? "fin2 opens the portal over IPv4"
all=$(( ${f16:-0} + ${f14:-0} + ${e14:-0} + ${f24:-0} ))
ok $(( all == 4 * 20971520 ? 0 : 1 )) "four downloads of 20 MB ($f16 $f14 $e14 $f24)"

# Flows end within seconds; the neighbour table is read every 30 s.
for _ in $(seq 90); do
	ctl --json ipv6 > "$WORK/sum.json" 2>/dev/null &&
		[ "$(jq '.county.hosts.total' "$WORK/sum.json")" = 3 ] &&
		[ "$(jq '.county.hosts.ipv6_idle' "$WORK/sum.json")" = 1 ] && break
	sleep 1
done
ctl --json ipv6 hosts > "$WORK/hosts.json"
ctl --json ipv6 services > "$WORK/svc.json"
state() { jq -r --arg a "$1" '.hosts[] | select(.addresses | index($a)) | .state' "$WORK/hosts.json"; }
jq -c '.county' "$WORK/sum.json" | sed 's/^/# /'
jq -c '.hosts[] | [.host, .state, .addresses, .bytes_ipv6_share]' "$WORK/hosts.json" | sed 's/^/# /'
is() { [ "$1" = "$2" ]; ok $? "$3 (got \"$1\")"; }
is "$(jq '.county.hosts.total' "$WORK/sum.json")" 3 "three county hosts with traffic"
is "$(state 192.0.2.10)" dual_stack_active "fin1, which used IPv6, is dual-stack active"
is "$(jq -r '.hosts[] | select(.addresses | index("192.0.2.10")) | .addresses | index("2001:db8:10::10") != null' \
	"$WORK/hosts.json")" true "fin1's IPv4 and IPv6 addresses are one host (joined by MAC)"
is "$(state 192.0.2.75)$(state 192.0.2.74)" ipv6_idle "edu1, IPv6 address but all over IPv4, is counted so"
is "$(state 192.0.2.11)" ipv4_only "fin2 is IPv4-only"
within() {   # within GOT WANT: |GOT - WANT| <= 1 (percentage points)
	awk -v g="$1" -v w="$2" 'BEGIN { d = g - w; exit !(d <= 1 && d >= -1) }'
}
share=$(jq '.county.bytes.ipv6_share' "$WORK/sum.json")
want=$(awk -v a="$f16" -v t="$all" 'BEGIN { printf "%.2f", 100 * a / t }')
within "$share" "$want"; ok $? "county IPv6 share of bytes $share% = the test's $want% (within 1 point)"
share=$(jq '.hosts[] | select(.addresses | index("192.0.2.10")) | .bytes_ipv6_share' "$WORK/hosts.json")
want=$(awk -v a="$f16" -v b="$f14" 'BEGIN { printf "%.2f", 100 * a / (a + b) }')
within "$share" "$want"; ok $? "fin1's IPv6 share of bytes $share% = the test's $want% (within 1 point)"
is "$(jq '.county.dual_stack_use_share' "$WORK/sum.json")" 50 "half the dual-stack hosts use IPv6"
is "$(jq -r '.todo.aaaa_over_ipv4[0].name' "$WORK/svc.json")" dual.example \
	"a name with AAAA reached over IPv4 tops the to-do list"
is "$(jq '.todo.aaaa_over_ipv4 | length' "$WORK/svc.json")" 1 \
	"and is alone there (v6.example went over IPv6, the portal is internal)"
is "$(jq -r '.todo.no_aaaa | map(.name) | index("v4only.example") != null' "$WORK/svc.json")" true \
	"the name without AAAA is on the providers' list"
is "$(jq -r '.services[] | select(.name == "v6.example") | .reached_over_ipv6' "$WORK/svc.json")" true \
	"v6.example was reached over IPv6"
is "$(jq '.targets.traffic_percent' "$WORK/sum.json")" 27 "the national target comes with the figures"
is "$(jq -r '.internal[] | select(.name == "portal.county.example") | .reached_over_ipv6' "$WORK/svc.json")" \
	true "the internal zone's portal serves over IPv6"
is "$(jq -c '.internal' "$WORK/sum.json")" '{"servers":2,"serving_ipv6":1}' \
	"internal servers: its two addresses, one serving over IPv6"
is "$(jq -r '.services | map(.name) | index("portal.county.example")' "$WORK/svc.json")" null \
	"the portal is not an external service"
ctl ipv6 | grep -q '^county'; ok $? "zhulanctl ipv6 prints the county's row"
d1=$(date +%F)
day=$(jq -r .day "$WORK/sum.json")
[ "$day" = "$d0" ] || [ "$day" = "$d1" ]; ok $? "the day is Shanghai's date $d1 (got $day; UTC: $(date -u +%F))"
ctl ipv6 | head -1 | grep -q "^IPv6 on $(date +%F) (the gateway's local date"
ok $? "zhulanctl ipv6 shows the local date"
ctl ipv6 services | grep -q 'dual.example'; ok $? "zhulanctl ipv6 services lists the to-do"

# Roles: the report role reads the figures, not the hosts (personal data).
console_account rep report; ok $? "a report account"
rep() { curl -s -o /dev/null -w '%{http_code}' --unix-socket "$WORK/run/control.sock" \
	-H 'X-Zhulan-User: rep' -H 'X-Zhulan-Role: report' "http://zhulan$1"; }
is "$(rep /v1/ipv6)" 200 "report reads /v1/ipv6"
is "$(rep /v1/ipv6/trend?days=30)" 200 "report reads the trend"
is "$(rep /v1/ipv6/hosts)" 403 "report may not read per-host rows"
is "$(curl -s -X POST --unix-socket "$WORK/run/control.sock" http://zhulan/v1/ipv6/snapshot |
	jq .taken)" true "a snapshot on demand"
stop; ok $st "the daemon stops cleanly"

# A zone whose date is not the UTC date, late or early in its day: 23:30
# a day behind UTC (POSIX TZ "ZLT+H:M" is H:M behind), or after 23:00 UTC
# 00:30 a day ahead ("ZLT-H:M"). A flow now counts on that local date, not
# on the UTC date (as when days were UTC days). A database of its own, so
# the local date's rows are this flow's only.
tod=$(( $(date -u +%s) % 86400 ))
if [ $tod -le 82800 ]; then off=$(( tod + 1800 )) sign=+; else off=$(( 88200 - tod )) sign=-; fi
export TZ=$(printf 'ZLT%s%d:%02d' $sign $(( off / 3600 )) $(( off % 3600 / 60 )))
ld=$(date +%F) ud=$(date -u +%F)
[ "$ld" != "$ud" ]; ok $? "TZ=$TZ: it is $(date '+%F %H:%M') local, $(date -u '+%F %H:%M') UTC"
sed -i "s|^database = .*|database = $WORK/db/local.db|" "$WORK/zhulan.conf"
start; ok $? "the daemon starts again in that zone"
inns fin2 curl -s -4 -m 10 -o /dev/null --resolve "portal.county.example:80:198.51.100.11" \
	http://portal.county.example/; ok $? "fin2 opens the portal at $(date +%H:%M) local"
host_bytes() {   # host_bytes FILE ADDRESS: the host's bytes that day
	jq --arg a "$2" '[.hosts[] | select(.addresses | index($a)) | .bytes_ipv4 + .bytes_ipv6] | add // 0' "$1"
}
for _ in $(seq 60); do
	ctl --json ipv6 hosts > "$WORK/hosts2.json" 2>/dev/null &&
		[ "$(host_bytes "$WORK/hosts2.json" 192.0.2.11)" -gt 0 ] && break
	sleep 1
done
is "$(jq -r .day "$WORK/hosts2.json")" "$ld" "today is the local date"
ok $(( $(host_bytes "$WORK/hosts2.json" 192.0.2.11) > 0 ? 0 : 1 )) "fin2's flow counts on the local date $ld"
api() { curl -s --unix-socket "$WORK/run/control.sock" "http://zhulan$1"; }
api "/v1/ipv6/hosts?day=$ud" > "$WORK/hosts_utc.json"
is "$(jq -r .day "$WORK/hosts_utc.json"):$(host_bytes "$WORK/hosts_utc.json" 192.0.2.11)" "$ud:0" \
	"and not on the UTC date $ud"
is "$(api /v1/ipv6/trend?days=7 | jq -r '.today + " " + (.trend | map(.day) | join(","))')" "$ld $ld" \
	"the trend's window ends at the local date, which has the figures"
stop; ok $st "the daemon stops cleanly"

# UTC: the day is the UTC date
export TZ=UTC
start; ok $? "the daemon starts again in UTC"
u0=$(date -u +%F)
ctl --json ipv6 > "$WORK/sum3.json"
day=$(jq -r .day "$WORK/sum3.json")
[ "$day" = "$u0" ] || [ "$day" = "$(date -u +%F)" ]; ok $? "in UTC the day is the UTC date (got $day)"
stop; ok $st "the daemon stops cleanly"
done_testing
