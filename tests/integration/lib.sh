# lib.sh - TAP helpers for the integration tests (sourced).
# The harness runs tests from the build directory with ZHULAN, ZHULAN_DATADIR,
# PYTHON3, NDPIREADER, top_srcdir and top_builddir set (Makefile.am).
set -u
: "${PYTHON3:=/usr/bin/python3}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
ZLGEN="$PYTHON3 $top_srcdir/tests/gen/zlgen.py"
tap_n=0
tap_fail=0
ok() {   # ok COND-STATUS DESCRIPTION; returns COND-STATUS's truth
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $tap_n - $2"; else echo "not ok $tap_n - $2"; tap_fail=$((tap_fail + 1)); fi
	[ "$1" -eq 0 ]
}
lab_up() {   # lab_up PREFIX LOG: the lab, tried twice (namespaces are shared with
	     # parallel tests); on failure the log's tail and the end of the test
	local i
	for i in 1 2; do
		"$top_srcdir/packaging/lab" up --prefix "$1" > "$2" 2>&1 && { ok 0 "lab up"; return 0; }
		"$top_srcdir/packaging/lab" down --prefix "$1" >> "$2" 2>&1
		sleep 1
	done
	ok 1 "lab up"
	sed 's/^/# /' "$2" | tail -20
	done_testing
	exit 1
}
diag() { echo "# $*"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
done_testing() { echo "1..$tap_n"; [ "$tap_fail" -eq 0 ]; }
# On the lab (tests that set P, LAB and ZHULANCTL): run in a host's
# namespace; zhulanctl on the test's socket; the daemon on the gateway
# with $WORK/zhulan.conf, started until it answers, stopped with its exit
# status in st and the time it took in ms.
inns() { local h=$1; shift; "$LAB" exec --prefix "$P" "$h" "$@"; }
ctl() { "$ZHULANCTL" -s "$WORK/run/control.sock" "$@"; }
start() {
	ip netns exec "$P-gw" "$ZHULAN" -f -c "$WORK/zhulan.conf" 2>>"$WORK/daemon.log" &
	DPID=$!
	for _ in $(seq 50); do
		kill -0 "$DPID" 2>/dev/null || { sed 's/^/# /' "$WORK/daemon.log" | tail -5; DPID=; return 1; }
		[ -S "$WORK/run/control.sock" ] && ctl status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
stop() {
	local t0; t0=$(date +%s%N)
	kill -TERM "$DPID"; wait "$DPID"; st=$?; DPID=
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}
# The daemon's $WORK/zhulan.conf for the behaviour tests: capture on the
# gateway's lan0, $WORK/policy.conf, flows that end within seconds.
lab_conf() {
	cat > "$WORK/zhulan.conf" <<-CONF
	interfaces = lan0
	database = $WORK/db/zhulan.db
	control_socket = $WORK/run/control.sock
	policy = $WORK/policy.conf
	user = nobody
	app_dir = $ZHULAN_DATADIR
	flow_timeout_tcp_closed = 2
	flow_timeout_tcp = 6
	flow_timeout_udp = 5
	CONF
}
WORK=$(mktemp -d /tmp/zl-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# console_account NAME ROLE: a console account ready for use, as zhulan-web
# leaves one after its first login (one-time password changed, TOTP enrolled
# where the role needs it). The daemon must be running (start).
console_account() {
	local u=$1 r=$2 pw sec s="$WORK/run/control.sock"
	acct() { curl -sf --unix-socket "$s" -H "X-Zhulan-User: $u" -H "X-Zhulan-Role: $r" \
		-H 'Content-Type: application/json' -d "$2" "http://zhulan$1"; }
	pw=$(ctl users add "$u" --role "$r") || return 1
	pw=${pw##*: }
	acct /v1/account/password "$(jq -cn --arg o "$pw" --arg n "Lab-pass-$RANDOM-Zz9-q" \
		'{old: $o, new: $n}')" > /dev/null || return 1
	[ "$r" = report ] && return 0
	sec=$(acct /v1/account/totp/begin '{}' | jq -r .secret) || return 1
	acct /v1/account/totp/finish "{\"code\": \"$(oathtool --totp -b "$sec")\"}" > /dev/null
}
