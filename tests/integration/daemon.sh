#!/bin/bash
# daemon.sh - the zhulan daemon on the namespace lab (packaging/lab): live
# capture on the gateway's lan0, real clients in three departments, flows
# visible through zhulanctl with the right application within 2 seconds,
# a clean SIGTERM and restart with stored data intact, a full disk that
# costs counted records and not the daemon, and start-up errors.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zlt$$
chmod 755 "$WORK"
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	umount "$WORK/small" 2>/dev/null
	"$LAB" down --prefix $P >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

lab_up $P "$WORK/lab.log"

conf() { # conf DBPATH [EXTRA LINE] -> writes $WORK/zhulan.conf
	cat > "$WORK/zhulan.conf" <<CONF
interfaces = lan0
${2:-}
database = $1
control_socket = $WORK/run/control.sock
user = nobody
app_dir = $ZHULAN_DATADIR
retention_days = 180
CONF
}

conf "$WORK/db/zhulan.db"
start; ok $? "daemon starts on the lab gateway and answers status"
[ "$(stat -c %U /proc/$DPID)" = nobody ]; ok $? "the daemon runs as its configured user (nobody), not root"
grep -q "^CapEff:.*0000000000003000$" /proc/$DPID/status; ok $? "it keeps only CAP_NET_RAW and CAP_NET_ADMIN: $(grep CapEff /proc/$DPID/status)"
grep -q "^CapBnd:.*0000000000000000$" /proc/$DPID/status; ok $? "its bounding set is empty"
[ "$(stat -c %a "$WORK/run/control.sock")" = 660 ]; ok $? "the control socket is mode 0660"

# Has the flow of CLIENT to SERVER:PORT the application APP? (live or stored)
has_flow() { # has_flow CLIENT SERVER PORT APP
	ctl --json flows --host "$1" --limit 1000 | $PYTHON3 -c '
import json, sys
c, s, p, app = sys.argv[1:5]
j = json.load(sys.stdin)
fl = j.get("live", []) + j.get("stored", {}).get("flows", [])
sys.exit(0 if any(f["src_ip"] == c and f["dst_ip"] == s and f["dst_port"] == int(p) and f["app"] == app for f in fl) else 1)' "$@"
}
check_app() { # check_app HOST CLIENT SERVER PORT APP DESC CMD...
	local h=$1 c=$2 s=$3 p=$4 app=$5 d=$6; shift 6
	inns "$h" "$@" >/dev/null 2>&1
	local found=1
	for _ in $(seq 20); do has_flow "$c" "$s" "$p" "$app" && { found=0; break; }; sleep 0.1; done
	ok $found "$d: $app within 2 s"
}
check_app fin1 192.0.2.10 198.51.100.10 443 TLS.Douyin "finance fin1 HTTPS www.douyin.com (IPv4)" \
	curl -sk -4 -o /dev/null https://www.douyin.com/
check_app fin1 2001:db8:10::10 2001:db8:f::10 443 TLS.Douyin "finance fin1 HTTPS www.douyin.com (IPv6)" \
	curl -sk -6 -o /dev/null https://www.douyin.com/
check_app edu1 192.0.2.74 198.51.100.10 443 TLS.Bilibili "education edu1 HTTPS www.bilibili.com" \
	curl -sk -4 -o /dev/null https://www.bilibili.com/
check_app edu2 192.0.2.75 198.51.100.10 443 TLS.DingTalk "education edu2 HTTPS im.dingtalk.com" \
	curl -sk -o /dev/null https://im.dingtalk.com/
check_app hea1 192.0.2.138 198.51.100.53 53 DNS.Baidu "health hea1 DNS www.baidu.com" \
	dig +short +tries=1 @198.51.100.53 www.baidu.com A
check_app hea2 192.0.2.139 198.51.100.10 80 HTTP.Taobao "health hea2 HTTP www.taobao.com" \
	curl -s -o /dev/null http://www.taobao.com/

