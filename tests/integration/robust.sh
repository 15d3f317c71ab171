#!/bin/bash
# robust.sh - the daemon on the namespace lab when its world changes under it:
# the gateway's bridge lan0 is deleted and built again (an ifdown/ifup of a
# bridge, a driver reload): status says down, the systemd watchdog pings
# stop once it has been down longer than sensor_down_watchdog, and when lan0
# is back capture resumes by itself, new flows are counted and classified
# and the pings come back. Then a second daemon on the same configuration
# is refused (exit 1, naming the first one's pid), and one with another
# database but the same control socket cannot take the socket over; the
# first one answers and captures throughout.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zlr$$
REAL_ZHULAN=$ZHULAN
chmod 755 "$WORK"
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	[ -n "${LPID:-}" ] && kill "$LPID" 2>/dev/null
	"$LAB" down --prefix $P >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

lab_up $P "$WORK/lab.log"

cat > "$WORK/zhulan.conf" <<CONF
interfaces = lan0
database = $WORK/db/zhulan.db
control_socket = $WORK/run/control.sock
user = nobody
app_dir = $ZHULAN_DATADIR
sensor_down_watchdog = 3
CONF

# systemd's side of the watchdog: a notify socket that logs what it gets,
# and the daemon started as systemd starts it (WATCHDOG_PID is its own pid).
$PYTHON3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777)
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write("%.3f %s\n" % (time.monotonic(), s.recv(4096).decode().replace("\n", " ")))
' "$WORK/notify.sock" "$WORK/notify.log" &
LPID=$!
for _ in $(seq 50); do [ -S "$WORK/notify.sock" ] && break; sleep 0.1; done
cat > "$WORK/zhulan-wd" <<EOF
#!/bin/sh
export NOTIFY_SOCKET=$WORK/notify.sock WATCHDOG_USEC=2000000 WATCHDOG_PID=\$\$
exec "$REAL_ZHULAN" "\$@"
EOF
chmod 755 "$WORK/zhulan-wd"
ZHULAN=$WORK/zhulan-wd
pings() { grep -c "WATCHDOG=1" "$WORK/notify.log"; }
field() { # field KEY: the first interface's KEY in status
	ctl --json status | $PYTHON3 -c 'import json,sys; v = json.load(sys.stdin)["interfaces"][0][sys.argv[1]]; print("null" if v is None else v)' "$1"
}
# has_app CLIENT APP: a flow (live or stored) of CLIENT with application APP
has_app() {
	ctl --json flows --host "$1" --limit 1000 | $PYTHON3 -c '
import json, sys
j = json.load(sys.stdin)
fl = j.get("live", []) + j.get("stored", {}).get("flows", [])
sys.exit(0 if any(f["src_ip"] == sys.argv[1] and f["app"] == sys.argv[2] for f in fl) else 1)' "$@"
}
state_is() { [ "$(field state)" = "$1" ]; }
wait_for() { # wait_for TRIES CMD...: CMD until it succeeds, 0.2 s apart
	local n=$1; shift
	for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done
	return 1
}

start; ok $? "daemon starts on the lab gateway with a systemd watchdog of 2 s"
[ "$(field state)" = up ]; ok $? "status: lan0 is up"
inns fin1 curl -sk -4 -o /dev/null https://www.douyin.com/
wait_for 15 has_app 192.0.2.10 TLS.Douyin; ok $? "fin1's TLS.Douyin flow is classified"
sleep 2
w0=$(pings)
ok $(( w0 < 2 )) "watchdog pings arrive ($w0 so far)"

