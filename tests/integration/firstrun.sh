#!/bin/bash
# firstrun.sh - the daemon as the packages install it: no interface in
# zhulan.conf and the starter policy. It starts, answers, and says in
# `zhulanctl status` and its log what to set; the starter policy passes
# everything (no filter chain, no behaviour rule). Runs in a network
# namespace of its own, so the policy's table never reaches the host.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for a network namespace"
NS=zlfr$$
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
chmod 755 "$WORK"
ip netns add "$NS"

"$ZHULANCTL" policy check "$top_srcdir/packaging/policy.conf" > "$WORK/check" 2>&1
ok $? "the starter policy checks clean: $(head -1 "$WORK/check")"
grep -q '0 filters with 0 rules, 0 behaviour rules' "$WORK/check"
ok $? "it has no filter rule and no behaviour rule: it passes everything, audits nothing"
grep -q '^interfaces' "$top_srcdir/packaging/zhulan.conf"
ok $(( ! $? )) "the packaged zhulan.conf names no interface"

# the packaged file, with this test's paths
{ sed '/^#\?\(database\|control_socket\|policy\|user\) *=/d' "$top_srcdir/packaging/zhulan.conf"
  cat <<CONF
database = $WORK/db/zhulan.db
control_socket = $WORK/run/control.sock
policy = $top_srcdir/packaging/policy.conf
user = nobody
app_dir = $ZHULAN_DATADIR
CONF
} > "$WORK/zhulan.conf"
mkdir -p "$WORK/run"
ip netns exec "$NS" "$ZHULAN" -f -c "$WORK/zhulan.conf" 2>"$WORK/daemon.log" &
DPID=$!
up=1
for _ in $(seq 50); do
	kill -0 "$DPID" 2>/dev/null || break
	ctl status > "$WORK/status" 2>&1 && { up=0; break; }
	sleep 0.1
done
ok $up "the daemon starts without an interface and answers status" || sed 's/^/# /' "$WORK/daemon.log"
grep -q "^SETUP NEEDED: no interface configured: set \"interfaces = IFACE\[, IFACE...\]\" in $WORK/zhulan.conf" "$WORK/status"
ok $? "zhulanctl status says what to set: $(grep SETUP "$WORK/status")"
ctl --json status | jq -e '.setup | test("^no interface configured")' > /dev/null
ok $? "so does GET /v1/status (setup)"
grep -q 'no interface configured' "$WORK/daemon.log"; ok $? "and the log"
ip netns exec "$NS" nft list table inet zhulan > "$WORK/table" 2>&1
! grep -q 'policy drop' "$WORK/table" && ! grep -q '^	chain \(forward\|input\|output\)' "$WORK/table"
ok $? "the starter policy's table has no filter chain of its own"
kill -TERM "$DPID"; wait "$DPID"; st=$?; DPID=
ok $st "SIGTERM: exit 0"

# zhulanctl's bash completion names applications and categories
"$ZHULANCTL" policy names apps > "$WORK/apps" && grep -qx Douyin "$WORK/apps" && grep -qx DingTalk "$WORK/apps" &&
	grep -qx YouTube "$WORK/apps"
ok $? "zhulanctl policy names apps: the pack's and nDPI's ($(wc -l < "$WORK/apps") names)"
"$ZHULANCTL" policy names categories | grep -qx Game; ok $? "zhulanctl policy names categories"
if [ -r /usr/share/bash-completion/bash_completion ]; then
	complete_words() { # complete_words WORD...: what Tab offers after them
		bash -c '. /usr/share/bash-completion/bash_completion; . "$1"; shift
			zhulanctl() { "$ZHULANCTL" "$@"; }
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_zhulanctl; printf "%s\n" "${COMPREPLY[@]}"' _ \
			"$top_srcdir/packaging/bash-completion/zhulanctl" "$@"
	}
	[ "$(complete_words zhulanctl flows --app Douyi)" = Douyin ]
	ok $? "zhulanctl flows --app Douyi<Tab> completes Douyin"
	complete_words zhulanctl flows --category Ga | grep -qx Game
	ok $? "--category Ga<Tab> offers Game"
	complete_words zhulanctl po | grep -qx policy; ok $? "commands complete (po<Tab>: policy)"
else
	echo "ok $((tap_n + 1)) # SKIP bash-completion is not installed"; tap_n=$((tap_n + 1))
fi
done_testing