ctl status > "$WORK/status.txt"; ok $? "zhulanctl status"
grep -q "^lan0 " "$WORK/status.txt"; ok $? "status lists lan0"
ctl --json status | $PYTHON3 -c '
import json, sys
j = json.load(sys.stdin)
i = j["interfaces"][0]
sys.exit(0 if i["packets"] > 0 and i["kernel_dropped"] == 0 and j["database"]["writable"] else 1)'
ok $? "status: packets counted, no kernel drops, database writable"
ctl flows > "$WORK/flows.txt"; ok $? "zhulanctl flows (table)"
grep -q "TLS.Douyin" "$WORK/flows.txt"; ok $? "the table shows TLS.Douyin"
ctl top apps > "$WORK/top.txt"; ok $? "zhulanctl top apps"

stop
ok $(( st != 0 )) "SIGTERM: exit 0 (got $st)"
ok $(( ms > 5000 )) "SIGTERM: stopped in ${ms} ms (< 5 s)"
n1=$(sqlite3 "$WORK/db/zhulan.db" "select count(*) from flows" 2>&1)
a1=$(sqlite3 "$WORK/db/zhulan.db" "select coalesce(sum(bytes_up+bytes_down),0) from agg5m" 2>&1)
f1=$(sqlite3 "$WORK/db/zhulan.db" "select coalesce(sum(src2dst_bytes+dst2src_bytes),0) from flows" 2>&1)
[[ "$n1" =~ ^[0-9]+$ && "$n1" -ge 6 ]]; ok $? "every flow stored at shutdown ($n1 flows)"
[[ "$a1" =~ ^[0-9]+$ && "$a1" -gt 0 && "$a1" = "$f1" ]]; ok $? "aggregates hold every stored byte ($a1 = $f1)"
start; ok $? "restart"
n2=$(ctl --json flows --stored --limit 10000 | $PYTHON3 -c 'import json,sys; s=json.load(sys.stdin)["stored"]; print(len(s["flows"]) if not s["more"] else "more")')
[[ "$n2" =~ ^[0-9]+$ && "$n2" -ge "$n1" ]]; ok $? "after restart the stored flows are intact ($n2 >= $n1)"
has_flow 192.0.2.10 198.51.100.10 443 TLS.Douyin; ok $? "after restart fin1's Douyin flow is still there"
ctl top apps --limit 50 > "$WORK/top.txt"; ok $? "zhulanctl top apps --limit 50 (options after the subject)"
grep -q "^TLS.Douyin " "$WORK/top.txt"; ok $? "top applications (from the aggregates) list TLS.Douyin"
ctl top hosts > "$WORK/top.txt"
grep -q "^192.0.2.10 " "$WORK/top.txt"; ok $? "top hosts list fin1 (192.0.2.10)"

# Reload: a bad file is reported and the running configuration kept;
# a good one is taken; both are in the audit table with who asked.
cp "$WORK/zhulan.conf" "$WORK/good.conf"
echo "retention_days = soon" >> "$WORK/zhulan.conf"
kill -HUP "$DPID"; sleep 0.3
kill -0 "$DPID"; ok $? "SIGHUP with a bad file: the daemon keeps running"
grep -q "zhulan.conf:[0-9]*: retention_days: expected a number of days.*keeping the running configuration" "$WORK/daemon.log"
ok $? "SIGHUP with a bad file: the log says why and that the running configuration is kept"
ctl reload > /dev/null 2> "$WORK/err"; st=$?
ok $(( st != 1 )) "zhulanctl reload with a bad file: refused (exit 1): $(cat "$WORK/err")"
cp "$WORK/good.conf" "$WORK/zhulan.conf"
ctl reload > /dev/null; ok $? "zhulanctl reload with a good file"
ctl --json status >/dev/null
audit=$(sqlite3 "$WORK/db/zhulan.db" "select who || ' ' || action || ' ' || detail from audit order by id" 2>&1)
echo "$audit" | grep -q "root(uid 0) reload ok"; ok $? "the audit table names who reloaded: $(echo "$audit" | tail -1)"
echo "$audit" | grep -q "reload .*retention_days"; ok $? "the audit table keeps the refused reload and why"
stop

