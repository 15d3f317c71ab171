#!/bin/bash
# policy_apply.sh - the daemon programs the lab gateway's kernel through
# libnftnl (zhulanctl policy apply/diff/confirm/rollback/history/show), and
# real traffic from the department hosts, IPv4 and IPv6, shows each form of
# rule holding; a policy with an error and a policy the kernel refuses both
# leave the old one in force; the confirm timer gives back what a bad
# policy took; stopping the daemon leaves the rules, starting it again puts
# the last confirmed version back; nothing outside inet zhulan changes.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
command -v nft >/dev/null || skip_all "nft not installed (apt-get install nftables)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zla$$
chmod 755 "$WORK"
host_rules=$(nft list ruleset 2>/dev/null | md5sum)
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	ip netns del $P-scratch 2>/dev/null
	"$LAB" down --prefix $P >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
lab_up $P "$WORK/lab.log"
get() { # get HOST URL [curl options] -> curl's exit status, the time in $secs
	local h=$1 u=$2 t0; shift 2; t0=$(date +%s%N)
	inns "$h" curl -sk "$@" --connect-timeout 2 -m 4 -o /dev/null "$u"; local st=$?
	secs=$(( ($(date +%s%N) - t0) / 1000000 )); return $st
}
dropped() { [ "$1" -eq 28 ]; }          # curl: timed out, nobody answered
refused() { [ "$1" -eq 7 ]; }           # curl: connection refused (a reset)
tcp() { # tcp HOST IP PORT -> 0 connected, 124 nobody answered in 2 s, 1 refused
	inns "$1" timeout 2 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null
}
counter() { # counter LINE -> packets counted by the rules of policy line LINE
	ctl --json policy show --counters | $PYTHON3 -c '
import json, sys
print(sum(r.get("packets", 0) for r in json.load(sys.stdin)["rules"] if r["line"] == sys.argv[1]))' "$1"
}

# A schedule around now (local time), within today.
export LC_ALL=C
now=$(date +%H:%M); day=$(date +%a | tr A-Z a-z)
from=$(date -d "-1 hour" +%H:%M); to=$(date -d "+1 hour" +%H:%M)
[ "$from" \> "$now" ] && from=00:00
[ "$to" \< "$now" ] && to=24:00
printf '# blocked servers\n198.51.100.22\n' > "$WORK/blocklist.txt"   # the lab's ssh server
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
  block proto tcp from 192.0.2.11 to 198.51.100.10 port 443
  block proto tcp from 2001:db8:30::/64 to any port { 443, 8000-8100 }
  pass from lan to wan
}
filter input default drop {
  pass proto { icmp, icmpv6 }
}
POL
cat > "$WORK/zhulan.conf" <<CONF
interfaces = lan0
database = $WORK/db/zhulan.db
control_socket = $WORK/run/control.sock
policy = $WORK/policy.conf
user = nobody
app_dir = $ZHULAN_DATADIR
CONF

# Before any policy everything below is reachable, so each check can fail.
get fin2 https://198.51.100.10/; ok $? "before the policy fin2 reaches the web server"
get fin1 http://198.51.100.10:445/; st=$?; refused $st; ok $? "before the policy port 445 is refused by the server itself ($st)"
tcp fin1 198.51.100.53 53; ok $? "before the policy the DNS server takes TCP connections"
tcp fin1 198.51.100.22 22; ok $? "before the policy the ssh server takes TCP connections"

start; ok $? "the daemon starts on the gateway with the configured policy"
ctl policy history > "$WORK/h" 2>&1
grep -q "^ *1  confirmed .*zhulan (start)" "$WORK/h"; ok $? "the policy file became version 1 at first start: $(sed -n 2p "$WORK/h")"
[ "$(inns gw nft list tables)" = "table inet zhulan" ]; ok $? "the gateway holds table inet zhulan and nothing else"

