#!/bin/bash
# statedirs.sh - the daemon in the directories systemd makes for the shipped
# unit (StateDirectory= and RuntimeDirectory= without User=: root:root 0750,
# and at every later start the state directory's files chowned back to
# root): it gives them to its user before it drops root, opens its
# database and answers, and the socket's group can reach the socket. A
# database in a directory shared with other files is not taken over.
# Capture is on a veth interface in a namespace of the test's own.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
P=zls$$
chmod 755 "$WORK"
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	ip netns del $P-gw 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add $P-gw && ip -n $P-gw link add d0 type veth peer name d1 && ip -n $P-gw link set d0 up && ip -n $P-gw link set d1 up
ok $? "a namespace with a veth interface" || { done_testing; exit 1; }
GROUP=$(id -gn nobody)

# as systemd makes them
systemd_dirs() {
	rm -rf "$WORK/run"
	mkdir -p "$WORK/state" "$WORK/run"
	chown -R root:root "$WORK/state" "$WORK/run"
	chmod 0750 "$WORK/state" "$WORK/run"
}
cat > "$WORK/zhulan.conf" <<CONF
interfaces = d0
database = $WORK/state/zhulan.db
control_socket = $WORK/run/control.sock
user = nobody
app_dir = $ZHULAN_DATADIR
CONF
writable() {
	ctl --json status | $PYTHON3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["database"]["writable"] else 1)'
}

systemd_dirs
start; ok $? "first start in root:root 0750 directories: the daemon answers"
writable; ok $? "... its database is writable"
[ "$(stat -c '%U %a' "$WORK/state")" = "nobody 700" ]; ok $? "the state directory is the daemon's user's, 0700: $(stat -c '%U:%G %a' "$WORK/state")"
[ "$(stat -c %U "$WORK/state/zhulan.db")" = nobody ]; ok $? "the database file is the daemon's user's"
[ "$(stat -c '%U %G %a' "$WORK/run")" = "root $GROUP 750" ]; ok $? "the socket's directory is root:$GROUP 0750: $(stat -c '%U:%G %a' "$WORK/run")"
ctl reload >/dev/null; ok $? "a reload (written to the audit table)"
setpriv --reuid=4242 --regid="$GROUP" --clear-groups "$ZHULANCTL" -s "$WORK/run/control.sock" status >/dev/null
ok $? "a user of group $GROUP reaches the control socket"
st=1; [ -n "${DPID:-}" ] && stop; ok $st "clean stop"

# a restart: systemd chowns the state directory's contents back to root
systemd_dirs
ls -l "$WORK/state" | sed 's/^/# /'
start; ok $? "second start, the database's files now root's: the daemon answers"
writable; ok $? "... its database is writable"
ctl reload >/dev/null; ok $? "another reload"
st=1; [ -n "${DPID:-}" ] && stop; ok $st "clean stop"
n=$(sqlite3 "$WORK/state/zhulan.db" "select count(*) from audit where action = 'reload'" 2>&1)
[ "$n" = 2 ]; ok $? "both runs wrote to the same database (reloads in its audit table: $n)"

# a database in a directory that holds other things is not taken over
mkdir -p "$WORK/shared"; chmod 755 "$WORK/shared"; touch "$WORK/shared/other.txt"
sed "s|^database = .*|database = $WORK/shared/zhulan.db|" "$WORK/zhulan.conf" > "$WORK/shared.conf"
timeout 10 ip netns exec $P-gw "$ZHULAN" -f -c "$WORK/shared.conf" 2> "$WORK/err"; st=$?
ok $(( st != 2 )) "database in a shared root directory: exit 2 (got $st)"
[ "$(stat -c '%U %a' "$WORK/shared")" = "root 755" ]; ok $? "... which stays root's 0755"
grep -q "AddressSanitizer\|runtime error\|LeakSanitizer" "$WORK/daemon.log" "$WORK/err"
ok $(( $? == 0 )) "no sanitizer report"
done_testing
