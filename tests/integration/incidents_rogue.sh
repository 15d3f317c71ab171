#!/bin/bash
# incidents_rogue.sh - rogue routers and DHCP servers in the running daemon,
# from real tools on the lab's LAN bridge: the gateway runs radvd and a
# dnsmasq DHCP server and is the only router the policy lists (by its
# link-local address and its MAC, as zhulan-policy(5) says); its
# advertisements and offers give no incident. Then hea2 runs radvd and
# dnsmasq of its own: one rogue-ra and one rogue-dhcp incident naming hea2's
# address and MAC, whose counts rise with further advertisements and offers
# (udhcpc in fin2 asks once for broadcast replies and once for unicast
# ones), in `zhulanctl --json incidents` and GET /v1/incidents alike.
# `zhulan --read` of tcpdump's capture of the same traffic on lan0 gives the
# same incidents, with the routers listed by MAC only and by address only.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
for t in radvd udhcpc dnsmasq tcpdump jq; do
	command -v $t >/dev/null || skip_all "$t is not installed (packaging/install-deps)"
done
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zlr$$
chmod 755 "$WORK"
PIDS=
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	"$LAB" down --prefix $P >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
t_start=$(date +%s)
lab_up $P "$WORK/lab.log"
diag "the lab was up in $(( $(date +%s) - t_start )) s"

# name HOST IF -> "LINK-LOCAL MAC" of that interface
name() {
	ip -n "$P-$1" -j addr show dev "$2" |
		jq -r '.[0] | "\([.addr_info[] | select(.family == "inet6" and .scope == "link") | .local][0]) \(.address)"'
}
read GW_LL GW_MAC <<<"$(name gw lan0)"
read RG_LL RG_MAC <<<"$(name hea2 eth0)"
[ "$GW_LL" != null ] && [ "$RG_LL" != null ]
ok $? "the gateway's lan0 is $GW_LL ($GW_MAC), the rogue hea2's eth0 $RG_LL ($RG_MAC)"

mkdir -p "$WORK/db" "$WORK/run"
# lan to lan: where br_netfilter is loaded, bridged frames pass the forward
# chain too, and fin2's DHCP discover would never reach hea2
cat > "$WORK/policy.conf" <<POL
zone lan { interface lan0 }
zone wan { interface wan0 }
filter forward default drop {
  pass from lan to wan
  pass from lan to lan
}
incidents {
  routers { $GW_LL, $GW_MAC }
}
POL
lab_conf
start; ok $? "the daemon runs on the gateway, capturing on lan0"

ip netns exec "$P-gw" tcpdump -i lan0 -n -s 0 -U --immediate-mode -w "$WORK/lan.pcap" 'icmp6 or (udp port 67 or udp port 68)' \
	2>"$WORK/tcpdump.log" &
TPID=$! PIDS="$PIDS $!"
for _ in $(seq 50); do grep -q "listening on" "$WORK/tcpdump.log" && break; sleep 0.1; done

