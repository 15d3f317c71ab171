#!/bin/bash
# linktypes.sh - the same traffic framed as Ethernet, Linux SLL, SLL2, raw
# IP and BSD loopback, in pcap and pcapng, gives the same flows with the
# same applications.
. "$(dirname "$0")/lib.sh"

flows() { # flows CAPTURE -> sorted "proto src sport dst dport app packets" lines
	"$ZHULAN" -q --read "$1" --flows-json - | $PYTHON3 -c '
import json, sys
for l in sys.stdin:
    j = json.loads(l)
    print(j["proto"], j["src_ip"], j["src_port"], j["dst_ip"], j["dst_port"], j["app"], j["packets"])' | sort
}
$ZLGEN agree --linktype ether "$WORK/ether.pcap" >/dev/null
flows "$WORK/ether.pcap" > "$WORK/ether.txt"
n=$(wc -l < "$WORK/ether.txt")
ok $(( n < 20 )) "ethernet capture gives $n flows"
for lt in sll sll2 raw null; do
	$ZLGEN agree --linktype $lt "$WORK/$lt.pcap" >/dev/null
	flows "$WORK/$lt.pcap" > "$WORK/$lt.txt"
	diff -u "$WORK/ether.txt" "$WORK/$lt.txt" > "$WORK/diff" ; st=$?
	ok $st "$lt: same flows, applications and packet counts as ethernet"
	[ $st -eq 0 ] || sed 's/^/# /' "$WORK/diff" | head -20
done
$ZLGEN agree --format pcapng "$WORK/ng.pcapng" >/dev/null
flows "$WORK/ng.pcapng" > "$WORK/ng.txt"
diff -u "$WORK/ether.txt" "$WORK/ng.txt" > "$WORK/diff"; st=$?
ok $st "pcapng: same flows as pcap"
[ $st -eq 0 ] || sed 's/^/# /' "$WORK/diff" | head -20
done_testing