# zhulanctl with no daemon
ctl status > /dev/null 2> "$WORK/err"; st=$?
ok $(( st != 2 )) "zhulanctl without daemon: exit 2"
grep -q "zhulan is not running" "$WORK/err"; ok $? "zhulanctl without daemon: says so: $(cat "$WORK/err")"

# A full disk: the database on a 1 MB tmpfs.
mkdir -p "$WORK/small"
mount -t tmpfs -o size=1m tmpfs "$WORK/small"
chmod 755 "$WORK/small"
conf "$WORK/small/db/zhulan.db" "flow_timeout_udp = 1"
start; ok $? "daemon starts with its database on a 1 MB tmpfs"
dd if=/dev/zero of="$WORK/small/filler" bs=64k 2>/dev/null
pids=
for i in $(seq 60); do inns fin2 dig +short +tries=1 +time=1 @198.51.100.53 "n$i.county.example" A >/dev/null 2>&1 & pids="$pids $!"; done
wait $pids
for i in $(seq 30); do
	w=$(ctl --json status | $PYTHON3 -c 'import json,sys; d=json.load(sys.stdin)["database"]; print(int(d["writable"]), d["dropped"])')
	[ "${w%% *}" = 0 ] && break
	inns fin2 dig +short +tries=1 +time=1 @198.51.100.53 "m$i.county.example" A >/dev/null 2>&1
	sleep 0.5
done
ok $(( ${w%% *} != 0 )) "full disk: the database is reported not writable"
ok $(( ${w##* } == 0 )) "full disk: records dropped and counted (${w##* })"
kill -0 "$DPID"; ok $? "full disk: the daemon is still running"
ctl status > /dev/null; ok $? "full disk: status still answers"
rm -f "$WORK/small/filler"
for i in $(seq 40); do
	inns fin2 dig +short +tries=1 +time=1 @198.51.100.53 "r$i.county.example" A >/dev/null 2>&1
	w=$(ctl --json status | $PYTHON3 -c 'import json,sys; d=json.load(sys.stdin)["database"]; print(int(d["writable"]))')
	[ "$w" = 1 ] && break
	sleep 0.5
done
ok $(( w != 1 )) "space freed: writing resumes by itself"
stop
ok $(( st != 0 )) "full disk run: clean exit"
umount "$WORK/small"

# Start-up errors
mkdir -p "$WORK/open"; chmod 777 "$WORK/open"
sed "s|^control_socket = .*|control_socket = $WORK/open/control.sock|" "$WORK/good.conf" > "$WORK/open.conf"
ip netns exec $P-gw "$ZHULAN" -f -c "$WORK/open.conf" 2> "$WORK/err"; st=$?
ok $(( st != 2 )) "control socket in a world-writable directory: exit 2"
grep -q "refusing a control socket in a directory that others can write to" "$WORK/err"; ok $? "... and says why: $(tail -1 "$WORK/err")"

printf 'interfaces = lan0\nretention_dayz = 3\n' > "$WORK/bad.conf"
"$ZHULAN" -f -c "$WORK/bad.conf" 2> "$WORK/err"; st=$?
ok $(( st != 2 )) "bad configuration: exit 2"
grep -q "bad.conf:2: unknown key \"retention_dayz\"" "$WORK/err"; ok $? "bad configuration: FILE:LINE: $(cat "$WORK/err")"
head -c 8192 /dev/urandom > "$WORK/corrupt.db"
conf "$WORK/corrupt.db"
ip netns exec $P-gw "$ZHULAN" -f -c "$WORK/zhulan.conf" 2> "$WORK/err"; st=$?
ok $(( st != 2 )) "corrupt database: exit 2"
grep -q "corrupt.db" "$WORK/err"; ok $? "corrupt database: names the file: $(tail -1 "$WORK/err")"
grep -q "AddressSanitizer\|runtime error" "$WORK/daemon.log"; ok $(( $? == 0 )) "no sanitizer report in the daemon's log"
done_testing
