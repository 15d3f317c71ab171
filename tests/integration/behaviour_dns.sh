#!/bin/bash
# behaviour_dns.sh - the DNS exemption goes by what nDPI names a flow, never
# by its server port: DNS over TLS on 853 (nDPI: TLS.DoH_DoT) falls under
# `block app DoH_DoT`; HTTP to port 53 falls under an application rule;
# a DNS query for a blocked name is recorded, not blocked, and the client
# keeps resolving names through the lab's name server.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
command -v nft >/dev/null || skip_all "nft not installed (apt-get install nftables)"
command -v openssl >/dev/null || skip_all "openssl not installed"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zld$$
DOT4=198.51.100.15 WEB53=198.51.100.16
SPIDS=
chmod 755 "$WORK"
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	for p in $SPIDS; do kill "$p" 2>/dev/null; done
	"$LAB" down --prefix $P >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
lab_up $P "$WORK/lab.log"

# The Internet's DoT server (dns.google's name, as nDPI knows DoT by it)
# and a web server on port 53, each on an address of its own.
ip -n $P-inet addr add $DOT4/32 dev lo
ip -n $P-inet addr add $WEB53/32 dev lo
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
	-days 1 -subj /CN=dns.google > /dev/null 2>&1
ip netns exec $P-inet openssl s_server -quiet -www -accept $DOT4:853 \
	-cert "$WORK/cert.pem" -key "$WORK/key.pem" < /dev/null > /dev/null 2>&1 &
SPIDS="$SPIDS $!"
mkdir -p "$WORK/www" && head -c 2000000 /dev/zero > "$WORK/www/2MB.bin"
ip netns exec $P-inet $PYTHON3 -m http.server -b $WEB53 -d "$WORK/www" 53 > /dev/null 2>&1 &
SPIDS="$SPIDS $!"
dot() { inns fin1 curl -sk -m 5 -o /dev/null --resolve dns.google:853:$DOT4 https://dns.google:853/; }
# (two seconds long, so that a block can cut it: HTTP's answer would be
# on its way before the block of its request's Host)
web53() { inns fin1 curl -s -m 5 --limit-rate 1M -o /dev/null \
	--resolve www.bilibili.com:53:$WEB53 http://www.bilibili.com:53/2MB.bin; }
for _ in $(seq 30); do dot && web53 && break; sleep 0.2; done

cat > "$WORK/policy.conf" <<'POL'
zone lan { interface lan0 }
zone wan { interface wan0 }
filter forward default drop {
  pass from lan to wan
}
filter input default drop {
  pass proto { icmp, icmpv6 }
}
behaviour {
  block app DoH_DoT
  block app Bilibili
  block domain "*.casino.example"
  audit all
}
POL
lab_conf

# Before the daemon both answer, so each check below can fail.
dot; ok $? "before any policy fin1 completes DoT with $DOT4:853"
web53; ok $? "before any policy fin1 downloads a file from $WEB53:53"
start; ok $? "the daemon starts on the gateway with the policy"

dot; st=$?
ok $(( st == 0 )) "block app DoH_DoT: DoT to port 853 fails (curl $st)"
dot; st=$?
ok $(( st == 0 )) "... and a retry too (curl $st)"
web53; st=$?
ok $(( st == 0 )) "an application rule cuts an HTTP download from port 53 (curl $st)"
inns fin1 curl -sk -m 5 -o /dev/null --resolve www.county.example:443:198.51.100.10 \
	https://www.county.example/
ok $? "fin1 still reaches the county's site"

# Queries for a blocked domain and a blocked application's name: recorded,
# and the client keeps its name server.
inns fin2 getent ahostsv4 x.casino.example > /dev/null
inns fin2 getent ahostsv4 www.bilibili.com > /dev/null
sleep 0.5
inns fin2 getent ahostsv4 www.county.example > /dev/null
ok $? "after querying x.casino.example and www.bilibili.com fin2 still resolves names"
ip netns exec $P-gw nft list set inet zhulan bh_pair_v4 > "$WORK/set4"
grep -q "192.0.2.10 . $DOT4 . 853" "$WORK/set4"; ok $? "the kernel holds fin1 -> $DOT4:853"
grep -q "192.0.2.10 . $WEB53 . 53" "$WORK/set4"; ok $? "... and fin1 -> $WEB53:53"
grep -q " . 198.51.100.53 . 53" "$WORK/set4"; ok $(( $? == 0 )) "... and never the name server"
ctl --json status > "$WORK/st"
n=$($PYTHON3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["behaviour"]["dns_queries_recorded_not_blocked"])' "$WORK/st")
ok $(( ${n:-0} < 2 )) "both queries were recorded, not blocked ($n)"

stop
done_testing