get fin1 https://www.douyin.com/ -4; ok $? "lan to wan passes (IPv4)"
get fin1 https://www.douyin.com/ -6; ok $? "lan to wan passes (IPv6)"
get fin1 http://198.51.100.10:445/; st=$?; dropped $st; ok $? "TCP 445 from a zone is dropped ($st)"
get edu1 https://198.51.100.10/; st=$?; refused $st; ok $? "education during the schedule is rejected, IPv4 ($st, ${secs} ms)"
ok $(( secs > 1000 )) "... at once, by a TCP reset (${secs} ms)"
get edu1 'https://[2001:db8:f::10]/'; st=$?; refused $st; ok $? "education during the schedule is rejected, IPv6 ($st)"
get fin2 https://198.51.100.10/; st=$?; dropped $st; ok $? "an address-to-address rule drops fin2's HTTPS ($st)"
get fin1 https://198.51.100.10/ -4; ok $? "... and not fin1's"
get hea1 'https://[2001:db8:f::10]/'; st=$?; dropped $st; ok $? "an IPv6 prefix rule drops health's IPv6 HTTPS ($st)"
get hea1 https://198.51.100.10/; ok $? "... and not its IPv4"
tcp fin1 198.51.100.22 22; st=$?; [ $st -eq 124 ]; ok $? "the blocklisted ssh server is dropped ($st)"
inns fin1 ping -c1 -W2 192.0.2.1 >/dev/null 2>&1; ok $? "ICMP to the gateway passes (input chain)"
inns fin1 ping -6 -c1 -W2 2001:db8:10::1 >/dev/null 2>&1; ok $? "ICMPv6 to the gateway passes (input chain)"
n445=$(counter policy.conf:10); ok $(( ${n445:-0} < 1 )) "policy show --counters reads the 445 rule's counter back from the kernel ($n445)"
ctl policy show --counters | grep -q "policy.conf:10 .* block proto tcp from lan to any port 445 log"
ok $? "policy show --counters names each rule by its policy line and text"

# The kernel's table is what the nft-syntax back end gives for the same file.
ip netns add $P-scratch
"$ZHULANCTL" policy compile "$WORK/policy.conf" > "$WORK/p.nft" && ip netns exec $P-scratch nft -f "$WORK/p.nft"
ok $? "nft -f takes zhulanctl policy compile's script"
norm='import json,sys
def strip(o):
    if isinstance(o, dict): return {k: strip(v) for k, v in o.items() if k not in ("handle", "packets", "bytes", "expires")}
    if isinstance(o, list): return [strip(x) for x in o]
    return o
print(json.dumps(strip([x for x in json.load(sys.stdin)["nftables"] if "metainfo" not in x]), sort_keys=True, indent=1))'
inns gw nft -j list table inet zhulan | $PYTHON3 -c "$norm" > "$WORK/a.json"
ip netns exec $P-scratch nft -j list table inet zhulan | $PYTHON3 -c "$norm" > "$WORK/b.json"
diff "$WORK/a.json" "$WORK/b.json" > "$WORK/ab.diff"; ok $? "nft -j list table inet zhulan matches the compiled policy ($(wc -l < "$WORK/ab.diff") lines differ)"
ip netns del $P-scratch

# A policy with an error: refused before the kernel, the old one stays.
sed 's/pass from lan to wan/pass from lan to wna/' "$WORK/policy.conf" > "$WORK/typo.conf"
ctl policy apply "$WORK/typo.conf" > "$WORK/out" 2>&1; st=$?
ok $(( st != 1 )) "a policy with a typo is refused (exit $st)"
grep -q "typo.conf:14:[0-9]*: error: .*wna.*did you mean \"wan\"" "$WORK/out"; ok $? "... with FILE:LINE:COL and a hint: $(head -1 "$WORK/out")"
curl -s --unix-socket "$WORK/run/control.sock" -o "$WORK/out" -w '%{http_code}' -d '{"policy":{"name":"/x/api.conf","text":"filter forward default drop {\n  pass from nowhere\n}\n"}}' http://zhulan/v1/policy/apply > "$WORK/code"
grep -qx 422 "$WORK/code" && grep -q '/x/api.conf:2:13: error: unknown' "$WORK/out"; ok $? "the daemon checks what it is sent as well: $(cat "$WORK/code") $(cut -c1-120 "$WORK/out")"
get fin1 http://198.51.100.10:445/; st=$?; dropped $st; ok $? "... and the old policy still drops 445 ($st)"