# lan0 goes away
"$LAB" lan0 --prefix $P down; ok $? "lan0 deleted in the gateway's namespace"
t_down=$(date +%s)
wait_for 25 state_is down; ok $? "status says lan0 is down"
since=$(field down_since); err=$(field last_error)
[[ "$since" =~ ^20[0-9-]+T[0-9:]+Z$ ]]; ok $? "status gives down_since ($since)"
[ -n "$err" ] && [ "$err" != null ]; ok $? "status gives the last error ($err)"
ctl status > "$WORK/status.txt"
grep -q "DOWN since" "$WORK/status.txt"; ok $? "zhulanctl status says DOWN: $(grep DOWN "$WORK/status.txt")"
kill -0 "$DPID"; ok $? "the daemon keeps running while lan0 is gone"

# down longer than sensor_down_watchdog (3 s): the pings stop
while [ $(( $(date +%s) - t_down )) -lt 5 ]; do sleep 0.2; done
w1=$(pings); sleep 2.5; w2=$(pings)
ok $(( w2 != w1 )) "down for more than sensor_down_watchdog: no watchdog ping ($w1 then $w2)"
grep -q "no more watchdog pings" "$WORK/daemon.log"; ok $? "the log says why the pings stopped"

# lan0 comes back, built as the lab builds it
"$LAB" lan0 --prefix $P up; ok $? "lan0 built again with its ports"
t_up=$(date +%s)
# tries 0.5, 1.5, 3.5, 7.5, 15.5 s after it went: up at the first one after t_up
wait_for 150 state_is up
ok $? "status says lan0 is up again ($(( $(date +%s) - t_up )) s after it was back, $(( $(date +%s) - t_down )) s after it went)" ||
	sed 's/^/# /' "$WORK/daemon.log" | tail
[ "$(field reopens)" = 1 ]; ok $? "status counts one reopen"
[ "$(field down_since)" = null ]; ok $? "down_since is cleared"
p1=$(field packets)
inns fin1 curl -sk -4 -o /dev/null https://www.bilibili.com/
wait_for 15 has_app 192.0.2.10 TLS.Bilibili; ok $? "after the reopen fin1's new TLS.Bilibili flow is classified"
p2=$(field packets)
ok $(( p2 <= p1 )) "packets counted again ($p1 -> $p2)"
w3=$(pings); sleep 2.5; w4=$(pings)
ok $(( w4 <= w3 )) "watchdog pings resume ($w3 then $w4)"
grep -q "lan0: capturing again" "$WORK/daemon.log"; ok $? "the log says capture resumed"

# A second daemon on the same configuration
# (bounded: without the lock it would run beside the first one)
timeout 10 ip netns exec $P-gw "$REAL_ZHULAN" -f -c "$WORK/zhulan.conf" > /dev/null 2> "$WORK/err2"; st=$?
ok $(( st != 1 )) "a second daemon on the same configuration exits 1 (got $st)"
grep -q "in use by another zhulan (pid $DPID)" "$WORK/err2"; ok $? "... naming the first one's pid: $(tail -1 "$WORK/err2")"
# ... and one with its own database but the first one's socket
sed "s|^database = .*|database = $WORK/db2/zhulan.db|" "$WORK/zhulan.conf" > "$WORK/other.conf"
timeout 10 ip netns exec $P-gw "$REAL_ZHULAN" -f -c "$WORK/other.conf" > /dev/null 2> "$WORK/err3"; st=$?
ok $(( st == 0 || st == 124 )) "a daemon with another database but the same control socket is refused (exit $st)"
grep -q "another process answers on this socket" "$WORK/err3"; ok $? "... and says why: $(tail -1 "$WORK/err3")"
ctl status > /dev/null; ok $? "the first daemon still answers on its socket"
inns fin2 curl -s -4 -o /dev/null http://www.taobao.com/
wait_for 15 has_app 192.0.2.11 HTTP.Taobao; ok $? "the first daemon still captures (fin2's HTTP.Taobao)"

stop
ok $(( st != 0 )) "SIGTERM: exit 0 (got $st)"
grep -q "AddressSanitizer\|runtime error\|LeakSanitizer" "$WORK/daemon.log" "$WORK/err2" "$WORK/err3"
ok $(( $? == 0 )) "no sanitizer report"
done_testing