# radvd HOST IF PREFIX: advertisements every 3-4 s with a prefix, an MTU and
# a DNS server option, files in $WORK only, in the foreground
radvd_on() {
	cat > "$WORK/radvd-$1.conf" <<-CONF
	interface $2 {
	  AdvSendAdvert on;
	  MinRtrAdvInterval 3;
	  MaxRtrAdvInterval 4;
	  AdvLinkMTU 1500;
	  prefix $3 { AdvOnLink on; AdvAutonomous on; };
	  RDNSS 2001:db8:f::53 { };
	};
	CONF
	ip netns exec "$P-$1" radvd -n -C "$WORK/radvd-$1.conf" -p "$WORK/radvd-$1.pid" \
		-m logfile -l "$WORK/radvd-$1.log" -u nobody &
	PIDS="$PIDS $!"
}
# dhcpd HOST IF RANGE: dnsmasq as a DHCP server only (no DNS), reading and
# writing no file outside $WORK
dhcpd_on() {
	ip netns exec "$P-$1" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --port=0 \
		--keep-in-foreground --interface="$2" --bind-interfaces --dhcp-range="$3,255.255.255.192,2m" \
		--no-ping --leasefile-ro --pid-file="$WORK/dnsmasq-$1.pid" --log-dhcp --log-facility="$WORK/dnsmasq-$1.log" \
		--user=nobody --group=nogroup &
	PIDS="$PIDS $!"
}
# dhcp_ask [-B]: udhcpc in fin2 until it has an offer and a lease; its
# script does nothing, so fin2's address and resolver stay as they are
printf '#!/bin/sh\nexit 0\n' > "$WORK/udhcpc.sh"; chmod 755 "$WORK/udhcpc.sh"
dhcp_ask() { inns fin2 timeout 20 udhcpc -f -q -n -t 5 -T 1 -i eth0 -s "$WORK/udhcpc.sh" "$@" >> "$WORK/udhcpc.log" 2>&1; }
# seen FILTER: how many packets of the capture so far match
seen() { tcpdump -r "$WORK/lan.pcap" -n "$@" 2>/dev/null | wc -l; }
until_seen() { # until_seen MIN FILTER: wait (10 s at most) until tcpdump has seen MIN
	local n
	for _ in $(seq 50); do n=$(seen "$2"); [ "$n" -ge "$1" ] && break; sleep 0.2; done
	echo "$n"
}
# rogue TYPE SRC: the daemon's incidents of TYPE from SRC (zhulanctl --json incidents)
rogue() { ctl --json incidents > "$WORK/list.json" 2>/dev/null &&
	jq -c --arg t "$1" --arg s "$2" '[.incidents[] | select(.type == $t and .src_ip == $s)]' "$WORK/list.json"; }
until_count() { # until_count TYPE SRC MIN: wait (20 s at most) for one incident counting MIN
	local j
	for _ in $(seq 100); do
		j=$(rogue "$1" "$2")
		[ "$(jq length <<<"$j")" = 1 ] && [ "$(jq '.[0].count' <<<"$j")" -ge "$3" ] && break
		sleep 0.2
	done
	echo "$j"
}

# 1. The listed router and DHCP server
radvd_on gw lan0 2001:db8:10::/64
dhcpd_on gw lan0 192.0.2.40,192.0.2.50
sleep 0.5
dhcp_ask -B; ok $? "udhcpc in fin2 gets a lease from the gateway's dnsmasq (broadcast replies)"
n=$(until_seen 2 "udp src port 67 and src 192.0.2.1")
[ "$n" -ge 2 ]; ok $? "... tcpdump on lan0 sees $n replies (offer and ack) from 192.0.2.1"
n=$(until_seen 2 "src $GW_LL and icmp6[0] = 134")
[ "$n" -ge 2 ]; ok $? "radvd on the gateway: tcpdump on lan0 sees $n advertisements from $GW_LL"

# 2. The rogue: its advertisements and offers come after the listed ones
# through the same queue, so once its incidents are there, the listed
# router's packets have been looked at too.
radvd_on hea2 eth0 2001:db8:bad::/64
dhcpd_on hea2 eth0 192.0.2.150,192.0.2.160
ra=$(until_count rogue-ra "$RG_LL" 1)
[ "$(jq length <<<"$ra")" = 1 ]; ok $? "radvd in hea2 is one rogue-ra incident ($(jq -c '.[0] | [.id, .count, .severity]' <<<"$ra"))"
[ "$(jq -r '.[0].src_mac' <<<"$ra")" = "$RG_MAC" ] && jq -r '.[0].message.en' <<<"$ra" | grep -qF "$RG_LL"
ok $? "... naming hea2's link-local address and MAC: $(jq -r '.[0].message.en' <<<"$ra")"
r1=$(jq '.[0].count' <<<"$ra")

dhcp_ask -B; ok $? "udhcpc in fin2 asks again (broadcast replies), with two servers answering"
dh=$(until_count rogue-dhcp 192.0.2.139 1)
[ "$(jq length <<<"$dh")" = 1 ] && [ "$(jq -r '.[0].src_mac' <<<"$dh")" = "$RG_MAC" ]
ok $? "hea2's dnsmasq is one rogue-dhcp incident naming 192.0.2.139 and its MAC ($(jq -c '.[0] | [.id, .count, .src_mac]' <<<"$dh"))" ||
	tail -3 "$WORK/dnsmasq-hea2.log" "$WORK/udhcpc.log" | sed 's/^/# /'
