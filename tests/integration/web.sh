#!/bin/bash
# web.sh - zhulan-web, the HTTPS console, against the real daemon: TLS 1.2
# and 1.3 only, a self-signed certificate made at first start and kept,
# its fingerprint logged and served; no capabilities, the daemon's group
# for the control socket; the security headers on every answer; 401 for
# /api without a session whatever X-Zhulan-* headers the browser sends;
# cross-origin writes refused; no way out of the static directory; the
# login-attempt limit; FILE:LINE for bad settings; 200 concurrent HTTPS
# connections. The part that needs the daemon's accounts (/v1/login) is
# skipped while the daemon does not have them.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (a network namespace for the daemon, a user to drop to)"
command -v openssl >/dev/null || skip_all "needs openssl"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
ZHULAN_WEB=${ZHULAN_WEB:-$(dirname "$ZHULAN")/zhulan-web}
N=zlw$$
chmod 755 "$WORK"
WPIDS=
cleanup() {
	local p
	for p in $WPIDS ${DPID:-}; do kill -9 "$p" 2>/dev/null; done
	ip netns del $N 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $*"; }
ctl() { "$ZHULANCTL" -s "$WORK/run/control.sock" "$@"; }
sock() { curl -s --unix-socket "$WORK/run/control.sock" "$@"; }

# The daemon captures on the loopback of a namespace of its own; the
# console listens on the host's loopback; the socket file joins them.
ip netns add $N && ip -n $N link set lo up || skip_all "cannot make a network namespace"
mkdir -p "$WORK/static/css" "$WORK/outside"
printf '<!DOCTYPE html><title>test page</title>\n' > "$WORK/static/index.html"
printf 'body{}\n' > "$WORK/static/css/a.css"
printf 'export const x = 1;\n' > "$WORK/static/app.mjs"
printf 'secret\n' > "$WORK/outside/secret.txt"
printf 'hidden\n' > "$WORK/static/.hidden"
ln -s "$WORK/outside/secret.txt" "$WORK/static/link.txt"
conf() { # conf FILE [EXTRA LINES]
	cat > "$1" <<CONF
interfaces = lo
database = $WORK/db/zhulan.db
control_socket = $WORK/run/control.sock
policy = $WORK/no-policy.conf
user = nobody
app_dir = $ZHULAN_DATADIR
web_listen = 127.0.0.1:0
web_state_dir = $WORK/web
web_static = $WORK/static
web_user = daemon
${2:-}
CONF
}
conf "$WORK/zhulan.conf"
ip netns exec $N "$ZHULAN" -f -c "$WORK/zhulan.conf" 2>>"$WORK/daemon.log" &
DPID=$!
for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ctl status >/dev/null 2>&1; ok $? "the daemon starts with the web_* keys in its file" || sed 's/^/# /' "$WORK/daemon.log"

# start_web CONF LOG [ARGS]: WPID and PORT, once it listens
start_web() {
	local c=$1 l=$2; shift 2
	"$ZHULAN_WEB" -f -c "$c" "$@" 2>>"$l" &
	WPID=$!; WPIDS="$WPIDS $WPID"; PORT=
	for _ in $(seq 100); do
		PORT=$(sed -n 's|.*listening on https://127.0.0.1:\([0-9]*\) .*|\1|p' "$l" | tail -1)
		[ -n "$PORT" ] && return 0
		kill -0 "$WPID" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/# /' "$l" | tail -5
	return 1
}
start_web "$WORK/zhulan.conf" "$WORK/web.log"; ok $? "zhulan-web starts and listens on 127.0.0.1:$PORT"
U=https://127.0.0.1:$PORT

# ---- certificate ----
grep -q "made a self-signed certificate in $WORK/web for 127.0.0.1" "$WORK/web.log"
ok $? "first start: a self-signed certificate is made"
fp=$(sed -n 's/.*certificate SHA-256 \([0-9A-F:]*\).*/\1/p' "$WORK/web.log" | head -1)
[[ "$fp" =~ ^([0-9A-F]{2}:){31}[0-9A-F]{2}$ ]]; ok $? "its SHA-256 fingerprint is logged ($fp)"
[ "$(stat -c '%a %U' "$WORK/web/key.pem")" = "600 daemon" ]
ok $? "the key file is 0600 and belongs to web_user: $(stat -c '%a %U' "$WORK/web/key.pem")"
served() { echo | openssl s_client -connect 127.0.0.1:$PORT 2>/dev/null | openssl x509 "$@"; }
sfp=$(served -noout -fingerprint -sha256 | sed 's/.*=//')
[ -n "$sfp" ] && [ "$sfp" = "$fp" ]; ok $? "the certificate served has the logged fingerprint ($sfp)"
served -noout -text > "$WORK/cert.txt"
grep -q "prime256v1" "$WORK/cert.txt" && grep -q "IP Address:127.0.0.1" "$WORK/cert.txt" &&
	grep -q "Subject: CN = 127.0.0.1" "$WORK/cert.txt"
ok $? "ECDSA P-256, CN and subjectAltName = the listen address"

# ---- the process ----
st=/proc/$WPID/status
[ "$(stat -c %U /proc/$WPID)" = daemon ]; ok $? "it runs as web_user (daemon), not root"
grep -q "^CapEff:.*0000000000000000$" $st && grep -q "^CapPrm:.*0000000000000000$" $st &&
	grep -q "^CapBnd:.*0000000000000000$" $st
ok $? "no capabilities, empty bounding set: $(grep -E '^Cap(Eff|Bnd)' $st | tr '\n\t' '  ')"
grep -q "^NoNewPrivs:.*1$" $st; ok $? "no_new_privs is set"
sgid=$(stat -c %g "$WORK/run/control.sock")
grep "^Groups:" $st | grep -qw "$sgid"; ok $? "it holds the control socket's group ($sgid): $(grep ^Groups: $st)"
grep -Eq "announced to the daemon|answered [0-9]+ to /v1/web/announce" "$WORK/web.log"
ok $? "it reaches the daemon through the control socket (the announcement got an answer)"
if grep -q "announced to the daemon" "$WORK/web.log"; then
	ctl --json status | $PYTHON3 -c 'import json,sys; w=json.load(sys.stdin)["web"]; sys.exit(0 if w["fingerprint"]==sys.argv[1] and w["listen"]==sys.argv[2] else 1)' "$fp" "127.0.0.1:$PORT"
	ok $? "the daemon's status shows the console's address and fingerprint"
else
	skip "the daemon has no /v1/web/announce yet (answered $(sed -n 's/.*answered \([0-9]*\).*/\1/p' "$WORK/web.log" | head -1))"
fi

# ---- TLS versions: the client must really offer the old version (it
# does at SECLEVEL=0) and the server must refuse it ----
hs() { echo | timeout 10 openssl s_client -connect 127.0.0.1:$PORT "-$1" -cipher 'DEFAULT:@SECLEVEL=0' 2>&1; }
for v in tls1 tls1_1; do
	out=$(hs $v)
	echo "$out" | grep -q "Cipher is (NONE)" && echo "$out" | grep -Eq "written [1-9][0-9]* bytes"
	ok $? "$v offered and refused: $(echo "$out" | grep -E 'written|Cipher is' | tr '\n' ' ')"
done
for v in tls1_2 tls1_3; do
	out=$(hs $v)
	echo "$out" | grep -q "^New, TLSv1\.${v#tls1_}, Cipher is [A-Z]"
	ok $? "$v accepted: $(echo "$out" | grep -E 'Cipher is' | tr '\n' ' ')"
done

# ---- headers ----
CSP="default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'"
headers_ok() { # headers_ok FILE API
	grep -qi "^Content-Security-Policy: $CSP"$'\r'"$" "$1" &&
	grep -qi "^Strict-Transport-Security: max-age=31536000" "$1" &&
	grep -qi "^X-Content-Type-Options: nosniff" "$1" &&
	grep -qi "^Referrer-Policy: no-referrer" "$1" &&
	{ [ "$2" = 0 ] || grep -qi "^Cache-Control: no-store" "$1"; }
}
code() { curl -sk -o /dev/null -w '%{http_code}' "$@"; }
curl -sk -D "$WORK/h1" -o "$WORK/b1" $U/; headers_ok "$WORK/h1" 0; ok $? "security headers on /"
grep -q "test page" "$WORK/b1"; ok $? "/ is the static directory's index.html"
curl -sk -D "$WORK/h2" -o /dev/null $U/nothing-here; headers_ok "$WORK/h2" 0; ok $? "security headers on a 404"
curl -sk -D "$WORK/h3" -o "$WORK/b3" $U/api/v1/status; headers_ok "$WORK/h3" 1
ok $? "security headers and Cache-Control: no-store on /api"

# ---- no session, whatever the browser claims ----
[ "$(code $U/api/v1/status)" = 401 ]; ok $? "GET /api/v1/status without a session: 401"
c=$(code $U/api/v1/access-log -H 'X-Zhulan-User: root' -H 'X-Zhulan-Role: admin' -H 'X-Zhulan-Client: 127.0.0.1')
[ "$c" = 401 ]; ok $? "X-Zhulan-User/Role from the browser, no session: 401 (got $c)"
c=$(code $U/api/v1/flows -b "__Host-zl_session=$(openssl rand -hex 32)")
[ "$c" = 401 ]; ok $? "a made-up session cookie: 401 (got $c)"
c=$(code -X POST $U/api/v1/policy/apply -H 'Content-Type: application/json' -d '{}')
[ "$c" = 401 ]; ok $? "POST without a session: 401 (got $c)"
c=$(code "$U/api/v1/policy/%2e%2e/status"); d=$(code --path-as-is "$U/api/v1/policy/../status")
[ "$c" = 404 ] && [ "$d" = 404 ]; ok $? "a dot segment in an /api path, escaped or not: 404 ($c $d)"

# ---- cross-origin writes ----
c=$(code -X POST $U/api/v1/login -H 'Origin: https://evil.example' -H 'Content-Type: application/json' -d '{"user":"a","password":"b"}')
[ "$c" = 403 ]; ok $? "login from another Origin: 403 (got $c)"
c=$(code -X POST $U/api/v1/policy/rollback -H 'Origin: https://evil.example' -H 'X-CSRF-Token: x')
[ "$c" = 403 ]; ok $? "POST from another Origin: 403 (got $c)"
c=$(code -X POST $U/api/v1/policy/rollback -H "Origin: $U")
[ "$c" = 401 ]; ok $? "POST from the console's own Origin passes the Origin check (401: no session; got $c)"
c=$(code -X POST $U/api/v1/login -H 'Content-Type: text/plain' -d '{"user":"a","password":"b"}')
[ "$c" = 415 ]; ok $? "login as text/plain (what a cross-site form can send): 415 (got $c)"

# ---- static files ----
[ "$(code --path-as-is $U/../outside/secret.txt)" = 404 ]; ok $? "/../outside/secret.txt: 404"
[ "$(code --path-as-is $U/static/../../outside/secret.txt)" = 404 ]; ok $? "/static/../../outside/secret.txt: 404"
[ "$(code --path-as-is "$U/%2e%2e/outside/secret.txt")" = 404 ]; ok $? "/%2e%2e/outside/secret.txt: 404"
[ "$(code "$U/link.txt")" = 404 ]; ok $? "a symbolic link out of the directory: 404"
[ "$(code "$U/.hidden")" = 404 ]; ok $? "a hidden file: 404"
! curl -sk --path-as-is "$U/../outside/secret.txt" "$U/link.txt" | grep -q secret
ok $? "the file outside is never served"
ct() { curl -sk -o /dev/null -w '%{content_type}' "$@"; }
[ "$(ct $U/static/css/a.css)" = "text/css; charset=utf-8" ] && [ "$(ct $U/app.mjs)" = "text/javascript; charset=utf-8" ]
ok $? "content types: css, mjs (a file in a subfolder, with or without /static/)"
if ls /usr/share/javascript/chart.js/chart*.js >/dev/null 2>&1; then
	curl -sk -D "$WORK/h4" $U/vendor/chart.js -o "$WORK/chart.js"
	grep -qi "^Content-Type: text/javascript" "$WORK/h4" && head -c 300 "$WORK/chart.js" | grep -q "Chart.js"
	ok $? "/vendor/chart.js is Debian's Chart.js ($(head -c 100 "$WORK/chart.js" | grep -o 'Chart.js v[0-9.]*'))"
else
	skip "libjs-chart.js is not installed"
fi

# ---- logins per address ----
codes=
for i in $(seq 11); do
	codes="$codes $(code -X POST $U/api/v1/login -H 'Content-Type: application/json' -d '{"user":"nobody-here","password":"wrong","totp":""}')"
done
last=${codes##* }; first=${codes% *}
[ "$last" = 429 ] && ! echo "$first" | grep -q 429
ok $? "the 11th login attempt within a minute from one address: 429 ($codes)"

# ---- 200 concurrent HTTPS connections ----
urls=$(for i in $(seq 1000); do [ $((i % 2)) = 0 ] && echo "-o /dev/null $U/" || echo "-o /dev/null $U/api/v1/status"; done)
t0=$(date +%s%N)
# shellcheck disable=SC2086
curl -sk --parallel --parallel-max 200 -w '%{http_code}\n' $urls > "$WORK/par.txt" 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
n200=$(grep -c '^200$' "$WORK/par.txt"); n401=$(grep -c '^401$' "$WORK/par.txt")
[ "$n200" = 500 ] && [ "$n401" = 500 ]
ok $? "1000 requests over 200 concurrent connections: 500 pages and 500 x 401, in $ms ms"
kill -0 $WPID; ok $? "still running"

# ---- restart: the same certificate ----
kill -TERM $WPID; wait $WPID; st=$?
ok $st "SIGTERM: exit 0"
start_web "$WORK/zhulan.conf" "$WORK/web2.log"
grep -q "certificate SHA-256 $fp" "$WORK/web2.log" && ! grep -q "made a self-signed" "$WORK/web2.log"
ok $? "restart: the certificate kept, same fingerprint"
kill -TERM $WPID; wait $WPID

# ---- the administrator's certificate ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/own.key" \
	-out "$WORK/own.crt" -subj /CN=console.example -days 2 2>/dev/null
conf "$WORK/own.conf" "web_cert = $WORK/own.crt
web_key = $WORK/own.key"
start_web "$WORK/own.conf" "$WORK/web3.log"
ofp=$(openssl x509 -in "$WORK/own.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
[ "$(served -noout -fingerprint -sha256 | sed 's/.*=//')" = "$ofp" ] && grep -q "SHA-256 $ofp" "$WORK/web3.log"
ok $? "web_cert/web_key: that certificate is served and its fingerprint logged"
kill -TERM $WPID; wait $WPID

# ---- bad settings ----
bad() { # bad LINE EXPECTED-MESSAGE
	conf "$WORK/bad.conf" "$1"
	local line; line=$(grep -n "^${1%% *}" "$WORK/bad.conf" | cut -d: -f1)
	"$ZHULAN_WEB" -f -c "$WORK/bad.conf" > /dev/null 2> "$WORK/err"; local s=$?
	[ $s = 2 ] && grep -qF "zhulan-web: $WORK/bad.conf:$line: $2" "$WORK/err"
	ok $? "bad $1: exit 2 and FILE:LINE: $(cat "$WORK/err")"
}
bad "web_listen = 8443" "web_listen: expected ADDRESS:PORT or [IPV6]:PORT, got \"8443\""
bad "web_session_idle = 0" "web_session_idle: expected seconds from 1 to 86400, got \"0\""
bad "web_cert = cert.pem" "web_cert: expected an absolute path, got \"cert.pem\""
bad "web_session_mux = 60" "unknown key \"web_session_mux\" (did you mean \"web_session_max\"?)"
conf "$WORK/bad.conf" "web_cert = $WORK/own.crt"
"$ZHULAN_WEB" -f -c "$WORK/bad.conf" 2> "$WORK/err"; s=$?
[ $s = 2 ] && grep -q "web_cert and web_key go together" "$WORK/err"; ok $? "web_cert without web_key: refused: $(cat "$WORK/err")"
"$ZHULAN_WEB" -f -c "$WORK/zhulan.conf" --listen 127.0.0.1 2> "$WORK/err"; s=$?
[ $s = 2 ] && grep -q "listen: expected ADDRESS:PORT" "$WORK/err"; ok $? "--listen without a port: refused"

# ---- accounts: needs the daemon's /v1/login (issue #10, daemon side) ----
c=$(sock -o /dev/null -w '%{http_code}' -X POST http://zhulan/v1/login -H 'X-Zhulan-Client: 127.0.0.1' \
	-H 'Content-Type: application/json' -d '{"user":"nobody-here","password":"x","totp":""}')
if [ "$c" = 404 ] || [ "$c" = 000 ]; then
	for t in "login sets the session cookie" "limited session" "HEAD" "CSRF token required" "CSRF right" \
		 "browser X-Zhulan-Role ignored" "escaped login path" "200 connections polling a session" "logout ends the session" "TOTP enrolment" "CSV export" \
		 "audit names the session's user" "idle expiry"; do
		skip "$t: the daemon has no /v1/login yet (answered $c)"
	done
	kill -TERM $DPID; wait $DPID; DPID=
	! cat "$WORK"/web*.log | grep -q "Sanitizer"; ok $? "no sanitizer reports from zhulan-web"
	done_testing
	exit
fi
pw=$(sock -X POST http://zhulan/v1/users -H 'Content-Type: application/json' \
	-d '{"name":"webtest","role":"report"}' | $PYTHON3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
login() { # login PASSWORD: the status in LC, the cookie in SID, the token in CSRF
	LC=$(curl -sk -D "$WORK/lh" -o "$WORK/lb" -w '%{http_code}' -X POST $U/api/v1/login \
		-H 'Content-Type: application/json' -d "{\"user\":\"${LOGIN_USER:-webtest}\",\"password\":\"$1\",\"totp\":\"\"}")
	SID=$(sed -n 's/^Set-Cookie: __Host-zl_session=\([0-9a-f]*\);.*/\1/ip' "$WORK/lh" | tr -d '\r')
	CSRF=$($PYTHON3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("csrf",""))' "$WORK/lb" 2>/dev/null)
}
as() { curl -sk -b "__Host-zl_session=$SID" "$@"; }
start_web "$WORK/zhulan.conf" "$WORK/web4.log"; U=https://127.0.0.1:$PORT
login "$pw"; c=$LC
[ "$c" = 200 ] && [ ${#SID} = 64 ] && [ ${#CSRF} = 64 ] &&
	grep -qi "^Set-Cookie: __Host-zl_session=$SID; Path=/; Secure; HttpOnly; SameSite=Strict" "$WORK/lh"
ok $? "login sets the session cookie (__Host-, Secure, HttpOnly, SameSite=Strict) and answers a CSRF token ($c)"
[ "$(as -o /dev/null -w '%{http_code}' $U/api/v1/status)" = 403 ] &&
	[ "$(as -o /dev/null -w '%{http_code}' $U/api/v1/session)" = 200 ]
ok $? "a one-time password gives a limited session: /api/v1/status 403, /api/v1/session 200"
c=$(as -I -m 5 -o /dev/null -w '%{http_code}' $U/api/v1/session)
[ "$c" = 200 ]; ok $? "HEAD is forwarded and answered at once ($c)"
new='Zl-web-Test-2026!'
body="{\"old\":\"$pw\",\"new\":\"$new\"}"
c1=$(as -o /dev/null -w '%{http_code}' -X POST $U/api/v1/account/password -H 'Content-Type: application/json' -d "$body")
c2=$(as -o /dev/null -w '%{http_code}' -X POST $U/api/v1/account/password -H 'Content-Type: application/json' \
	-H "X-CSRF-Token: $(openssl rand -hex 32)" -d "$body")
[ "$c1" = 403 ] && [ "$c2" = 403 ]; ok $? "POST without or with a wrong X-CSRF-Token: 403 ($c1 $c2)"
c=$(as -o /dev/null -w '%{http_code}' -X POST $U/api/v1/account/password -H 'Content-Type: application/json' \
	-H "X-CSRF-Token: $CSRF" -d "$body")
as $U/api/v1/session | $PYTHON3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["must_change"] is False else 1)'
ok $? "with the token the password changes ($c) and the session is no longer limited"
c=$(as -o /dev/null -w '%{http_code}' $U/api/v1/users -H 'X-Zhulan-Role: admin' -H 'X-Zhulan-User: root')
[ "$c" = 403 ]; ok $? "a report session claiming X-Zhulan-Role: admin still gets 403 on /api/v1/users ($c)"
c=$(curl -sk -D "$WORK/eh" -o /dev/null -w '%{http_code}' -X POST "$U/api/v1/log%69n" \
	-H 'Content-Type: application/json' -d "{\"user\":\"webtest\",\"password\":\"$new\"}")
[ "$c" = 200 ] && grep -qi "^Set-Cookie: __Host-zl_session=[0-9a-f]\{64\};" "$WORK/eh"
ok $? "an escaped path (/api/v1/log%69n) is routed by its decoded name: the console's own login, with its cookie ($c)"
urls=$(for i in $(seq 1000); do echo "-o /dev/null $U/api/v1/session"; done)
t0=$(date +%s%N)
# shellcheck disable=SC2086
as --parallel --parallel-max 200 -w '%{http_code}\n' $urls > "$WORK/par2.txt" 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
n=$(grep -c '^200$' "$WORK/par2.txt")
[ "$n" = 1000 ]; ok $? "one session polled by 200 concurrent connections: $n of 1000 answered 200 through the daemon, in $ms ms"
old=$SID
c=$(as -D "$WORK/oh" -o /dev/null -w '%{http_code}' -X POST $U/api/v1/logout -H "X-CSRF-Token: $CSRF")
[ "$c" = 200 ] && grep -qi "^Set-Cookie: __Host-zl_session=;.*Max-Age=0" "$WORK/oh" &&
	[ "$(curl -sk -o /dev/null -w '%{http_code}' -b "__Host-zl_session=$old" $U/api/v1/session)" = 401 ]
ok $? "logout clears the cookie and ends the session on the server (the old cookie: 401)"
# A security user: password, then TOTP enrolment through the console, then
# the access log's CSV export streamed through, and the daemon's audit row
# naming the session's user, not the one the browser claimed.
totp() { $PYTHON3 -c 'import base64,hmac,hashlib,struct,sys,time
k = base64.b32decode(sys.argv[1].upper() + "=" * (-len(sys.argv[1]) % 8))
h = hmac.new(k, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$1"; }
pw=$(sock -X POST http://zhulan/v1/users -H 'Content-Type: application/json' \
	-d '{"name":"websec","role":"security"}' | $PYTHON3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
LOGIN_USER=websec login "$pw"
post() { as -o "$WORK/pb" -w '%{http_code}' -X POST "$U/api/v1/$1" -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" -d "$2"; }
c1=$(post account/password "{\"old\":\"$pw\",\"new\":\"$new\"}")
c2=$(post account/totp/begin '{}')
secret=$($PYTHON3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$WORK/pb" 2>/dev/null)
c3=$(post account/totp/finish "{\"code\":\"$(totp "${secret:-A}")\"}")
as $U/api/v1/session | $PYTHON3 -c 'import json,sys; j=json.load(sys.stdin); sys.exit(0 if not j["must_change"] and not j["totp_enroll"] else 1)'
ok $? "a security account sets its password and enrols TOTP through the console ($c1 $c2 $c3)"
c=$(as -D "$WORK/ch" -o "$WORK/cb" -w '%{http_code}' "$U/api/v1/access-log?format=csv&limit=5" -H 'X-Zhulan-User: root')
[ "$c" = 200 ] && grep -qi '^Content-Type: text/csv' "$WORK/ch" && grep -qi '^Content-Disposition: attachment' "$WORK/ch"
ok $? "the access log's CSV export comes through as text/csv with Content-Disposition ($c)"
who=$(sqlite3 "$WORK/db/zhulan.db" "select who from audit where action = 'access-log export' order by id desc limit 1" 2>&1)
[[ "$who" == "websec via daemon("* ]]; ok $? "the daemon's audit row names the session's user, not the browser's X-Zhulan-User: $who"
kill -TERM $WPID; wait $WPID
conf "$WORK/idle.conf" "web_session_idle = 2"
start_web "$WORK/idle.conf" "$WORK/web5.log"; U=https://127.0.0.1:$PORT
login "$new"
a=$(as -o /dev/null -w '%{http_code}' $U/api/v1/session); sleep 3
b=$(as -o /dev/null -w '%{http_code}' $U/api/v1/session)
[ "$a" = 200 ] && [ "$b" = 401 ]; ok $? "web_session_idle = 2: 200 at once, 401 after 3 s idle ($a $b)"
kill -TERM $WPID; wait $WPID
kill -TERM $DPID; wait $DPID; DPID=
! cat "$WORK"/web*.log | grep -q "Sanitizer"; ok $? "no sanitizer reports from zhulan-web"
done_testing
