#!/bin/bash
# ipv6_sites.sh - the IPv6 readiness check of web sites by the national
# method (zhulanctl ipv6 check), run from a dual-stack department host
# (fin1) against four sites served in the lab's Internet by a name server
# and a web server of this test's own:
#   ready.gov.example    A + AAAA, the same page over both (it shows the
#                        time and the client's address), links all ready
#   noaaaa.gov.example   A only
#   diff.gov.example     A + AAAA, another page over IPv6
#   v4links.gov.example  A + AAAA, but its links go to old.v4links, A only
# Each gets exactly its verdicts and link rates; one check runs at the
# default pace and the web server's log shows a second between requests.
# Then the daemon on the gateway checks its ipv6_sites (ready and noaaaa)
# and a URL on demand, and GET /v1/ipv6/sites reports their verdicts.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
command -v openssl >/dev/null || skip_all "openssl not installed"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zl6$$
INET=$P-inet
A4=198.51.100 A6=2001:db8:f:   # .41-.45 and ::41-::45: this test's own
chmod 755 "$WORK"
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	"$LAB" down --prefix $P >/dev/null 2>&1   # ends the servers in $INET too
	rm -rf "$WORK"
}
trap cleanup EXIT
lab_up $P "$WORK/lab.log"   # (it installs nginx and dnsmasq when missing)

for i in 41 42 43 44 45; do
	ip -n $INET addr add $A4.$i/32 dev lo
	ip -n $INET -6 addr add $A6:$i/128 dev lo nodad
done

