#!/bin/bash
# console.sh - the web console end to end: the lab, the daemon on its
# gateway with a behaviour policy and an address book, zhulan-web on
# loopback, one account per role made with zhulanctl; real traffic (fin1's
# blocked Douyin; an SNI and an HTTP Host that are markup); then the
# browser tests (tests/browser, Debian's chromium through playwright-core)
# enrol each account (new password, TOTP from its QR page), use each role's
# pages and photograph them in both languages into build/screenshots/.
# For the IPv6 page: fin1 (dual-stack) and fin2 (IPv4 only) fetch over
# both families, and a name server of the test's own gives the daemon's
# site checks one IPv6-ready site and one without AAAA.
# Incidents from real tools (fin1's nmap -sS, a flow to a blocklisted
# address) for the 安全事件 page; the 报表 page makes this month's report.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
command -v nft >/dev/null || skip_all "nft not installed (apt-get install nftables)"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
ZHULAN_WEB=${ZHULAN_WEB:-$(dirname "$ZHULAN")/zhulan-web}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
NODE=${NODE:-$(command -v node || command -v nodejs)}
BROWSER_DIR="$top_srcdir/tests/browser"
# packaging/install-deps installs all of these: a missing one is a failure,
# never a silent skip of the console's only browser test
missing() { echo "not ok 1 - $*"; echo "1..1"; exit 1; }
[ -x "$ZHULAN_WEB" ] || missing "zhulan-web is not built ($ZHULAN_WEB)"
[ -x "$CHROMIUM" ] || missing "chromium not installed (packaging/install-deps installs it)"
[ -n "$NODE" ] || missing "node not installed (packaging/install-deps installs nodejs)"
command -v oathtool >/dev/null || missing "oathtool not installed"
if [ ! -d "$BROWSER_DIR/node_modules/playwright-core" ]; then
	(cd "$BROWSER_DIR" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		missing "tests/browser: npm ci failed (playwright-core not installed)"
fi
LAB="$top_srcdir/packaging/lab"
P=zlc$$
# the daemon makes a report (cairo's PDF surface keeps a few buffers to the end)
export LSAN_OPTIONS=suppressions=$top_srcdir/tests/lsan-report.supp:print_suppressions=0
chmod 755 "$WORK"
WPID=
cleanup() {
	[ -s "$WORK/dnsmasq.pid" ] && kill "$(cat "$WORK/dnsmasq.pid")" 2>/dev/null
	[ -n "$WPID" ] && kill "$WPID" 2>/dev/null && wait "$WPID" 2>/dev/null
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	"$LAB" down --prefix $P >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
lab_up $P "$WORK/lab.log"

XSS='<img src=x onerror=alert(1)>'
cat > "$WORK/policy.conf" <<'POL'
zone lan { interface lan0 }
zone wan { interface wan0 }
set finance   { 192.0.2.0/26, 2001:db8:10::/64 }
set botnet_cc { 198.51.100.12 }

filter forward default drop {
  pass from lan to wan
}
filter input default drop {
  pass proto { icmp, icmpv6 }
}

behaviour {
  block app Douyin from $finance
  audit all
}

incidents {
  blocklist $botnet_cc
}
POL
cat > "$WORK/hosts.csv" <<'CSV'
address,name,owner,department
192.0.2.10,fin-pc-01,张三,财政局
192.0.2.11,fin-pc-02,赵敏,县政务服务和大数据管理局数据共享交换中心
192.0.2.74,edu-pc-01,李四,教育局
192.0.2.75,edu-pc-02,王五,教育局
192.0.2.300,bad-pc,赵六,卫健局
CSV
cat > "$WORK/zhulan.conf" <<CONF
interfaces = lan0
database = $WORK/db/zhulan.db
control_socket = $WORK/run/control.sock
policy = $WORK/policy.conf
user = nobody
app_dir = $ZHULAN_DATADIR
flow_timeout_tcp_closed = 2
flow_timeout_tcp = 6
flow_timeout_udp = 5
web_listen = 127.0.0.1:0
web_state_dir = $WORK/web
web_static = $top_srcdir/webui/static
web_user = daemon
ipv6_sites = http://www.dazhu.example/, http://oa.dazhu.example/
ipv6_check_hour = off
ipv6_check_interval_ms = 100
CONF

# The sites' names: www.dazhu.example on the lab's web server (A + AAAA),
# oa.dazhu.example on one of its IPv4 addresses only, dazhu.example's name
# server this one (A + AAAA); the gateway (where the daemon checks) asks it.
NS4=198.51.100.46 NS6=2001:db8:f::46
ip -n $P-inet addr add $NS4/32 dev lo
ip -n $P-inet -6 addr add $NS6/128 dev lo nodad
wire() { local l out=""; for l in ${1//./ }; do out="$out$(printf '%02x' ${#l})$(printf '%s' "$l" | od -An -tx1 | tr -d ' \n')"; done; echo "${out}00"; }
ip netns exec $P-inet /usr/sbin/dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
	--bind-interfaces --listen-address=$NS4 --listen-address=$NS6 --port=53 --address=/#/ \
	--local-ttl=1 --user=nobody --group=nogroup --pid-file="$WORK/dnsmasq.pid" \
	--host-record=www.dazhu.example,198.51.100.10,2001:db8:f::10 \
	--host-record=oa.dazhu.example,198.51.100.12 --host-record=ns1.dazhu.example,$NS4,$NS6 \
	--host-record=portal.old.example,198.51.100.13 \
	--dns-rr=dazhu.example,2,"$(wire ns1.dazhu.example)" </dev/null
ok $? "the sites' name server starts"
printf 'nameserver %s\nnameserver %s\noptions timeout:2 attempts:2\n' $NS4 $NS6 > /etc/netns/$P-gw/resolv.conf

start; ok $? "the daemon starts on the gateway with a behaviour policy" || { done_testing; exit 1; }
ctl hosts import "$WORK/hosts.csv" > "$WORK/imp" 2>&1
grep -q "4 hosts imported" "$WORK/imp"; ok $? "the address book is imported: $(tail -1 "$WORK/imp")"

# The console on the host's loopback (the policy applies to the lab's
# gateway), on a free port it logs.
"$ZHULAN_WEB" -f -c "$WORK/zhulan.conf" 2>>"$WORK/web.log" &
WPID=$!
PORT=
for _ in $(seq 100); do
	PORT=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\) .*|\1|p' "$WORK/web.log" | tail -1)
	[ -n "$PORT" ] && break
	kill -0 "$WPID" 2>/dev/null || break
	sleep 0.1
done
code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:${PORT:-1}/")
ok $(( code != 200 )) "zhulan-web serves the console on https://127.0.0.1:$PORT/ ($code)" ||
	{ sed 's/^/# /' "$WORK/web.log" | tail -10; done_testing; exit 1; }

# One account per role; zhulanctl prints each one-time password.
declare -A PW
for role in admin security auditor report; do
	u="zl$role"
	ctl users add "$u" --role "$role" > "$WORK/add.$role" 2>&1; st=$?
	PW[$role]=$(awk 'NF { w = $NF } END { print w }' "$WORK/add.$role")
	ok $(( st != 0 || ${#PW[$role]} < 8 )) "zhulanctl users add $u --role $role prints a one-time password" ||
		sed 's/^/# /' "$WORK/add.$role"
done

# Traffic: fin1's Douyin is blocked (and logged at the flow's end); fin2
# names a server with markup, once as an HTTP Host and once as a TLS SNI.
inns fin1 curl -sk -4 --connect-timeout 3 -m 5 -o /dev/null \
	--resolve www.douyin.com:443:198.51.100.11 https://www.douyin.com/; st=$?
ok $(( st == 0 )) "fin1's HTTPS to Douyin is blocked (curl $st)"
inns fin2 curl -s -m 5 -o /dev/null -H "Host: $XSS" http://198.51.100.10/
ok $? "fin2 sends an HTTP Host of $XSS"
inns fin2 timeout 5 openssl s_client -connect 198.51.100.10:443 -servername "$XSS" </dev/null >/dev/null 2>&1
ok $? "fin2 sends a TLS SNI of $XSS"
# a 60-character name: the pages that show it keep their columns
LONGSNI=img-cdn-edge-000042.static-assets.video-distribution.example
inns fin2 timeout 5 openssl s_client -connect 198.51.100.10:443 -servername "$LONGSNI" </dev/null >/dev/null 2>&1
ok $? "fin2 sends a TLS SNI of ${#LONGSNI} characters"
# IPv6: fin1 fetches over both families (names with AAAA from the lab's
# name server), fin2 over IPv4 only; both ask for a name without AAAA and
# fetch it over IPv4
v6ok=0
for i in 1 2 3; do
	inns fin1 curl -s -6 -m 10 -o /dev/null http://www.bilibili.com/static/banner.jpg || v6ok=1
done
inns fin1 dig +short +tries=1 +time=3 www.baidu.com AAAA > /dev/null   # it has AAAA, yet:
inns fin1 curl -s -4 -m 10 -o /dev/null http://www.baidu.com/static/banner.jpg || v6ok=1
for h in fin1 fin2; do
	inns $h dig +short +tries=1 +time=3 @$NS4 portal.old.example A > /dev/null
	inns $h dig +short +tries=1 +time=3 @$NS4 portal.old.example AAAA > /dev/null
	inns $h curl -s -4 -m 10 -o /dev/null --resolve portal.old.example:80:198.51.100.13 \
		http://portal.old.example/static/app.js || v6ok=1
done
inns fin2 curl -s -4 -m 10 -o /dev/null http://www.taobao.com/static/banner.jpg || v6ok=1
ok $v6ok "fin1 fetches over IPv6 and IPv4, fin2 over IPv4"
# incidents: fin1 scans 1,000 ports of the Internet's server (one medium
# scan incident) and fetches a page from a blocklisted address (high)
inns fin1 nmap -n -Pn -sS -T4 -p 1-1000 198.51.100.10 > "$WORK/nmap.log" 2>&1
ok $? "nmap -sS of 1,000 ports from fin1"
inns fin1 curl -s -o /dev/null --max-time 5 http://198.51.100.12/
ok $? "fin1 fetches a page from a blocklisted address"
sleep 4   # closed TCP flows end after 2 s; then they are stored and logged
for _ in $(seq 40); do
	ctl --json incidents > "$WORK/inc.json" 2>/dev/null &&
		[ "$(jq '[.incidents[] | select(.src_ip == "192.0.2.10" and (.type == "scan" or .type == "blocklist"))] | length' "$WORK/inc.json")" -ge 2 ] && break
	sleep 0.5
done
jq -e '[.incidents[] | select(.src_ip == "192.0.2.10" and .type == "scan")] | length == 1' "$WORK/inc.json" >/dev/null &&
	jq -e '[.incidents[] | select(.dest_ip == "198.51.100.12" and .type == "blocklist")] | length == 1' "$WORK/inc.json" >/dev/null
ok $? "the scan and the blocklisted peer are one incident each ($(jq -c '[.incidents[] | [.id, .type, .severity, .count]]' "$WORK/inc.json"))"
ctl --json access-log --host 192.0.2.10 --action block > "$WORK/al" 2>&1
grep -q '"app": "TLS.Douyin"' "$WORK/al"; ok $? "the blocked Douyin access is in the access log"

# the certificate's fingerprint as a TLS client sees it
FP=$(openssl s_client -connect "127.0.0.1:$PORT" </dev/null 2>/dev/null |
	openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//')
mkdir -p "$top_builddir/screenshots"
LONGSNI=$LONGSNI WORK=$WORK $PYTHON3 - "$WORK/console.json" "$PORT" "$top_builddir/screenshots" "$XSS" "$WORK/hosts.csv" "$FP" \
	"${PW[admin]}" "${PW[security]}" "${PW[auditor]}" "${PW[report]}" <<'PY'
import json, os, sys
out, port, shots, xss, csv, fp = sys.argv[1:7]
pw = dict(zip(["admin", "security", "auditor", "report"], sys.argv[7:11]))
json.dump({"url": "https://127.0.0.1:%s/" % port, "shots": shots, "xss": xss, "fingerprint": fp,
           "db": os.environ["WORK"] + "/db/zhulan.db",
           "xss_client": "192.0.2.11", "long_sni": os.environ["LONGSNI"], "douyin_client": "192.0.2.10", "scan_client": "192.0.2.10",
           "hosts_csv": open(csv, encoding="utf-8").read(),
           "accounts": {r: {"user": "zl" + r, "password": p} for r, p in pw.items()}},
          open(out, "w"), ensure_ascii=False)
PY

# The browser tests' TAP lines, numbered here.
ZL_CONSOLE="$WORK/console.json" CHROMIUM="$CHROMIUM" timeout 600 "$NODE" "$BROWSER_DIR/console.test.js" \
	> "$WORK/browser.out" 2>&1; bst=$?
while IFS= read -r line; do
	case "$line" in
	"ok - "*) ok 0 "${line#ok - }";;
	"not ok - "*) ok 1 "${line#not ok - }";;
	*) echo "# $line";;
	esac
done < "$WORK/browser.out"
ok $bst "the browser tests ran to their end (status $bst); screenshots in $top_builddir/screenshots"
sqlite3 "$WORK/db/zhulan.db" "SELECT who FROM audit WHERE action = 'access-log query'" | grep -q "zlsecurity"
ok $? "the console's access-log searches are audited under the security user's name"
n=$(sqlite3 "$WORK/db/zhulan.db" "SELECT count(*) FROM audit WHERE action = 'incident change' AND who LIKE 'zlsecurity %'")
[ "$n" -eq 2 ]; ok $? "the incident's acknowledgement and resolution are audited under the security user's name ($n)"
n=$(sqlite3 "$WORK/db/zhulan.db" "SELECT count(*) FROM audit WHERE action = 'incident change refused' OR (action = 'incident change' AND who LIKE 'zlauditor %')")
[ "$n" -eq 0 ]; ok $? "the auditor changed no incident ($n audit rows)"
sqlite3 "$WORK/db/zhulan.db" "SELECT who FROM audit WHERE action = 'report download'" | grep -q "^zlreport "
ok $? "the report's download from the console is audited under the report user's name"
kill "$WPID"; wait "$WPID"; st=$?; WPID=
ok $(( st != 0 && st != 143 )) "zhulan-web stops on SIGTERM (status $st)"
stop; ok $(( st != 0 )) "the daemon stops cleanly" || tail -20 "$WORK/daemon.log" | sed "s/^/# /"
done_testing