# A policy the kernel refuses (a set name over its 255-byte limit).
long=$(printf 'b%.0s' $(seq 1 260))
sed "s/\\\$blocklist/\$$long/; s/^set blocklist /set $long /" "$WORK/policy.conf" > "$WORK/long.conf"
"$ZHULANCTL" policy check "$WORK/long.conf" >/dev/null 2>&1; ok $? "(the long-named policy passes policy check)"
before=$(counter policy.conf:10)
ctl policy apply "$WORK/long.conf" > "$WORK/out" 2>&1; st=$?
ok $(( st != 1 )) "the kernel's refusal is reported (exit $st)"
grep -q "long.conf:5:5: the kernel refused this set" "$WORK/out"; ok $? "... naming the policy line: $(head -1 "$WORK/out" | cut -c1-120)"
get fin1 http://198.51.100.10:445/; st=$?; dropped $st; ok $? "... and the old rules are in force ($st)"
after=$(counter policy.conf:10)
ok $(( after <= before )) "... the very same rules: their counters went on ($before -> $after)"
ctl policy history | grep -c "^ *[0-9]" | grep -qx 1; ok $? "refused policies are not versions"

# diff against the running policy
sed 's/port 445 log/port 446 log/' "$WORK/policy.conf" > "$WORK/p2.conf"
printf '198.51.100.22\n198.51.100.53\n' > "$WORK/blocklist2.txt"   # + the DNS server
sed -i 's/"blocklist.txt"/"blocklist2.txt"/' "$WORK/p2.conf"
ctl policy diff "$WORK/p2.conf" > "$WORK/diff" 2>&1; ok $? "policy diff runs"
grep -q "^+ forward .*p2.conf:10 .*446" "$WORK/diff" && grep -q "^- forward .*policy.conf:10 .*445" "$WORK/diff"
ok $? "diff shows the changed rule removed and added"
grep -q "^+   198.51.100.53" "$WORK/diff" && grep -q "blocklist (changed): 1 added, 0 removed" "$WORK/diff"
ok $? "diff shows the set element added"
[ "$(grep -c '^[+-] forward' "$WORK/diff")" -eq 2 ]; ok $? "and nothing else: $(grep -c '^[+-] forward' "$WORK/diff") rule lines"
printf 'incidents {\n  threshold violation 10 in 10m\n  dedup 2h\n}\nipv6 { sites { "https://www.example.gov.cn/" } }\n' |
	cat "$WORK/p2.conf" - > "$WORK/p3.conf"
ctl policy diff "$WORK/p3.conf" > "$WORK/diff3" 2>&1
grep -q "^+ incidents .*p3.conf:[0-9]* *threshold violation 10 in 10m$" "$WORK/diff3" &&
	grep -q "^+ incidents .*dedup 2h$" "$WORK/diff3" && grep -q '^+ ipv6 .*site "https://www.example.gov.cn/"$' "$WORK/diff3"
ok $? "diff shows the incidents and ipv6 sections' changes: $(grep -E '^[+-] (incidents|ipv6)' "$WORK/diff3" | tr '\n' '|')"