c1=$(jq '.[0].count // 0' <<<"$dh")
dhcp_ask; ok $? "udhcpc in fin2 asks for unicast replies"
dh=$(until_count rogue-dhcp 192.0.2.139 $((c1 + 1)))
n=$(seen "udp src port 67 and src 192.0.2.139 and not dst 255.255.255.255")
[ "$(jq length <<<"$dh")" = 1 ] && [ "$(jq '.[0].count' <<<"$dh")" -gt "$c1" ] && [ "$n" -ge 1 ]
ok $? "... its unicast offer ($n unicast replies on lan0) adds to the same incident ($c1, then $(jq '.[0].count' <<<"$dh"))"
ra=$(until_count rogue-ra "$RG_LL" $((r1 + 1)))
[ "$(jq length <<<"$ra")" = 1 ] && [ "$(jq '.[0].count' <<<"$ra")" -gt "$r1" ]
ok $? "radvd's further advertisements add to the one rogue-ra incident ($r1, then $(jq '.[0].count' <<<"$ra"))"

ctl --json incidents > "$WORK/list.json"
others=$(jq -c --arg ra "$RG_LL" '[.incidents[] | select((.type == "rogue-ra" and .src_ip != $ra) or
	(.type == "rogue-dhcp" and .src_ip != "192.0.2.139")) | [.type, .src_ip, .src_mac]]' "$WORK/list.json")
[ "$others" = "[]" ]; ok $? "the gateway's advertisements and offers are no incident ($others)"
curl -s --unix-socket "$WORK/run/control.sock" "http://zhulan/v1/incidents" > "$WORK/api.json"
[ "$(jq -c '[.incidents[] | select(.type | startswith("rogue")) | [.type, .src_ip, .src_mac, .count]] | sort' "$WORK/api.json")" = \
  "$(jq -c '[.incidents[] | select(.type | startswith("rogue")) | [.type, .src_ip, .src_mac, .count]] | sort' "$WORK/list.json")" ] &&
	[ "$(jq '[.incidents[] | select(.type | startswith("rogue"))] | length' "$WORK/api.json")" = 2 ]
ok $? "GET /v1/incidents lists the same two ($(jq -c '[.incidents[] | select(.type | startswith("rogue")) | [.type, .src_ip, .count]]' "$WORK/api.json"))"

sleep 1; kill -INT "$TPID"; wait "$TPID" 2>/dev/null
stop; ok $st "the daemon stops cleanly"

# 3. The same capture offline, with the routers listed three ways
offline() { # offline ROUTERS -> "TYPE SRC MAC" lines of --read's incidents
	printf 'incidents {\n  routers { %s }\n}\n' "$1" > "$WORK/p.conf"
	"$ZHULAN" -q --read "$WORK/lan.pcap" --policy "$WORK/p.conf" --incidents-json - >"$WORK/inc.json" 2>"$WORK/err" &&
		jq -r '"\(.type) \(.src_ip) \(.src_mac)"' "$WORK/inc.json" | sort
}
want=$(printf 'rogue-dhcp 192.0.2.139 %s\nrogue-ra %s %s\n' "$RG_MAC" "$RG_LL" "$RG_MAC")
for list in "$GW_LL, $GW_MAC" "$GW_MAC" "$GW_LL, 192.0.2.1"; do
	got=$(offline "$list")
	[ "$got" = "$want" ]; ok $? "zhulan --read of tcpdump's capture, routers { $list }: the same two incidents ($(echo $got))"
done
n=$(jq -s 'map(select(.type == "rogue-ra")) | .[0].count' "$WORK/inc.json")
[ "$n" = "$(seen "src $RG_LL and icmp6[0] = 134")" ]; ok $? "... the rogue-ra incident counts each of hea2's $n advertisements in the capture"
diag "the test took $(( $(date +%s) - t_start )) s"
done_testing
