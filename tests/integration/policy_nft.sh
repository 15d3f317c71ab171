#!/bin/bash
# policy_nft.sh - the compiled policy (zhulanctl policy compile, nft syntax)
# loaded into the lab gateway's own namespace holds against real traffic,
# IPv4 and IPv6: lan -> wan passes, TCP 445 is dropped, the education
# department is rejected (TCP reset, fast) during a schedule built around
# the current time, a blocklisted address is dropped, and no table other
# than inet zhulan exists in the gateway. (The kernel is programmed with
# nft -f here; the libnftnl batch of the policy issue replaces that step.)
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
command -v nft >/dev/null || skip_all "nft not installed (apt-get install nftables)"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zlp$$
trap '"$LAB" down --prefix $P >/dev/null 2>&1; rm -rf "$WORK"' EXIT
"$LAB" up --prefix $P > "$WORK/lab.log" 2>&1
ok $? "lab up" || { sed 's/^/# /' "$WORK/lab.log" | tail; done_testing; exit 1; }
inns() { local h=$1; shift; "$LAB" exec --prefix $P "$h" "$@"; }

# A schedule around now (local time), within today.
export LC_ALL=C   # English day names from date
now=$(date +%H:%M); day=$(date +%a | tr A-Z a-z)
from=$(date -d "-1 hour" +%H:%M); to=$(date -d "+1 hour" +%H:%M)
[ "$from" \> "$now" ] && from=00:00
[ "$to" \< "$now" ] && to=24:00
printf '198.51.100.22\n' > "$WORK/blocklist.txt"   # the lab's ssh server
cat > "$WORK/policy.conf" <<POL
zone lan { interface lan0 }
zone wan { interface wan0 }
set finance   { 192.0.2.0/26, 2001:db8:10::/64 }
set education { 192.0.2.64/26, 2001:db8:20::/64 }
set blocklist file "blocklist.txt"
schedule now { $day $from-$to }

filter forward default drop {
  block log to \$blocklist
  block proto tcp from lan to any port 445 log
  reject from \$education to wan during now
  pass from lan to wan
}
filter input default drop {
  pass proto { icmp, icmpv6 }
}
POL
# Before the policy: everything below is reachable, so each check can fail.
inns fin1 curl -s --connect-timeout 3 -o /dev/null telnet://198.51.100.22:22 </dev/null; st=$?
ok $(( st != 0 && st != 56 && st != 52 )) "before the policy the ssh server answers (curl $st)"
inns fin2 curl -s --connect-timeout 3 -o /dev/null http://198.51.100.10:445/; st=$?
ok $(( st != 7 )) "before the policy port 445 is refused at once by the server (curl $st)"

"$ZHULANCTL" policy compile "$WORK/policy.conf" > "$WORK/zhulan.nft" 2> "$WORK/err"
ok $? "the policy compiles: $(cat "$WORK/err")"
inns gw nft -f "$WORK/zhulan.nft" 2> "$WORK/err"
ok $? "the kernel takes the compiled table: $(cat "$WORK/err")"

get() { # get HOST -4|-6 URL -> curl exit status, and the time in $secs
	local t0; t0=$(date +%s%N)
	inns "$1" curl -sk "$2" --connect-timeout 3 -m 5 -o /dev/null "$3"; local st=$?
	secs=$(( ($(date +%s%N) - t0) / 1000000 )); return $st
}
get fin1 -4 https://www.douyin.com/; ok $? "finance IPv4 HTTPS to the Internet passes"
get fin1 -6 https://www.douyin.com/; ok $? "finance IPv6 HTTPS to the Internet passes"
get fin2 -4 http://198.51.100.10:445/; st=$?
ok $(( st != 28 )) "TCP 445 from lan is dropped (curl timed out: $st)"
get edu1 -4 https://198.51.100.10/; st=$?
ok $(( st != 7 )) "education IPv4 during the schedule is rejected (connection refused: $st)"
ok $(( secs > 1500 )) "... at once, by a TCP reset (${secs} ms)"
get edu1 -6 'https://[2001:db8:f::10]/'; st=$?
ok $(( st != 7 )) "education IPv6 during the schedule is rejected (connection refused: $st)"
inns fin1 curl -s --connect-timeout 2 -o /dev/null telnet://198.51.100.22:22 </dev/null; st=$?
ok $(( st != 28 )) "a blocklisted address is dropped (curl timed out: $st)"
inns fin1 ping -c1 -W2 192.0.2.1 >/dev/null 2>&1; ok $? "ICMP to the gateway itself passes (input chain)"
tables=$(inns gw nft list tables)
[ "$tables" = "table inet zhulan" ]; ok $? "the gateway has no table but inet zhulan: $tables"
inns gw nft -j list table inet zhulan | $PYTHON3 -c '
import json, sys
rules = [i["rule"] for i in json.load(sys.stdin)["nftables"] if "rule" in i]
c = [r.get("comment", "") for r in rules]
ok = all(any(x["counter"] for x in r["expr"] if isinstance(x, dict) and "counter" in x) for r in rules if r.get("comment"))
sys.exit(0 if ok and "policy.conf:10" in c and "policy.conf:11" in c else 1)'
ok $? "every policy rule carries a counter and a comment naming its line"
n=$(inns gw nft -j list table inet zhulan | $PYTHON3 -c '
import json, sys
for i in json.load(sys.stdin)["nftables"]:
    r = i.get("rule")
    if r and r.get("comment") == "policy.conf:10":
        for x in r["expr"]:
            if isinstance(x, dict) and "counter" in x: print(x["counter"]["packets"])' | sed -n 1p)
ok $(( ${n:-0} < 1 )) "the port-445 rule counted the blocked packets ($n)"
# The same policy with the schedule on another day: education passes.
other=$(date -d "+1 day" +%a | tr A-Z a-z)
sed "s/^schedule now { .* }/schedule now { $other 00:00-24:00 }/" "$WORK/policy.conf" > "$WORK/policy2.conf"
"$ZHULANCTL" policy compile "$WORK/policy2.conf" > "$WORK/zhulan2.nft" && inns gw nft -f "$WORK/zhulan2.nft"
ok $? "the policy with the schedule on $other replaces the table"
get edu1 -4 https://198.51.100.10/; ok $? "outside the schedule education passes"
[ "$(inns gw nft list tables)" = "table inet zhulan" ]; ok $? "still only inet zhulan"
done_testing
