#!/bin/bash
# package.sh - the Debian packages installed and run under a real systemd:
# packaging/build-deb builds zhulan and zhulan-web, and a minimal Debian 12
# root (debootstrap, cached in /var/cache/zhulan-test/) is booted with
# systemd-nspawn in a cgroup of its own, with a private network (a veth pair
# whose other end is in a namespace this test made). Checked inside: the
# install, both services running, the first start without an interface,
# capture on the veth, the console, the security scores, a watchdog stall,
# the flows a stop writes, an upgrade that keeps the database, and purges
# that keep or delete the data as debconf was told.
#
# ZL_DEB_DIR=DIR: use the packages already built there instead of building.
# The first run downloads Debian 12 (a few minutes); later runs reuse it.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (debootstrap, systemd-nspawn)"
for t in debootstrap systemd-nspawn dpkg-buildpackage dh nsenter jq curl; do
	command -v "$t" >/dev/null || skip_all "needs $t (packaging/install-deps installs it)"
done
CACHE=${ZL_TEST_CACHE:-/var/cache/zhulan-test}
ROOT=$CACHE/bookworm
P=zlpk$$
NS=$P-peer
CG=zhulan-test-$$
NSPAWN_PID=
C=   # the container's PID 1
mkdir -p "$CACHE"