# Cutting off one's own access: the confirm timer gives it back.
sed 's/^  pass from lan to wan/  block from $finance\n  pass from lan to wan/' "$WORK/policy.conf" > "$WORK/lockout.conf"
ctl policy apply "$WORK/lockout.conf" --confirm 3 --comment "lock out finance" > "$WORK/out" 2>&1
ok $? "a policy with --confirm 3 is applied: $(head -1 "$WORK/out")"
get fin1 https://198.51.100.10/ -4; st=$?; dropped $st; ok $? "it cuts finance off ($st)"
ctl status | grep -q "policy: version 2 (pending), reverts at"; ok $? "status shows it awaiting confirmation"
ctl policy apply "$WORK/p2.conf" > "$WORK/out" 2>&1; ok $(( $? != 1 )) "another apply waits for the confirmation: $(cat "$WORK/out")"
sleep 4
get fin1 https://198.51.100.10/ -4; ok $? "without a confirmation finance has its access back"
ctl policy history | grep -q "^ *2  reverted"; ok $? "history shows version 2 reverted"
sqlite3 "$WORK/db/zhulan.db" "SELECT who, detail FROM audit WHERE action = 'policy revert'" | grep -q "^zhulan (confirm timer)|version 2 was not confirmed within 3 s; version 1 restored"
ok $? "the audit table records the revert"

# Confirmed in time, it stays.
ctl policy apply "$WORK/p2.conf" --confirm 30 --comment "446 instead" > /dev/null 2>&1; ok $? "apply with --confirm 30"
ctl policy confirm > "$WORK/out" 2>&1; ok $? "confirm: $(cat "$WORK/out")"
ctl --json policy show | grep -q '"state": "confirmed"'; ok $? "version 3 is confirmed"
get fin1 http://198.51.100.10:445/; st=$?; refused $st; ok $? "port 445 is open again under version 3 ($st)"
tcp fin1 198.51.100.53 53; st=$?; [ $st -eq 124 ]; ok $? "the new blocklist element is in force: the DNS server is dropped ($st)"

# Rolling back to the version before.
ctl policy rollback > "$WORK/out" 2>&1; ok $? "rollback: $(cat "$WORK/out" | head -1)"
get fin1 http://198.51.100.10:445/; st=$?; dropped $st; ok $? "after the rollback 445 is dropped again ($st)"
ctl policy history | grep -q "^ *4  confirmed .*rollback to version 1"; ok $? "the rollback is version 4, naming version 1"

# The daemon stops: the firewall stays; it starts again: the same version.
stop
[ "$(inns gw nft list tables)" = "table inet zhulan" ]; ok $? "after the daemon stops the table is still there"
get fin1 http://198.51.100.10:445/; st=$?; dropped $st; ok $? "... and still drops 445 ($st)"
inns gw nft delete table inet zhulan
start; ok $? "the daemon starts again"
ctl --json policy show | grep -q '"version": 4'; ok $? "the last confirmed version (4) is in force again"
get fin1 http://198.51.100.10:445/; st=$?; dropped $st; ok $? "... in the kernel ($st)"

# The schedule moved to another day: education passes.
other=$(date -d "+1 day" +%a | tr A-Z a-z)
sed "s/^schedule now { .* }/schedule now { $other 00:00-24:00 }/" "$WORK/policy.conf" > "$WORK/other.conf"
ctl policy apply "$WORK/other.conf" >/dev/null; ok $? "the policy with the schedule on $other is applied"
get edu1 https://198.51.100.10/; ok $? "outside the schedule education passes"

audit=$(sqlite3 "$WORK/db/zhulan.db" "SELECT action FROM audit WHERE action LIKE 'policy%' ORDER BY id" | sort | uniq -c | tr -s ' ' | tr '\n' ',')
for a in "policy apply" "policy confirm" "policy revert" "policy rollback"; do
	echo "$audit" | grep -q "$a"; ok $? "the audit table holds \"$a\" ($audit)"
done
sqlite3 "$WORK/db/zhulan.db" "SELECT who FROM audit WHERE action = 'policy confirm'" | grep -q "^root(uid 0)$"
ok $? "... with who did it"
[ "$(inns gw nft list tables)" = "table inet zhulan" ]; ok $? "the gateway still holds only inet zhulan"
[ "$(nft list ruleset 2>/dev/null | md5sum)" = "$host_rules" ]; ok $? "the host's own ruleset is untouched"
stop
done_testing
