#!/bin/bash
# incidents_daemon.sh - incidents in the running daemon, on the lab with
# real tools and real receivers: the daemon on the gateway with a policy
# that has an incidents section; `nmap -sS` from fin1 is one scan incident
# naming fin1's person and department from the imported address book, while
# fin2's scan is suppressed by the policy and counted; a flow to a
# blocklisted address is a high incident. The review workflow (ack, then
# resolve, with notes and an assignee) is audited; security may change an
# incident, report may neither read nor change one. rsyslog in the Internet
# namespace receives the JSON records over UDP and TCP (RFC 5424), the
# JSON-lines file is written, and a webhook receiver that comes up late gets
# the DingTalk message after counted retries, while a syslog receiver that
# never comes up costs counted, retried records and nothing else.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
command -v nft >/dev/null || skip_all "nft not installed (apt-get install nftables)"
command -v nmap >/dev/null || skip_all "nmap is not installed (packaging/install-deps)"
command -v rsyslogd >/dev/null || skip_all "rsyslog is not installed (packaging/install-deps)"
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so ] || ls /usr/lib/*/rsyslog/lmnsd_gtls.so >/dev/null 2>&1 ||
	skip_all "rsyslog-gnutls is not installed (packaging/install-deps)"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zlx$$
chmod 755 "$WORK"
RPID= HPID=
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	[ -n "$HPID" ] && kill "$HPID" 2>/dev/null
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null
	"$LAB" down --prefix $P >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
lab_up $P "$WORK/lab.log"
mkdir -p "$WORK/out" && chown nobody "$WORK/out"

cat > "$WORK/policy.conf" <<'POL'
zone lan { interface lan0 }
zone wan { interface wan0 }
set scanners { 192.0.2.11 }
set botnet_cc { 198.51.100.12 }
filter forward default drop {
  pass from lan to wan
}
behaviour {
  block domain "*.casino.example"
}
incidents {
  suppress scan from $scanners;
  blocklist $botnet_cc
}
POL
cat > "$WORK/hosts.csv" <<'CSV'
address,name,owner,department
192.0.2.10,fin-pc-01,张三,县财政局国库集中支付中心暨非税收入征收管理与票据监督检查科室
192.0.2.11,fin-pc-02,李四,县财政局国库集中支付中心暨非税收入征收管理与票据监督检查科室
CSV
lab_conf
cat >> "$WORK/zhulan.conf" <<CONF
incident_syslog = udp://198.51.100.10:5514, tcp://198.51.100.10:5515, tcp://198.51.100.10:5599, tls://198.51.100.10:6514, tls://198.51.100.11:6514
incident_syslog_ca = $WORK/out/ca.pem
incident_jsonl = $WORK/out/incidents.jsonl
incident_webhook = http://198.51.100.10:8080/robot/send?access_token=lab-secret
incident_webhook_format = dingtalk
block_hold = 1
CONF

# rsyslog in the Internet namespace: UDP on 5514, TCP on 5515, TLS on 6514
# (RFC 5425, a certificate for 198.51.100.10 from the test's own CA), each
# into a file of its own; nothing listens on 5599, and 198.51.100.11:6514
# answers with a certificate that is not its own.
c() { openssl "$@" >>"$WORK/openssl.log" 2>&1; }
c req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/ca.key" -out "$WORK/out/ca.pem" -days 1 -subj "/CN=Zhulan lab CA" &&
c req -newkey rsa:2048 -nodes -keyout "$WORK/srv.key" -out "$WORK/srv.csr" -subj "/CN=198.51.100.10" &&
printf 'subjectAltName=IP:198.51.100.10\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$WORK/ext" &&
c x509 -req -in "$WORK/srv.csr" -CA "$WORK/out/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
	-out "$WORK/srv.pem" -days 1 -extfile "$WORK/ext"
ok $? "a CA and a certificate for the receiver (openssl)"
chmod 644 "$WORK/out/ca.pem"
cat > "$WORK/rsyslog.conf" <<CONF
global(workDirectory="$WORK/rs" DefaultNetstreamDriverCAFile="$WORK/out/ca.pem"
       DefaultNetstreamDriverCertFile="$WORK/srv.pem" DefaultNetstreamDriverKeyFile="$WORK/srv.key")
module(load="imudp")
module(load="imtcp")
template(name="rec" type="string" string="%app-name% %msgid% %msg%\n")
ruleset(name="udp") { action(type="omfile" file="$WORK/udp.log" template="rec") }
ruleset(name="tcp") { action(type="omfile" file="$WORK/tcp.log" template="rec") }
input(type="imudp" address="198.51.100.10" port="5514" ruleset="udp")
input(type="imtcp" address="198.51.100.10" port="5515" ruleset="tcp")
ruleset(name="tls") { action(type="omfile" file="$WORK/tls.log" template="rec") }
input(type="imtcp" port="6514" ruleset="tls" streamDriver.name="gtls" streamDriver.mode="1"
      streamDriver.authMode="anon")
CONF
mkdir -p "$WORK/rs"
ip netns exec "$P-inet" rsyslogd -n -f "$WORK/rsyslog.conf" -i "$WORK/rsyslog.pid" 2>"$WORK/rsyslog.err" &
RPID=$!
listening() { ip netns exec "$P-inet" ss -ltn > "$WORK/ss"; grep -q 198.51.100.10:5515 "$WORK/ss" && grep -q ':6514' "$WORK/ss"; }
for _ in $(seq 100); do listening && break; sleep 0.1; done
listening
ok $? "rsyslogd listens in the Internet namespace (UDP 5514, TCP 5515, TLS 6514) $(head -c 300 "$WORK/rsyslog.err")"

start; ok $? "the daemon starts on the lab gateway"
ctl hosts import "$WORK/hosts.csv" >/dev/null; ok $? "the address book is imported"
console_account sam security 2>"$WORK/acct.err" && console_account rita report 2>>"$WORK/acct.err" &&
	console_account una auditor 2>>"$WORK/acct.err"
ok $? "console accounts sam (security), rita (report), una (auditor)" || sed "s/^/# /" "$WORK/acct.err"
api() { curl -s --unix-socket "$WORK/run/control.sock" "$@"; }
as() { local u=$1 r=$2; shift 2; api -H "X-Zhulan-User: $u" -H "X-Zhulan-Role: $r" "$@"; }

inns fin1 nmap -n -Pn -sS -T4 -p 1-1000 198.51.100.10 > "$WORK/nmap1.log" 2>&1
ok $? "nmap -sS of 1,000 ports from fin1"
inns fin2 nmap -n -Pn -sS -T4 -p 1-1000 198.51.100.11 > "$WORK/nmap2.log" 2>&1
ok $? "nmap -sS of 1,000 ports from fin2 (a listed scanner)"
inns fin1 curl -s -o /dev/null --max-time 5 http://198.51.100.12/; ok $? "fin1 fetches a page from a blocklisted address"

# the flows end within the test's timeouts (6 s), the thread writes once a second
t0=$(date +%s%N)
for _ in $(seq 40); do
	ctl --json incidents > "$WORK/list.json" 2>/dev/null &&
		[ "$(jq '[.incidents[] | select(.type == "scan" or .type == "blocklist")] | length' "$WORK/list.json")" -ge 2 ] && break
	sleep 0.5
done
scan=$(jq -c '[.incidents[] | select(.type == "scan" and .src_ip == "192.0.2.10")]' "$WORK/list.json")
diag "the incidents were listed $(( ($(date +%s%N) - t0) / 1000000 )) ms after the last tool ended (flow_timeout_tcp = 6)"
[ "$(jq length <<<"$scan")" = 1 ] && [ "$(jq '.[0].count' <<<"$scan")" -ge 900 ]
ok $? "fin1's scan is one incident in zhulanctl incidents, counting about 1,000 ports ($(jq -c '.[0] | [.id, .count, .dest_ip]' <<<"$scan"))"
[ "$(jq -r '.[0].src | "\(.host) \(.person) \(.department)"' <<<"$scan")" = "fin-pc-01 张三 县财政局国库集中支付中心暨非税收入征收管理与票据监督检查科室" ]
ok $? "... naming the host, person and department from the address book ($(jq -c '.[0].src' <<<"$scan"))"
jq -r '.[0].message.zh' <<<"$scan" | grep -Eq '^县财政局国库集中支付中心暨非税收入征收管理与票据监督检查科室（张三）主机 192.0.2.10 在(不到 1| [0-9,]+) 秒内扫描了 198.51.100.10 的'
ok $? "... with the sentence: $(jq -r '.[0].message.zh' <<<"$scan")"
N=$(jq '.[0].id' <<<"$scan")
[ "$(jq '[.incidents[] | select(.src_ip == "192.0.2.11")] | length' "$WORK/list.json")" = 0 ]
ok $? "fin2's scan is suppressed by the policy: no incident"
ctl --json status > "$WORK/status.json"
[ "$(jq '[.interfaces[].incident_events_suppressed] | add' "$WORK/status.json")" -ge 1 ]
ok $? "... and counted (status: incident_events_suppressed $(jq '[.interfaces[].incident_events_suppressed] | add' "$WORK/status.json"))"
B=$(jq '[.incidents[] | select(.type == "blocklist" and .dest_ip == "198.51.100.12")] | .[0].id // empty' "$WORK/list.json")
[ -n "$B" ] && [ "$(jq -r ".incidents[] | select(.id == $B) | .severity" "$WORK/list.json")" = high ]
ok $? "the blocklisted peer is a high incident (#$B)"
ctl incidents --type scan --severity medium --status new --since 1h > "$WORK/list.txt"
grep -q "^$N .* scan .* medium .* new " "$WORK/list.txt"; ok $? "zhulanctl incidents --type scan --severity medium --status new --since 1h lists it"
ctl incidents --type bruteforce > "$WORK/none.txt"; grep -q '(0 incidents)' "$WORK/none.txt"; ok $? "... and --type bruteforce lists none"
[ "$(jq '.incidents.open_by_severity.medium' "$WORK/status.json")" -ge 1 ] &&
	[ "$(jq '.incidents.open_by_severity.high' "$WORK/status.json")" -ge 1 ] &&
	[ "$(jq '.incidents.dropped' "$WORK/status.json")" = 0 ]
ok $? "status: open incidents by severity and the queue's drops ($(jq -c '.incidents | {open_by_severity, dropped, queued}' "$WORK/status.json"))"

ctl status | grep -q '^incidents open: 0 critical, 1 high, 1 medium, 0 low, 0 info; events [0-9]*, queue dropped 0$'
ok $? "zhulanctl status says the open incidents: $(ctl status | grep '^incidents')"

# the workflow: security may, report may not
code=$(as rita report -o /dev/null -w '%{http_code}' "http://zhulan/v1/incidents")
[ "$code" = 403 ]; ok $? "report may not read incidents ($code)"
code=$(as rita report -o /dev/null -w '%{http_code}' -d '{"action":"ack"}' "http://zhulan/v1/incidents/$N")
[ "$code" = 403 ]; ok $? "report may not acknowledge one ($code)"
code=$(as una auditor -o /dev/null -w '%{http_code}' "http://zhulan/v1/incidents/$N")
[ "$code" = 200 ]; ok $? "auditor reads one ($code)"
code=$(as una auditor -o /dev/null -w '%{http_code}' -d '{"action":"ack"}' "http://zhulan/v1/incidents/$N")
[ "$code" = 403 ]; ok $? "... but may not change it ($code)"
code=$(as sam security -o "$WORK/ack.json" -w '%{http_code}' \
	-d '{"action":"ack","note":"nmap from fin-pc-01, asking 张三","assign":"sam"}' "http://zhulan/v1/incidents/$N")
[ "$code" = 200 ] && [ "$(jq -r .status "$WORK/ack.json")" = acknowledged ]
ok $? "security acknowledges it with a note and an assignee ($code $(cat "$WORK/ack.json"))"
ctl incident "$N" resolve --note "a scheduled vulnerability scan" > "$WORK/res.txt"
ok $? "zhulanctl incident N resolve --note: $(cat "$WORK/res.txt")"
code=$(as sam security -o "$WORK/again.json" -w '%{http_code}' -d '{"action":"ack"}' "http://zhulan/v1/incidents/$N")
[ "$code" = 409 ]; ok $? "a resolved incident cannot be acknowledged again ($code $(cat "$WORK/again.json"))"
ctl --json incident "$N" > "$WORK/one.json"
[ "$(jq -r '.status, .assignee, (.notes | length), (.notes[0].who | startswith("sam")), .notes[0].text, .notes[1].to' "$WORK/one.json" | tr '\n' '|')" = \
  "resolved|sam|2|true|nmap from fin-pc-01, asking 张三|resolved|" ]
ok $? "zhulanctl incident N: resolved, assigned to sam, two notes ($(jq -c '[.status, .assignee, .notes]' "$WORK/one.json" | head -c 400))"
[ "$(jq '.evidence_flows | length' "$WORK/one.json")" -ge 1 ] &&
	[ "$(jq '.evidence_flows[0].id | type' "$WORK/one.json")" = '"number"' ]
ok $? "... with its evidence flows and their ids in the flow store ($(jq -c '[.evidence_flows[] | .id]' "$WORK/one.json"))"
ctl incident "$N" | grep -q '^source .*192.0.2.10 .*fin-pc-01, 张三, 县财政局国库集中支付中心暨非税收入征收管理与票据监督检查科室'; ok $? "... and names the source in its text form"
api "http://zhulan/v1/audit?limit=1000" > "$WORK/audit.json"
[ "$(jq '[.audit[] | select(.action == "incident change")] | length' "$WORK/audit.json")" = 2 ] &&
	[ "$(jq '[.audit[] | select(.action == "incident change refused")] | length' "$WORK/audit.json")" -ge 1 ] &&
	[ "$(jq '[.audit[] | select(.action == "incident read" or .action == "incidents read")] | length' "$WORK/audit.json")" -ge 3 ]
ok $? "every change (and the refused one) and every read is audited ($(jq -c '[.audit[] | select(.action | startswith("incident")) | .action] | group_by(.) | map({(.[0]): length}) | add' "$WORK/audit.json"))"

# export
for _ in $(seq 20); do grep -q "\"id\":$N," "$WORK/tcp.log" 2>/dev/null && grep -q "\"id\":$N," "$WORK/udp.log" 2>/dev/null && break; sleep 0.5; done
rec() { grep "\"id\":$N," "$1" | head -1 | cut -d' ' -f3-; }
[ "$(rec "$WORK/udp.log" | jq -r '"\(.type) \(.src.person) \(.src.department)"')" = "scan 张三 县财政局国库集中支付中心暨非税收入征收管理与票据监督检查科室" ] &&
	grep -q "^zhulan incident " "$WORK/udp.log"
ok $? "rsyslog received the record over UDP as RFC 5424 (app zhulan, msgid incident): $(rec "$WORK/udp.log" | head -c 200)"
[ "$(rec "$WORK/tcp.log" | jq -r '"\(.type) \(.src_ip) \(.count > 0)"')" = "scan 192.0.2.10 true" ]
ok $? "... and over TCP (octet counting)"
for _ in $(seq 20); do grep -q "\"id\":$N," "$WORK/tls.log" 2>/dev/null && break; sleep 0.5; done
[ "$(rec "$WORK/tls.log" | jq -r '"\(.type) \(.src.person)"')" = "scan 张三" ]
ok $? "... and over TLS (RFC 5425, the receiver's certificate checked against incident_syslog_ca)"
bad=$(jq -c '.incidents.export[] | select(.target == "tls://198.51.100.11:6514")' "$WORK/status.json")
[ "$(jq '.sent == 0 and .retried >= 1' <<<"$bad")" = true ] && jq -r .last_error <<<"$bad" | grep -qi 'TLS'
ok $? "a TLS receiver whose certificate names another address is refused, its records kept: $bad"
[ "$(jq -r "select(.id == $N) | .type" "$WORK/out/incidents.jsonl" | head -1)" = scan ]
ok $? "the JSON-lines file holds the record ($(wc -l < "$WORK/out/incidents.jsonl") lines)"

# the webhook receiver comes up now: its record waited and is sent again
cat > "$WORK/hook.py" <<'PY'
import http.server, sys
out = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "ab") as f:
            f.write(self.path.encode() + b" " + body + b"\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"errcode":0,"errmsg":"ok"}')
    def log_message(self, *a):
        pass
http.server.HTTPServer(("198.51.100.10", 8080), H).serve_forever()
PY
ctl --json status > "$WORK/status2.json"
hook=$(jq -c '.incidents.export[] | select(.kind == "webhook")' "$WORK/status2.json")
[ "$(jq '.retried >= 1 and .pending >= 1 and .up == false' <<<"$hook")" = true ] &&
	! grep -q lab-secret <<<"$hook"
ok $? "with no receiver the webhook's record waits, retried and counted (token not shown): $hook"
ip netns exec "$P-inet" "$PYTHON3" "$WORK/hook.py" "$WORK/hook.out" 2>"$WORK/hook.err" &
HPID=$!
for _ in $(seq 70); do [ -s "$WORK/hook.out" ] && break; sleep 0.5; done
body=$(grep -m1 '^/robot/send?access_token=lab-secret ' "$WORK/hook.out" | cut -d' ' -f2-)
[ "$(jq -r .msgtype <<<"$body")" = text ] &&
	jq -r .text.content <<<"$body" | grep -q "^\[Zhulan 安全事件 #$B\] high blocklist: 县财政局国库集中支付中心暨非税收入征收管理与票据监督检查科室（张三）主机 192.0.2.10 与威胁名单中的地址 198.51.100.12"
ok $? "the receiver got the DingTalk message of the high incident: $(head -c 300 <<<"$body")"
[ "$(grep -c . "$WORK/hook.out")" = 1 ]; ok $? "... only it: medium incidents are not posted"
inns fin1 curl -s -o /dev/null --max-time 5 http://198.51.100.10/
ctl --json status > "$WORK/status3.json"
down=$(jq -c '.incidents.export[] | select(.target == "tcp://198.51.100.10:5599")' "$WORK/status3.json")
[ "$(jq '.retried >= 1 and .pending >= 1 and .sent == 0' <<<"$down")" = true ]
ok $? "a syslog receiver that is down costs counted, retried records: $down"
[ "$(jq '[.interfaces[].packets] | add' "$WORK/status3.json")" -gt "$(jq '[.interfaces[].packets] | add' "$WORK/status.json")" ] &&
	[ "$(jq '.database.dropped' "$WORK/status3.json")" = 0 ]
ok $? "... while capture goes on and the store drops nothing"

for _ in $(seq 30); do
	ctl --json incidents --since 1h > "$WORK/sup.json" && [ "$(jq '.suppressed.scan // 0' "$WORK/sup.json")" -ge 900 ] && break
	sleep 0.5
done
[ "$(jq '.suppressed.scan // 0' "$WORK/sup.json")" -ge 900 ]
ok $? "the suppressed scan probes are counted in the store, by type ($(jq -c .suppressed "$WORK/sup.json"))"

# policy violations: more than 50 behaviour blocks in 10 minutes by one host.
# Each block holds its pair for a second (block_hold = 1): fin1 goes round
# five addresses of the lab's web server, so each attempt is blocked anew.
blocked=0
for i in $(seq 0 54); do
	ip=198.51.100.1$((i % 5))
	inns fin1 curl -sk --connect-timeout 2 -m 3 -o /dev/null --resolve "x.casino.example:443:$ip" \
		https://x.casino.example/ || blocked=$((blocked + 1))
	sleep 0.3
done
ok 0 "55 attempts from fin1 at a blocked domain ($blocked refused)"
for _ in $(seq 20); do
	ctl --json incidents --type policy > "$WORK/pol.json" && [ "$(jq '.incidents | length' "$WORK/pol.json")" -ge 1 ] && break
	sleep 0.5
done
pol=$(jq -c '.incidents[0]' "$WORK/pol.json")
[ "$(jq '.incidents | length' "$WORK/pol.json")" = 1 ] && [ "$(jq -r '.src_ip' <<<"$pol")" = 192.0.2.10 ] &&
	[ "$(jq '.count' <<<"$pol")" -ge 51 ]
ok $? "they are one policy-violation incident counting them ($(jq -c '[.count, .severity]' <<<"$pol"))"
[ "$(jq -r '.message.zh' <<<"$pol")" = "县财政局国库集中支付中心暨非税收入征收管理与票据监督检查科室（张三）主机 192.0.2.10 的策略违规 $(jq '.count' <<<"$pol") 次" ]
ok $? "... naming the person and department: $(jq -r '.message.zh' <<<"$pol")"

# the daemon checks risk names in a policy it is sent, as policy check does
code=$(api -o "$WORK/bad.out" -w '%{http_code}' -d '{"policy":{"name":"/x/bad.conf","text":"incidents {\n  suppress risk \"Self-signed Certficate\"\n}\n"}}' \
	http://zhulan/v1/policy/apply)
[ "$code" = 422 ] && grep -q '/x/bad.conf:2:17: error: unknown nDPI risk \\"Self-signed Certficate\\" (did you mean \\"Self-signed Certificate\\"?)' "$WORK/bad.out"
ok $? "an unknown risk name in an applied policy: 422 at FILE:LINE:COL ($code $(head -c 200 "$WORK/bad.out"))"

stop; ok $st "the daemon stops cleanly (exit $st, $ms ms)"
grep -i 'sanitizer\|runtime error' "$WORK/daemon.log" | head -3 | sed 's/^/# /'
! grep -qi 'sanitizer\|runtime error' "$WORK/daemon.log"; ok $? "no sanitizer reports"
done_testing