cleanup() {
	if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
		kill -TERM "$NSPAWN_PID" 2>/dev/null    # nspawn halts the container
		for _ in $(seq 100); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
	fi
	# what is left: the container's PID 1 takes its namespace with it
	[ -n "$C" ] && kill -KILL "$C" 2>/dev/null
	[ -n "$NSPAWN_PID" ] && kill -KILL "$NSPAWN_PID" 2>/dev/null
	sleep 0.5
	ip netns del "$NS" 2>/dev/null
	for h in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified /sys/fs/cgroup; do
		[ -d "$h/$CG" ] && find "$h/$CG" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

# The mirror this machine's apt uses (deb822 or one-line sources).
mirror() {
	local m
	m=$(grep -hs -A3 '^Types:.*deb' /etc/apt/sources.list.d/*.sources | grep -m1 -o 'URIs: *[^ ]*debian/\?$' |
	    sed 's/URIs: *//')
	[ -n "$m" ] || m=$(grep -hs '^deb .*bookworm' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
			   grep -v security | head -1 | awk '{print $2}')
	echo "${m:-http://deb.debian.org/debian}"
}

# nspawn as a process of its own cgroup (what systemd inside needs without
# a host systemd); --keep-unit --register=no since no host systemd runs.
in_cgroup() {
	local h
	for h in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
		[ -d "$h" ] && mkdir -p "$h/$CG" && echo "$BASHPID" > "$h/$CG/cgroup.procs"
	done
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		mkdir -p "/sys/fs/cgroup/$CG" && echo "$BASHPID" > "/sys/fs/cgroup/$CG/cgroup.procs"
	fi
	exec "$@"
}

# The cached root, with the packages' dependencies, made once (under a lock:
# other runs may want it at the same time).
prepare_root() {
	local deps missing=
	exec 9>"$CACHE/lock"
	flock 9
	if [ ! -x "$ROOT/usr/lib/systemd/systemd" ]; then
		diag "debootstrap Debian 12 into $ROOT from $(mirror) (once)"
		rm -rf "$ROOT.tmp"
		debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm "$ROOT.tmp" \
			"$(mirror)" > "$WORK/debootstrap.log" 2>&1 || {
			tail -5 "$WORK/debootstrap.log" | sed 's/^/# /'; return 1; }
		mv "$ROOT.tmp" "$ROOT"
	fi
	# what the packages depend on and recommend, first alternatives,
	# versions dropped (the container has no network)
	deps=$(for d in "$DEBS"/zhulan_*.deb "$DEBS"/zhulan-web_*.deb; do
	       dpkg-deb -f "$d" Depends; echo ,; dpkg-deb -f "$d" Recommends; done |
	       tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^zhulan' | sort -u)
	for p in $deps; do
		chroot "$ROOT" dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		diag "installing into the cached root:$missing"
		( in_cgroup systemd-nspawn -q --register=no --keep-unit -D "$ROOT" --pipe \
			-E DEBIAN_FRONTEND=noninteractive sh -c \
			"apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing && apt-get clean" \
			) > "$WORK/deps.log" 2>&1 || { tail -5 "$WORK/deps.log" | sed 's/^/# /'; return 1; }
	fi
	flock -u 9
}

in_c() { # a command in the container, with none of this test's environment
	nsenter -t "$C" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}
net_c() { nsenter -t "$C" -n "$@"; }            # a host program in its network
ctl_c() { in_c zhulanctl "$@"; }
active() { [ "$(in_c systemctl is-active "$1" 2>/dev/null)" = active ]; }
wait_for() { # wait_for TENTHS CMD...: CMD succeeds within TENTHS/10 s
	local n=$1; shift
	for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
stored() { # stored [JQ-FILTER]: how many stored flows (those the filter selects)
	ctl_c --json flows --stored --limit 10000 2>/dev/null |
		jq "[.stored.flows[] | select(${1:-true})] | length"
}
score() { in_c systemd-analyze security "$1" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p'; }

# --- the packages ---
t0=$(date +%s)
if [ -n "${ZL_DEB_DIR:-}" ]; then
	DEBS=$ZL_DEB_DIR
else
	DEBS=$WORK/debs
	"$top_srcdir/packaging/build-deb" "$DEBS" > "$WORK/build-deb.log" 2>&1
	ok $? "packaging/build-deb builds the packages, lintian without errors" ||
		{ tail -20 "$WORK/build-deb.log" | sed 's/^/# /'; done_testing; exit 1; }
	grep '^[EW]: ' "$WORK/build-deb.log" | sed 's/^/# lintian: /'
fi
ls "$DEBS"/zhulan_*.deb "$DEBS"/zhulan-web_*.deb "$DEBS"/zhulan-dbgsym_*.deb >/dev/null 2>&1
ok $? "zhulan, zhulan-web and zhulan-dbgsym are built"
VER=$(dpkg-deb -f "$DEBS"/zhulan_*.deb Version)
dpkg-deb -f "$DEBS"/zhulan-web_*.deb Depends | grep -q 'libjs-chart\.js'
ok $? "zhulan-web depends on libjs-chart.js"
! dpkg-deb -c "$DEBS"/zhulan-web_*.deb | grep -qiE '/chart(\.umd)?(\.min)?\.js$'   # not our own js/charts.js
ok $? "zhulan-web carries no copy of Chart.js"

prepare_root || { ok 1 "the cached Debian 12 root"; done_testing; exit 1; }
diag "packages and root ready after $(( $(date +%s) - t0 )) s"

# --- boot ---
mkdir -p "$WORK/debs"
cp "$DEBS"/zhulan_*.deb "$DEBS"/zhulan-web_*.deb "$WORK/debs/" 2>/dev/null
( in_cgroup systemd-nspawn -q --boot --register=no --keep-unit --volatile=overlay \
	--private-network --console=passive -D "$ROOT" --machine="$P" \
	--bind-ro="$WORK/debs:/debs" ) > "$WORK/boot.log" 2>&1 &
NSPAWN_PID=$!
for _ in $(seq 100); do
	C=$(pgrep -P "$NSPAWN_PID" -x systemd 2>/dev/null | head -1)
	[ -n "$C" ] && break
	sleep 0.1
done
# systemd answers once its bus is up; then wait for the boot to finish
st=
for _ in $(seq 300); do
	[ -n "$C" ] && st=$(timeout 60 nsenter -t "$C" -a systemctl is-system-running --wait 2>/dev/null)
	case $st in running|degraded) break ;; esac
	sleep 0.1
done
[ "$st" = running ]; ok $? "the container boots (systemd says: $st)" ||
	{ tail -20 "$WORK/boot.log" | sed 's/^/# /'; done_testing; exit 1; }

# the capture interface: one end of a veth in the container, the other in
# a namespace of this test's
ip netns add "$NS" && ip -n "$NS" link add zl0 type veth peer name zl1 &&
	ip -n "$NS" link set zl0 netns "$C" &&
	ip -n "$NS" addr add 192.0.2.2/24 dev zl1 && ip -n "$NS" link set zl1 up &&
	net_c ip addr add 192.0.2.1/24 dev zl0 && net_c ip link set zl0 up
ok $? "a veth zl0 in the container, its peer in $NS"

# --- install ---
ARCH=$(dpkg-deb -f "$DEBS"/zhulan_*.deb Architecture)
in_c env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	"/debs/zhulan_${VER}_$ARCH.deb" "/debs/zhulan-web_${VER}_$ARCH.deb" > "$WORK/install.log" 2>&1
ok $? "apt-get install ./zhulan_*.deb ./zhulan-web_*.deb" || tail -15 "$WORK/install.log" | sed 's/^/# /'
wait_for 100 active zhulan.service; ok $? "zhulan.service is active (running) after the install"
wait_for 100 active zhulan-web.service; ok $? "zhulan-web.service is active (running)" ||
	in_c journalctl -u zhulan-web --no-pager | tail -5 | sed 's/^/# /'
in_c id zhulan-web | grep -q '(zhulan)'; ok $? "zhulan-web is in the zhulan group: $(in_c id zhulan-web)"
[ "$(in_c stat -c '%U:%G %a' /var/lib/zhulan /var/lib/zhulan/reports /run/zhulan | tr '\n' ' ')" = \
  "zhulan:zhulan 700 zhulan:zhulan 700 root:zhulan 750 " ]
ok $? "tmpfiles.d made /var/lib/zhulan, its reports/ and /run/zhulan"
in_c dpkg-query -W -f='${Conffiles}' zhulan | grep -q /etc/zhulan/policy.conf &&
	in_c dpkg-query -W -f='${Conffiles}' zhulan | grep -q /etc/zhulan/zhulan.conf
ok $? "/etc/zhulan/zhulan.conf and policy.conf are conffiles"
ctl_c policy check /etc/zhulan/policy.conf > "$WORK/check.out" 2>&1 && ! grep -q 'not checked' "$WORK/check.out"
ok $? "the starter policy checks clean, names checked against the installed pack: $(head -1 "$WORK/check.out")"

# --- first start: no interface ---
ctl_c status > "$WORK/status0" 2>&1
grep -q 'SETUP NEEDED: no interface configured.*interfaces = ' "$WORK/status0"
ok $? "zhulanctl status answers and says what to set: $(grep SETUP "$WORK/status0")"
in_c journalctl -u zhulan --no-pager | grep -q 'no interface configured'
ok $? "the journal says it too"
in_c systemctl show -p StatusText --value zhulan | grep -q 'interfaces = '
ok $? "so does systemctl status (STATUS=)"
in_c sh -c "sed -i 's/^#interfaces = lan0/interfaces = zl0/' /etc/zhulan/zhulan.conf && systemctl restart zhulan"
wait_for 100 active zhulan.service
ctl_c status > "$WORK/status1" 2>&1
grep -q '^zl0 ' "$WORK/status1" && ! grep -q SETUP "$WORK/status1"
ok $? "with interfaces = zl0 set and a restart, zhulan captures on zl0" || sed 's/^/# /' "$WORK/status1"
pid=$(in_c systemctl show -p MainPID --value zhulan)
[ "$(in_c stat -c %U "/proc/$pid")" = zhulan ]; ok $? "the daemon runs as zhulan"
in_c grep -q '^CapEff:.*0000000000003000$' "/proc/$pid/status"
ok $? "it keeps CAP_NET_RAW and CAP_NET_ADMIN only: $(in_c grep CapEff "/proc/$pid/status")"
net_c nft list table inet zhulan > /dev/null 2>&1
ok $? "the starter policy's table inet zhulan is in the container's kernel"
in_c systemctl reload zhulan && wait_for 30 sh -c "nsenter -t $C -a journalctl -u zhulan --no-pager | grep -q 'configuration reloaded'"
ok $? "systemctl reload zhulan reloads the configuration (as zhulanctl reload and SIGHUP do)"
in_c sh -c "echo 'retention_days = 0' >> /etc/zhulan/zhulan.conf"
! in_c systemctl reload zhulan 2>/dev/null && active zhulan.service
ok $? "a bad zhulan.conf fails systemctl reload, and the daemon runs on"
in_c sed -i '/^retention_days = 0$/d' /etc/zhulan/zhulan.conf

# --- the console ---
code=$(net_c curl -sk -o "$WORK/index.html" -w '%{http_code}' https://127.0.0.1:8443/)
[ "$code" = 200 ] && grep -qi '<title>.*zhulan' "$WORK/index.html"
ok $? "the console's login page is served (HTTP $code)"
code=$(net_c curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:8443/vendor/chart.js)
[ "$code" = 200 ]; ok $? "Chart.js comes from Debian's libjs-chart.js (HTTP $code)"
pw=$(ctl_c users add tester --role admin 2>/dev/null); pw=${pw##*: }
code=$(net_c curl -sk -o "$WORK/login" -w '%{http_code}' -H 'Content-Type: application/json' \
	-H 'Origin: https://127.0.0.1:8443' --data "{\"user\":\"tester\",\"password\":\"$pw\"}" \
	https://127.0.0.1:8443/api/v1/login)
[ "$code" = 200 ]; ok $? "a login through the console reaches the daemon's socket (HTTP $code)" ||
	head -c 300 "$WORK/login" | sed 's/^/# /'

# --- systemd-analyze security ---
sz=$(score zhulan.service); sw=$(score zhulan-web.service)
diag "systemd-analyze security: zhulan.service $sz, zhulan-web.service $sw"
awk -v s="$sw" 'BEGIN { exit !(s != "" && s < 3.0) }'; ok $? "zhulan-web's exposure $sw is below 3.0"
awk -v s="$sz" 'BEGIN { exit !(s != "" && s < 3.0) }'; ok $? "zhulan's exposure $sz is below 3.0 (what stays: packaging/README.md)"

# --- stop writes the live flows ---
ip netns exec "$NS" ping -c 3 -i 0.2 192.0.2.1 > /dev/null 2>&1
for p in 5353 5354 5355; do ip netns exec "$NS" bash -c "echo zhulan > /dev/udp/192.0.2.1/$p"; done
wait_for 50 sh -c "nsenter -t $C -a zhulanctl --json flows --live | grep -q 192.0.2.2"
ok $? "the flows from the peer are live in the daemon"
sel='.src_ip == "192.0.2.2" and .end_reason == "shutdown"'
before=$(stored "$sel")
in_c systemctl stop zhulan
net_c nft list table inet zhulan > /dev/null 2>&1; ok $? "a stop leaves table inet zhulan in the kernel"
in_c systemctl start zhulan; wait_for 100 active zhulan.service
after=$(stored "$sel")
[ "${after:-0}" -ge 2 ] && [ "${before:-1}" -eq 0 ]
ok $? "systemctl stop wrote the live flows to the database (stored, ended by the shutdown: $before before, $after after)"

# --- the watchdog: a daemon that stops answering is restarted ---
# (WatchdogSec=30 in the unit; 3 s here, in a runtime drop-in, to keep the test short)
in_c sh -c 'mkdir -p /run/systemd/system/zhulan.service.d && printf "[Service]\nWatchdogSec=3\nTimeoutAbortSec=2\n" > /run/systemd/system/zhulan.service.d/test.conf && systemctl daemon-reload && systemctl restart zhulan'
wait_for 100 active zhulan.service
n0=$(in_c systemctl show -p NRestarts --value zhulan); pid=$(in_c systemctl show -p MainPID --value zhulan)
[ "${pid:-0}" -gt 1 ] && in_c sh -c "kill -STOP $pid"
wait_for 150 sh -c "[ \$(nsenter -t $C -a systemctl show -p NRestarts --value zhulan) -gt $n0 ]"
ok $? "a stalled daemon (SIGSTOP) is caught by the watchdog and restarted"
in_c journalctl -u zhulan --no-pager | grep -q 'Watchdog timeout'; ok $? "the journal says: watchdog timeout"
wait_for 100 active zhulan.service && ctl_c status > /dev/null 2>&1
ok $? "the restarted daemon answers"
in_c sh -c 'rm -rf /run/systemd/system/zhulan.service.d && systemctl daemon-reload'

# --- upgrade: a higher version keeps the database ---
rows=$(stored)
for p in zhulan zhulan-web; do
	rm -rf "$WORK/x" && dpkg-deb -R "$WORK/debs/${p}_${VER}_$ARCH.deb" "$WORK/x" &&
	sed -i "s/^Version: .*/Version: ${VER}+1/; s/zhulan (= ${VER})/zhulan (= ${VER}+1)/" "$WORK/x/DEBIAN/control" &&
	dpkg-deb -b "$WORK/x" "$WORK/debs/${p}_${VER}+1_$ARCH.deb" > /dev/null || break
done
in_c env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	"/debs/zhulan_${VER}+1_$ARCH.deb" "/debs/zhulan-web_${VER}+1_$ARCH.deb" > "$WORK/upgrade.log" 2>&1
ok $? "an upgrade to $VER+1" || tail -10 "$WORK/upgrade.log" | sed 's/^/# /'
wait_for 100 active zhulan.service && wait_for 100 active zhulan-web.service
ok $? "both services run after the upgrade"
[ "$(stored)" -ge "${rows:-1}" ] && [ "${rows:-0}" -gt 0 ]
ok $? "the database kept its $rows flows"
ctl_c users list 2>/dev/null | grep -q tester; ok $? "and its console accounts"

# --- remove and purge ---
in_c env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q zhulan-web zhulan > "$WORK/purge.log" 2>&1
ok $? "apt-get purge zhulan-web zhulan (debconf's default: keep the data)"
[ -s "/proc/$C/root/var/lib/zhulan/zhulan.db" ]; ok $? "purge with keep-data keeps /var/lib/zhulan/zhulan.db"
[ ! -e "/proc/$C/root/var/lib/zhulan-web" ]; ok $? "purge deletes the console's self-signed pair"
net_c nft list table inet zhulan > /dev/null 2>&1; ok $? "removal leaves table inet zhulan (README: nft delete table inet zhulan)"
in_c env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	"/debs/zhulan_${VER}+1_$ARCH.deb" > "$WORK/install2.log" 2>&1 &&
	echo 'zhulan zhulan/purge_data boolean true' | in_c debconf-set-selections &&
	in_c env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q zhulan > "$WORK/purge2.log" 2>&1
[ ! -e "/proc/$C/root/var/lib/zhulan" ]; ok $? "purge with 'delete' answered deletes /var/lib/zhulan"
diag "package.sh took $(( $(date +%s) - t0 )) s"
done_testing