# ---- names: gov.example's name servers are ns1 (A + AAAA) and ns2 (A only)
wire() {   # a domain name in DNS wire format, as hex for --dns-rr
	local l out=""
	for l in ${1//./ }; do out="$out$(printf '%02x' ${#l})$(printf '%s' "$l" | od -An -tx1 | tr -d ' \n')"; done
	echo "${out}00"
}
ip netns exec $INET /usr/sbin/dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
	--bind-interfaces --listen-address=$A4.45 --listen-address=$A6:45 --port=53 \
	--address=/#/ --local-ttl=1 --user=nobody --group=nogroup --pid-file="$WORK/dnsmasq.pid" \
	--log-queries --log-facility="$WORK/dnsmasq.log" \
	--host-record=ready.gov.example,$A4.41,$A6:41 \
	--host-record=news.ready.gov.example,$A4.41,$A6:41 \
	--host-record=noaaaa.gov.example,$A4.42 \
	--host-record=diff.gov.example,$A4.43,$A6:43 \
	--host-record=v4links.gov.example,$A4.44,$A6:44 \
	--host-record=old.v4links.gov.example,$A4.44 \
	--host-record=ns1.gov.example,$A4.45,$A6:45 \
	--host-record=ns2.gov.example,$A4.45 \
	--dns-rr=gov.example,2,"$(wire ns1.gov.example)" \
	--dns-rr=gov.example,2,"$(wire ns2.gov.example)" \
	--host-record=www.mute.example,$A4.44,$A6:44 \
	--host-record=ns.mute.example,$A4.44,$A6:44 \
	--dns-rr=mute.example,2,"$(wire ns.mute.example)" </dev/null
ok $? "the test's name server started"
# fin1 asks it (ip netns exec takes /etc/netns/NS/resolv.conf; lab down removes it)
printf 'nameserver %s\nnameserver %s\noptions timeout:2 attempts:2\n' $A4.45 $A6:45 \
	> /etc/netns/$P-fin1/resolv.conf

# ---- pages
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=ready.gov.example -addext "basicConstraints=critical,CA:TRUE" \
	-addext "subjectAltName=DNS:ready.gov.example,DNS:news.ready.gov.example" \
	-keyout "$WORK/key.pem" -out "$WORK/ca.pem" >/dev/null 2>&1
page() {   # page TITLE LINK... : an nginx return of a small HTML page
	local t=$1 l links=""; shift
	for l in "$@"; do links="$links<li><a href='$l'>$l</a>"; done
	printf 'default_type text/html; return 200 "<!doctype html><html><head><meta charset=utf-8><title>%s</title></head><body><h1>%s</h1><ul>%s</ul></body></html>\\n";' "$t" "$t" "$links"
}
# a timestamp and the client's address in the page: not a difference
HOME_READY="default_type text/html; return 200 \"<!doctype html><html><head><title>大竹县人民政府</title><script>var t=\$msec;</script></head><body><h1>大竹县人民政府</h1><p>Updated \$time_iso8601 (\$msec). Your address: \$remote_addr.</p><ul><li><a href='/a.html'>a</a><li><a href=\\\"b.html#top\\\">b</a><li><a href='https://news.ready.gov.example/n.html'>news</a><li><a href='http://www.county.example/'>county</a><li><a href='mailto:office@ready.gov.example'>mail</a></ul></body></html>\";"
cat > "$WORK/nginx.conf" <<CONF
user nobody nogroup;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 256; }
http {
    log_format paced '\$msec \$host \$server_addr \$request_uri';
    access_log $WORK/access.log paced;
    client_body_temp_path $WORK/tmp;
    ssl_certificate $WORK/ca.pem;
    ssl_certificate_key $WORK/key.pem;
    server {
        listen $A4.41:443 ssl; listen [$A6:41]:443 ssl;
        server_name ready.gov.example;
        location = / { $HOME_READY }
        location = /a.html { $(page A /c.html /a.html /) }
        location = /b.html { $(page B /d.html https://news.ready.gov.example/n.html) }
        location / { $(page Page) }
    }
    server {
        listen $A4.41:443 ssl; listen [$A6:41]:443 ssl;
        server_name news.ready.gov.example;
        location = /n.html { $(page News /e.html) }
        location / { $(page Page) }
    }
    server {
        listen $A4.42:80;
        server_name noaaaa.gov.example;
        location = / { $(page NoAAAA /a.html /b.html) }
        location = /a.html { $(page A /c.html) }
        location / { $(page Page) }
    }
    server {
        listen $A4.43:80;
        server_name diff.gov.example;
        location = / { $(page "Finance bureau" /a.html) }
        location = /a.html { $(page A /c.html) }
        location / { $(page Page) }
    }
    server {
        listen [$A6:43]:80;
        server_name diff.gov.example;
        location = / { $(page "Welcome to nginx!" /a.html) }
        location = /a.html { $(page A /c.html) }
        location / { $(page Page) }
    }
    server {
        listen $A4.44:80; listen [$A6:44]:80;
        server_name v4links.gov.example;
        location = / { $(page V4links /a.html http://old.v4links.gov.example/p1.html http://old.v4links.gov.example/p2.html) }
        location = /a.html { $(page A /a2.html) }
        location / { $(page Page) }
    }
    server {
        listen $A4.44:80;
        server_name old.v4links.gov.example;
        location = /p1.html { $(page P1 /p3.html) }
        location / { $(page Page) }
    }
}
CONF
ip netns exec $INET /usr/sbin/nginx -p "$WORK/" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" \
	</dev/null >"$WORK/nginx.out" 2>&1
ok $? "the test's web server started" || sed 's/^/# /' "$WORK/nginx.out" "$WORK/nginx-error.log"
for _ in $(seq 50); do
	inns fin1 curl -s -m 2 -o /dev/null http://v4links.gov.example/ && break
	sleep 0.1
done

# check URL [ARGS...]: zhulanctl's JSON in $WORK/NAME.json, its status in rc
check() {
	local name=$1; shift
	inns fin1 "$ZHULANCTL" ipv6 check "$@" --json > "$WORK/$name.json" 2> "$WORK/$name.err"
	rc=$?
	[ -s "$WORK/$name.err" ] && sed 's/^/# /' "$WORK/$name.err"
}
# the verdicts in one line: each criterion 1/0, ready, link rates
verdicts() {
	$PYTHON3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
c = {x["id"]: x for x in j["criteria"]}
print(" ".join("%s=%d" % (k, c[k]["ok"]) for k in c),
      "ready=%d" % j["ready"],
      "l2=%d/%d" % (c["links_l2"]["ready"], c["links_l2"]["checked"]),
      "l3=%d/%d" % (c["links_l3"]["ready"], c["links_l3"]["checked"]))' "$WORK/$1.json" 2>&1
}
field() {   # field NAME PYTHON-EXPRESSION over j (the result) and c (criteria by id)
	$PYTHON3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
c = {x["id"]: x for x in j["criteria"]}
print(eval(sys.argv[2]))' "$WORK/$1.json" "$2" 2>&1
}
expect() {   # expect NAME WANT DESCRIPTION
	local got; got=$(verdicts "$1")
	[ "$got" = "$2" ]
	ok $? "$3" || { diag "got:  $got"; diag "want: $2"; }
}

# ---- a site fully ready, over HTTPS
check ready https://ready.gov.example/ --interval-ms 50 --cacert "$WORK/ca.pem"
ok $([ $rc = 0 ]; echo $?) "ready.gov.example: zhulanctl exits 0 (ready)"
expect ready "aaaa=1 ns=1 homepage_v6=1 content=1 links_l2=1 links_l3=1 degradation=1 ready=1 l2=3/3 l3=3/3" \
	"ready.gov.example: every criterion passes, links 3/3 and 3/3"
[ "$(field ready 'c["content"]["v4"]["hash"] == c["content"]["v6"]["hash"] != ""')" = True ]
ok $? "ready.gov.example: the same hash although time and client address differ in the page"
[ "$(field ready 'c["aaaa"]["addresses"]')" = "['2001:db8:f::41']" ]
ok $? "ready.gov.example: its AAAA address recorded"
[ "$(field ready '(c["ns"]["zone"], c["ns"]["total"], c["ns"]["with_aaaa"], c["ns"]["answered"])')" = "('gov.example', 2, 1, 1)" ]
ok $? "gov.example: 2 name servers, 1 with AAAA, 1 answers over IPv6" ||
	diag "$(field ready 'c["ns"]')"
[ "$(field ready '(c["homepage_v6"]["successes"], c["homepage_v6"]["tries"], c["homepage_v6"]["status"])')" = "(3, 3, 200)" ]
ok $? "ready.gov.example: homepage 3 of 3 over IPv6, HTTP 200"
[ "$(field ready 'c["degradation"]["ratio"] is not None and c["degradation"]["v4_connect_ms"] > 0')" = True ]
ok $? "ready.gov.example: a degradation ratio from both connect times ($(field ready 'c["degradation"]["reason"]'))"

# ---- no AAAA
check noaaaa http://noaaaa.gov.example/ --interval-ms 50
ok $([ $rc = 1 ]; echo $?) "noaaaa.gov.example: zhulanctl exits 1 (not ready)"
expect noaaaa "aaaa=0 ns=1 homepage_v6=0 content=0 links_l2=0 links_l3=0 degradation=0 ready=0 l2=0/2 l3=0/1" \
	"noaaaa.gov.example: no AAAA, no IPv6 homepage, content and links fail, links 0/2 and 0/1"
[ "$(field noaaaa 'c["aaaa"]["reason"]')" = "no AAAA record for noaaaa.gov.example" ]
ok $? "noaaaa.gov.example: the reason names the missing record"

# ---- another page over IPv6
check diff http://diff.gov.example/ --interval-ms 50
expect diff "aaaa=1 ns=1 homepage_v6=1 content=0 links_l2=1 links_l3=1 degradation=1 ready=0 l2=1/1 l3=1/1" \
	"diff.gov.example: only the content differs"
[ "$(field diff 'c["content"]["reason"]')" = 'title "Finance bureau" over IPv4 but "Welcome to nginx!" over IPv6' ]
ok $? "diff.gov.example: the reason shows both titles" || diag "$(field diff 'c["content"]["reason"]')"

# ---- second-level links to an IPv4-only host
check v4links http://v4links.gov.example/ --interval-ms 50
expect v4links "aaaa=1 ns=1 homepage_v6=1 content=1 links_l2=0 links_l3=0 degradation=1 ready=0 l2=1/3 l3=1/2" \
	"v4links.gov.example: links 1/3 (second level) and 1/2 (third level) IPv6-ready"
[ "$(field v4links 'sorted((l["url"], l["reason"]) for l in c["links_l2"]["not_ready"])')" = \
  "[('http://old.v4links.gov.example/p1.html', 'no AAAA record for old.v4links.gov.example'), ('http://old.v4links.gov.example/p2.html', 'no AAAA record for old.v4links.gov.example')]" ]
ok $? "v4links.gov.example: the two links to old.v4links listed with the reason"
[ "$(field v4links '[l["url"] for l in c["links_l3"]["not_ready"]]')" = "['http://old.v4links.gov.example/p3.html']" ]
ok $? "v4links.gov.example: the third-level link on old.v4links listed"

# ---- the text output: each criterion with its Chinese name, ✓ or ✗
inns fin1 "$ZHULANCTL" ipv6 check http://v4links.gov.example/ --interval-ms 50 > "$WORK/text.out" 2>&1
st=$?
sed 's/^/# /' "$WORK/text.out"
n=0
for want in "✓ AAAA 记录" "✓ 首页 IPv6 访问" "✓ 内容一致性" "✗ 二级链接" "✗ 三级链接" "✓ 性能劣化比" \
	    "not IPv6-ready ✗" "http://old.v4links.gov.example/p1.html: no AAAA record"; do
	grep -qF "$want" "$WORK/text.out" || { diag "missing: $want"; n=1; }
done
ok $(( n || st != 1 )) "text output: each criterion in Chinese and English with ✓/✗, the links not ready, exit 1"

# ---- name servers that do not answer over IPv6 (mute.example's has AAAA,
# but nothing listens on port 53 there), found above the host's name
check mute http://www.mute.example/ --interval-ms 50 --max-pages 0
[ "$(field mute '(c["ns"]["ok"], c["ns"]["zone"], c["ns"]["total"], c["ns"]["with_aaaa"], c["ns"]["answered"])')" = "(False, 'mute.example', 1, 1, 0)" ]
ok $? "mute.example: its name server has AAAA but does not answer over IPv6: $(field mute 'c["ns"]["reason"]')"

# ---- TLS is verified: without the lab's CA the homepage does not count
check untrusted https://ready.gov.example/ --interval-ms 50 --max-pages 0
[ "$(field untrusted '(c["homepage_v6"]["ok"], "certificate" in c["homepage_v6"]["reason"])')" = "(False, True)" ]
ok $? "an untrusted certificate fails the homepage: $(field untrusted 'c["homepage_v6"]["reason"]')"

# ---- bad input
inns fin1 "$ZHULANCTL" ipv6 check ftp://ready.gov.example/ > /dev/null 2> "$WORK/bad.err"
st=$?
ok $(( st != 2 )) "an ftp:// URL is refused with status 2: $(cat "$WORK/bad.err")"

# ---- the default pace: a second between two requests to the site
: > "$WORK/access.log"
check paced http://noaaaa.gov.example/
# the server logs a request after answering it: give the last line a moment
for _ in $(seq 20); do
	n=$(grep -c noaaaa "$WORK/access.log"); [ "$n" -ge 5 ] && break; sleep 0.1
done
gap=$(awk '/noaaaa/ { if (p) { d = $1 - p; if (m == "" || d < m) m = d } p = $1 } END { print m }' "$WORK/access.log")
ok $(awk -v g="$gap" -v n="$n" 'BEGIN { exit !(n == 5 && g >= 0.8) }'; echo $?) \
	"at the default pace: $n requests, at least ${gap}s apart (want 5, 1 s; the server stamps a request when it ends, so load shortens the gap it sees)"

# ---- the daemon: its sites checked on demand, the results per site
printf 'nameserver %s\nnameserver %s\noptions timeout:2 attempts:2\n' $A4.45 $A6:45 \
	> /etc/netns/$P-gw/resolv.conf
lab_conf
cat >> "$WORK/zhulan.conf" <<CONF
ipv6_sites = https://ready.gov.example/, http://noaaaa.gov.example/
ipv6_check_hour = off
ipv6_check_interval_ms = 50
ipv6_check_ca_file = $WORK/ca.pem
CONF
start; ok $? "the daemon starts with two sites" || { done_testing; exit 1; }
sites() { ctl --json ipv6 sites > "$WORK/sites.json" 2>&1; }
sf() {   # sf PYTHON-EXPRESSION [ARG]: over j (GET /v1/ipv6/sites), s (its sites
	 # by URL) and sys.argv[3] (ARG)
	$PYTHON3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
s = {x["url"]: x for x in j["sites"]}
print(eval(sys.argv[2]))' "$WORK/sites.json" "$@" 2>&1
}
crit() {   # crit URL: its criteria 1/0 and ready, in one line
	sf '" ".join("%s=%d" % (c["id"], c["ok"]) for c in s[sys.argv[3]]["criteria"]) + " ready=%d" % s[sys.argv[3]]["ready"]' "$1"
}
sites
[ "$(sf '[(u, s[u]["checked"], s[u]["configured"]) for u in s]')" = \
  "[('https://ready.gov.example/', None, True), ('http://noaaaa.gov.example/', None, True)]" ]
ok $? "before any check: both sites listed, not checked yet" || diag "$(cat "$WORK/sites.json")"
ctl ipv6 check > "$WORK/queue.out" 2>&1
ok $? "zhulanctl ipv6 check (no URL) queues every site in the daemon: $(tr '\n' ' ' < "$WORK/queue.out")"
ctl ipv6 queue http://diff.gov.example/ > "$WORK/queue1.out" 2>&1
ok $? "zhulanctl ipv6 queue URL queues one more: $(cat "$WORK/queue1.out")"
for _ in $(seq 240); do
	sites
	[ "$(sf 'sum(1 for x in j["sites"] if x["checked"])' 2>/dev/null)" = 3 ] && break
	sleep 0.5
done
ok $([ "$(sf 'sum(1 for x in j["sites"] if x["checked"])')" = 3 ]; echo $?) "the three checks are done within 2 minutes"
got=$(crit https://ready.gov.example/)
[ "$got" = "aaaa=1 ns=1 homepage_v6=1 content=1 links_l2=1 links_l3=1 degradation=1 ready=1" ]
ok $? "GET /v1/ipv6/sites: ready.gov.example passes every criterion (the daemon trusts ipv6_check_ca_file)" || diag "got: $got"
got=$(crit http://noaaaa.gov.example/)
[ "$got" = "aaaa=0 ns=1 homepage_v6=0 content=0 links_l2=0 links_l3=0 degradation=0 ready=0" ]
ok $? "GET /v1/ipv6/sites: noaaaa.gov.example fails for want of AAAA" || diag "got: $got"
[ "$(sf 's["http://noaaaa.gov.example/"]["criteria"][0]["reason"]')" = "no AAAA record for noaaaa.gov.example" ]
ok $? "noaaaa.gov.example: the reason names the missing record"
today=$(date +%F)   # the daemon's local date (TZ or /etc/localtime, as this script's)
[ "$(sf 'sorted(set([c["since"] for x in j["sites"] for c in x["criteria"]] + [x["ready_since"] for x in j["sites"]]))')" = "['$today']" ]
ok $? "each criterion's verdict and each site's readiness since today ($today)"
[ "$(sf '(s["http://diff.gov.example/"]["configured"], s["http://diff.gov.example/"]["ready"], s["http://diff.gov.example/"]["criteria"][3]["ok"])')" = "(False, False, False)" ]
ok $? "the URL checked on demand is listed after the configured sites, its content differs"
[ "$(sf '(j["summary"]["configured"], j["summary"]["checked"], j["summary"]["ready"], j["summary"]["ready_percent"], j["targets"]["portals_percent"])')" = "(2, 2, 1, 50.0, 100)" ]
ok $? "summary: 1 of 2 configured sites ready (50%), target 100%" || diag "$(sf 'j["summary"]')"
ctl ipv6 sites > "$WORK/sites.txt" 2>&1
grep -q "1 of 2 configured sites IPv6-ready" "$WORK/sites.txt" && grep -q "✗ AAAA 记录 (AAAA record): no AAAA record for noaaaa.gov.example (since $today)" "$WORK/sites.txt"
ok $? "zhulanctl ipv6 sites: the summary and each criterion with ✓/✗ and since when" || sed 's/^/# /' "$WORK/sites.txt"
# roles: report reads, only admin queues; bad input
console_account zlreport report; ok $? "a report account"
as() {   # as USER ROLE METHOD PATH [BODY]: the HTTP status
	curl -s -o "$WORK/as.out" -w '%{http_code}' --unix-socket "$WORK/run/control.sock" \
		-H "X-Zhulan-User: $1" -H "X-Zhulan-Role: $2" -X "$3" ${5:+-d "$5"} "http://zhulan$4"
}
[ "$(as zlreport report GET /v1/ipv6/sites)" = 200 ]; ok $? "the report role reads GET /v1/ipv6/sites"
[ "$(as zlreport report POST /v1/ipv6/check '{}')" = 403 ]; ok $? "the report role may not queue checks (403)"
ctl ipv6 queue ftp://x.example/ > "$WORK/bad.out" 2>&1; st=$?
ok $(( st == 0 )) "an ftp:// URL is refused by the daemon: $(cat "$WORK/bad.out")"
[ "$(sqlite3 "$WORK/db/zhulan.db" "SELECT count(*) FROM audit WHERE action = 'ipv6 check'")" = 2 ]
ok $? "both queued checks are audited"
# a reload replaces the list: diff.gov.example becomes a configured site
sed -i 's|^ipv6_sites = .*|ipv6_sites = http://diff.gov.example/ https://ready.gov.example/|' "$WORK/zhulan.conf"
ctl reload > "$WORK/reload.out" 2>&1; ok $? "reload: $(cat "$WORK/reload.out")"
sites
[ "$(sf '[(x["url"], x["configured"]) for x in j["sites"]], j["summary"]["ready"]')" = \
  "([('http://diff.gov.example/', True), ('https://ready.gov.example/', True), ('http://noaaaa.gov.example/', False)], 1)" ]
ok $? "after the reload: the new list first, in its order; noaaaa's results stay, as checked on demand" ||
	diag "$(sf '[(x["url"], x["configured"]) for x in j["sites"]]')"
# the policy's ipv6 section comes before ipv6_sites; a policy without one
# gives the list back to ipv6_sites
cat > "$WORK/v6policy.conf" <<'POLICY'
zone lan { interface lan0 }
set servers { 2001:db8:45::/64 }
ipv6 {
  sites { "http://noaaaa.gov.example/", "https://ready.gov.example/" };
  internal $servers
}
filter forward default accept { }
POLICY
printf 'zone lan { interface lan0 }\nfilter forward default accept { }\n' > "$WORK/plain.conf"
configured() { sites; sf '[(x["url"], x["configured"]) for x in j["sites"]]'; }
ctl policy apply "$WORK/v6policy.conf" > "$WORK/apply.out" 2>&1
ok $? "zhulanctl policy apply: a policy with an ipv6 section: $(head -1 "$WORK/apply.out")"
by_policy="[('http://noaaaa.gov.example/', True), ('https://ready.gov.example/', True), ('http://diff.gov.example/', False)]"
got=$(configured); [ "$got" = "$by_policy" ]
ok $? "GET /v1/ipv6/sites: the policy's sites, in its order; ipv6_sites' are not configured" || diag "got: $got"
ctl reload > "$WORK/reload.out" 2>&1
got=$(configured); [ "$got" = "$by_policy" ]
ok $? "a reload keeps the policy's sites (ipv6_sites is the fallback)" || diag "got: $got"
ctl policy apply "$WORK/plain.conf" > "$WORK/apply.out" 2>&1
ok $? "zhulanctl policy apply: a policy without an ipv6 section: $(head -1 "$WORK/apply.out")"
got=$(configured)
[ "$got" = "[('http://diff.gov.example/', True), ('https://ready.gov.example/', True), ('http://noaaaa.gov.example/', False)]" ]
ok $? "without the section, ipv6_sites' list is back" || diag "got: $got"
stop; ok $(( st != 0 )) "the daemon stops cleanly (status $st)"

done_testing
