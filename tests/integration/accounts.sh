#!/bin/bash
# accounts.sh - the console's accounts and roles, end to end on a real
# daemon: zhulanctl users add for each role; logins over the control
# socket as zhulan-web makes them (curl as a non-root member of the
# daemon's group, with X-Zhulan-Client); one-time passwords changed; TOTP
# enrolled with codes from oathtool; a replayed code, lockout, the
# per-address limit; each role's refusals, a forged role, a disabled
# account, a limited account; SQL in names and filters; and the audit rows
# of all of it. The daemon captures on a dummy interface in a namespace of
# its own, on a veth pair that carries nothing (no lab needed).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for a network namespace"
command -v oathtool >/dev/null || skip_all "needs oathtool"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
P=zla$$
SOCK=$WORK/run/control.sock
DB=$WORK/db/zhulan.db
chmod 755 "$WORK"
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	ip netns del "$P-gw" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$P-gw" && ip -n "$P-gw" link add lan0 type veth peer name lan0p &&
	ip -n "$P-gw" link set lan0 up && ip -n "$P-gw" link set lan0p up
ok $? "a namespace with a quiet lan0"
cat > "$WORK/zhulan.conf" <<CONF
interfaces = lan0
database = $DB
control_socket = $SOCK
user = nobody
app_dir = $ZHULAN_DATADIR
policy = $WORK/none.conf
CONF
start; ok $? "daemon starts and answers status" || { done_testing; exit 1; }
GID=$(stat -c %g "$SOCK")

# api AS METHOD PATH [BODY] [HEADER...]: as zhulan-web would, from a
# non-root member of the daemon's group ("web") or as root ("root");
# the body in $WORK/out, prints the HTTP status.
api() {
	local as=$1 m=$2 path=$3 body=${4:-}; shift 4 2>/dev/null || shift $#
	local run=()
	[ "$as" = web ] && run=(setpriv --reuid=65534 --regid="$GID" --clear-groups)
	local r
	r=$("${run[@]}" curl -s --unix-socket "$SOCK" -X "$m" -w '\n%{http_code}' \
		${body:+-H 'Content-Type: application/json' --data-binary "$body"} "$@" "http://zhulan$path")
	printf '%s\n' "${r%$'\n'*}" > "$WORK/out"
	echo "${r##*$'\n'}"
}
# as USER ROLE METHOD PATH [BODY]: a console user's request through the web process
as() { local u=$1 r=$2 m=$3 path=$4 body=${5:-}
	api web "$m" "$path" "$body" -H "X-Zhulan-User: $u" -H "X-Zhulan-Role: $r" -H "X-Zhulan-Client: 192.0.2.50"; }
# login USER PASSWORD [CODE] [CLIENT]
login() { api web POST /v1/login "$(jq -cn --arg u "$1" --arg p "$2" --arg c "${3:-}" '{user:$u,password:$p,totp:$c}')" \
	-H "X-Zhulan-Client: ${4:-192.0.2.10}"; }
j() { jq -r "$1" "$WORK/out"; }
audit() { sqlite3 "$DB" "select who || ' | ' || action || ' | ' || detail from audit order by id"; }

# --- accounts made by root with zhulanctl ---
declare -A PW NEW CODE ROLE=([adm]=admin [sec]=security [aud]=auditor [rep]=report)
for u in adm sec aud rep; do
	out=$(ctl users add "$u" --role "${ROLE[$u]}"); st=$?
	PW[$u]=${out##*: }
	ok $st "zhulanctl users add $u --role ${ROLE[$u]}: $out"
done
[ "${#PW[rep]}" -ge 10 ] && [ "${PW[rep]}" != "${PW[sec]}" ]; ok $? "one-time passwords are printed, each its own"
ctl users list > "$WORK/list"; ok $? "zhulanctl users list"
grep -q "^sec  *security  *yes  *no  *yes" "$WORK/list"; ok $? "the list shows sec: security, enabled, no TOTP, must change"
ctl users add adm --role admin > /dev/null 2> "$WORK/err"; st=$?
ok $(( st != 1 )) "a second adm is refused: $(cat "$WORK/err")"
setpriv --reuid=65534 --regid="$GID" --clear-groups "$ZHULANCTL" -s "$SOCK" users list > /dev/null 2> "$WORK/err"; st=$?
ok $(( st != 1 )) "zhulanctl users as non-root: refused ($(cat "$WORK/err"))"
grep -q "only root" "$WORK/err"; ok $? "zhulanctl says only root may"
[ "$(api web GET /v1/users)" = 403 ]; ok $? "the daemon refuses GET /v1/users to a non-root local caller without an account"
[ "$(api web GET /v1/status)" = 200 ]; ok $? "a group member without an account may read status"
[ "$(api web GET /v1/flows)" = 403 ]; ok $? "... but not flows"

# --- first login with the one-time password: limited ---
[ "$(login rep "${PW[rep]}")" = 200 ]; ok $? "rep logs in with the one-time password"
[ "$(j '.must_change,.totp_enroll,.role')" = "$(printf 'true\nfalse\nreport')" ]; ok $? "must_change, no TOTP for report: $(cat "$WORK/out")"
[ "$(login sec "${PW[sec]}" "")" = 200 ]; ok $? "sec logs in with the one-time password"
[ "$(j '.must_change,.totp_enroll')" = "$(printf 'true\ntrue')" ]; ok $? "sec must change and enrol TOTP"
[ "$(as sec security GET /v1/flows)" = 403 ]; ok $? "limited sec calling /v1/flows: 403 ($(j .error))"
[ "$(as sec security GET /v1/session)" = 200 ] && [ "$(j .must_change)" = true ]; ok $? "limited sec may read its session"

# --- password rules and change ---
chpw() { as "$1" "${ROLE[$1]}" POST /v1/account/password "$(jq -cn --arg o "$2" --arg n "$3" '{old:$o,new:$n}')"; }
[ "$(chpw rep "${PW[rep]}" 'Short1!')" = 422 ]; ok $? "too short: 422 ($(j .error))"
[ "$(chpw rep "${PW[rep]}" 'alllowercaseletters')" = 422 ]; ok $? "one kind of character: 422 ($(j .error))"
[ "$(chpw rep "${PW[rep]}" 'My-REP-password-1')" = 422 ]; ok $? "containing the user name: 422 ($(j .error))"
[ "$(chpw rep "${PW[rep]}" "${PW[rep]}")" = 422 ]; ok $? "the old one again: 422 ($(j .error))"
[ "$(chpw rep 'Wrong-old-pw-1' 'Brand-new-Pass-7')" = 422 ]; ok $? "a wrong old password: 422 ($(j .error))"
for u in adm sec aud rep; do
	NEW[$u]="Str0ng-pass-for-$u!"; NEW[$u]=${NEW[$u]/$u/X$RANDOM}
	[ "$(chpw $u "${PW[$u]}" "${NEW[$u]}")" = 200 ]; ok $? "$u changes the one-time password"
done
[ "$(login rep "${NEW[rep]}")" = 200 ] && [ "$(j .must_change)" = false ]; ok $? "rep logs in with the new password: full session"
[ "$(j .password_expires_days)" = 90 ]; ok $? "the password expires in 90 days"
[ "$(login rep "${PW[rep]}")" = 401 ]; ok $? "the one-time password no longer works"

# --- TOTP enrolment with oathtool ---
declare -A SECRET
for u in adm sec aud; do
	[ "$(as $u ${ROLE[$u]} POST /v1/account/totp/begin '{}')" = 200 ]; ok $? "$u begins TOTP enrolment"
	SECRET[$u]=$(j .secret)
	[ "$(j .uri)" = "otpauth://totp/Zhulan:$u?secret=${SECRET[$u]}&issuer=Zhulan" ]; ok $? "$u: the otpauth URI"
	qr=$(jq -r '[.qr | length, (.[0] | length), (map(test("^[01]+$")) | all)] | @tsv' "$WORK/out")
	[[ "$qr" =~ ^(2[19]|3[37]|4[15]|49|5[37])$'\t'(2[19]|3[37]|4[15]|49|5[37])$'\t'true$ ]]; ok $? "$u: a square QR code of 0/1 rows ($qr)"
	[ "$(as $u ${ROLE[$u]} POST /v1/account/totp/finish '{"code":"000000"}')" = 422 ] ||
		[ "$(oathtool --totp -b "${SECRET[$u]}")" = 000000 ]; ok $? "$u: a wrong code: 422"
	CODE[$u]=$(oathtool --totp -b "${SECRET[$u]}")
	[ "$(as $u ${ROLE[$u]} POST /v1/account/totp/finish "{\"code\":\"${CODE[$u]}\"}")" = 200 ]; ok $? "$u: enrolled with oathtool's code"
done
[ "$(as sec security POST /v1/account/totp/begin '{}')" = 409 ]; ok $? "enrolling again needs an admin's reset: 409"
[ "$(login sec "${NEW[sec]}" "${CODE[sec]}")" = 401 ]; ok $? "sec: the code used at enrolment is refused (replay)"
[ "$(j .error)" = "wrong user name, password or code" ]; ok $? "a failure never says which part was wrong"
[ "$(login sec "${NEW[sec]}" "")" = 401 ]; ok $? "sec: no code: 401"
for u in adm sec aud; do
	c=$(oathtool --totp -b -N "$(date -u -d '+30 seconds' '+%Y-%m-%d %H:%M:%S UTC')" "${SECRET[$u]}")
	[ "$(login $u "${NEW[$u]}" "$c")" = 200 ] && [ "$(j '.must_change,.totp_enroll')" = "$(printf 'false\nfalse')" ]
	ok $? "$u logs in with password and the next code: a full session"
	[ "$(login $u "${NEW[$u]}" "$c")" = 401 ]; ok $? "$u: the same code again is refused"
done

# --- roles ---
[ "$(as sec security POST /v1/policy/apply '{}')" = 403 ]; ok $? "security POST /v1/policy/apply: 403 ($(j .error))"
[ "$(as rep report GET /v1/access-log)" = 403 ]; ok $? "report GET /v1/access-log: 403"
[ "$(as rep report GET /v1/flows)" = 403 ]; ok $? "report GET /v1/flows: 403"
[ "$(as rep report 'GET' '/v1/top?what=hosts')" = 403 ]; ok $? "report GET /v1/top?what=hosts: 403"
[ "$(as rep report GET /v1/top)" = 200 ]; ok $? "report GET /v1/top (applications): 200"
[ "$(as sec security GET /v1/access-log)" = 200 ]; ok $? "security GET /v1/access-log: 200"
[ "$(as aud auditor GET /v1/flows)" = 403 ]; ok $? "auditor GET /v1/flows: 403"
[ "$(as aud auditor GET /v1/status)" = 403 ]; ok $? "auditor GET /v1/status: 403 (the audit log, nothing more)"
[ "$(as rep report GET /v1/status)" = 200 ]; ok $? "report GET /v1/status: 200"
[ "$(as sec security GET /v1/users)" = 403 ]; ok $? "security GET /v1/users: 403"
[ "$(as sec admin GET /v1/users)" = 403 ]; ok $? "a forged X-Zhulan-Role (security account claiming admin): 403 ($(j .error))"
[ "$(as nosuch admin GET /v1/status)" = 403 ]; ok $? "an X-Zhulan-User without an account: 403"
[ "$(as adm admin GET /v1/users)" = 200 ] && [ "$(j '[.users[].name] | join(",")')" = adm,aud,rep,sec ]
ok $? "admin GET /v1/users: 200 with the four accounts"
[ "$(j '.users[] | select(.name=="sec") | [.totp,.must_change] | @tsv')" = "$(printf 'true\tfalse')" ]; ok $? "the list says sec has TOTP and a changed password"
[ "$(as adm admin POST /v1/web/announce '{"listen":"x","fingerprint":"y"}')" = 403 ]; ok $? "a console user may not announce a web console"
FP="AB:CD:$(printf '%02X:' $(seq 1 29))EF"
[ "$(api web POST /v1/web/announce "{\"listen\":\"127.0.0.1:8443\",\"fingerprint\":\"$FP\"}")" = 200 ]; ok $? "zhulan-web (group member) announces itself"
ctl status > "$WORK/status"; grep -q "web console: https://127.0.0.1:8443, certificate SHA256 $FP" "$WORK/status"
ok $? "zhulanctl status shows the web console's address and fingerprint"

# --- the admin through the console: add, disable, enable, reset ---
[ "$(as adm admin POST /v1/users '{"name":"rep2","role":"report"}')" = 200 ] && PW2=$(j .password) && [ -n "$PW2" ]
ok $? "admin adds rep2 through the console: a one-time password"
[ "$(as adm admin POST /v1/users '{"name":"rep3","role":"root"}')" = 422 ]; ok $? "an unknown role: 422"
ctl users disable rep > /dev/null; ok $? "zhulanctl users disable rep"
[ "$(as rep report GET /v1/top)" = 403 ]; ok $? "a disabled account's session: 403 ($(j .error))"
[ "$(login rep "${NEW[rep]}")" = 401 ]; ok $? "a disabled account cannot log in"
ctl users enable rep > /dev/null && [ "$(as rep report GET /v1/top)" = 200 ]; ok $? "enabled again: 200"
[ "$(as adm admin POST /v1/users/sec/reset-2fa '{}')" = 200 ]; ok $? "admin resets sec's TOTP"
[ "$(as sec security GET /v1/flows)" = 403 ]; ok $? "sec without TOTP is limited again"

# --- lockout and the per-address limit ---
[ "$(login rep "${NEW[rep]}" "" 198.51.100.8)" = 200 ]; ok $? "rep logs in: its failures so far are forgotten"
for i in 1 2 3 4; do login rep "Wrong-guess-$i" "" 198.51.100.7 > "$WORK/st"; done
[ "$(cat "$WORK/st")" = 401 ]; ok $? "four wrong guesses: 401"
[ "$(login rep "Wrong-guess-5" "" 198.51.100.7)" = 423 ]; ok $? "the fifth: 423 ($(j .error))"
[[ "$(j .locked_until)" =~ ^20[0-9-]+T[0-9:]+Z$ ]]; ok $? "locked_until is RFC 3339: $(j .locked_until)"
[ "$(login rep "${NEW[rep]}" "" 198.51.100.8)" = 423 ]; ok $? "locked: even the right password gets 423"
ctl users list | grep -q "^rep .* 20[0-9-]* [0-9:]*$"; ok $? "zhulanctl users list shows until when rep is locked"
out=$(ctl users passwd rep); ok $? "zhulanctl users passwd rep: $out"
[ "$(login rep "${out##*: }" "" 198.51.100.8)" = 200 ] && [ "$(j .must_change)" = true ]; ok $? "the new one-time password unlocks, must be changed"
for i in $(seq 20); do login "nobody$i" "Wrong-guess-$i" "" 203.0.113.9 > /dev/null; done
[ "$(login adm "${NEW[adm]}" "" 203.0.113.9)" = 429 ]; ok $? "the 21st attempt from one address in 5 minutes: 429 ($(j .error))"
[ "$(login rep2 "$PW2" "" 203.0.113.10)" = 200 ]; ok $? "another address may still log in"

# --- SQL in names and filters ---
before=$(sqlite3 "$DB" "select * from users order by id" | sha256sum)
ctl users add "x' OR '1'='1" --role admin > /dev/null 2>&1; ok $(( $? != 1 )) "zhulanctl users add with SQL as the name: refused"
[ "$(as adm admin POST /v1/users '{"name":"a\u0027); DROP TABLE users;--","role":"admin"}')" = 422 ]; ok $? "POST /v1/users with SQL as the name: 422"
[ "$(login "adm' --" "x")" = 401 ]; ok $? "login as \"adm' --\": 401"
[ "$(login "' OR 1=1 --" "' OR 1=1 --")" = 401 ]; ok $? "login with SQL as name and password: 401"
[ "$(as "adm' OR '1'='1" admin GET /v1/users)" = 403 ]; ok $? "X-Zhulan-User with SQL: 403"
[ "$(as sec2 security 'GET' "/v1/access-log?host=%27%20OR%201%3D1%20--")" = 403 ]; ok $? "an unknown account with SQL in a filter: 403"
[ "$(as adm admin POST "/v1/users/x'%20OR%20'1'='1/disable" '{}')" = 404 ]; ok $? "disabling a user named with SQL: 404"
[ "$(api root GET "/v1/access-log?host=%27%20OR%201%3D1%20--&owner=%27%3B%20DELETE%20FROM%20users%3B--")" = 200 ] &&
	[ "$(j '.rows | length')" = 0 ]; ok $? "access-log filters with SQL: 200, no rows"
after=$(sqlite3 "$DB" "select * from users order by id" | sha256sum)
[ "$before" = "$after" ]; ok $? "the users table is unchanged"

# --- logout and the audit ---
[ "$(as adm admin POST /v1/logout '{}')" = 200 ]; ok $? "adm logs out"
[ "$(as aud auditor GET '/v1/audit?limit=1000')" = 200 ]; ok $? "auditor GET /v1/audit: 200"
has() { jq -e --arg a "$1" --arg d "$2" '[.rows // .audit // . | .[]? | select(.action == $a and (.detail | test($d)))] | length > 0' "$WORK/out" >/dev/null; }
has login '"user":"sec"'; ok $? "the audit shows sec's login"
has "login failed" '"client":"198.51.100.7".*"reason":"wrong password"'; ok $? "... a failure with the client's address"
has "account locked" '"user":"rep"'; ok $? "... the lockout"
has "login refused" 'too many attempts'; ok $? "... the per-address limit"
has "password changed" '"user":"rep"'; ok $? "... a password change"
has "totp enrolled" '"user":"aud"'; ok $? "... an enrolment"
has "user added" '"name":"rep2"'; ok $? "... a user added"
has "user disable" '"name":"rep"'; ok $? "... a user disabled"
has "user reset-2fa" '"name":"sec"'; ok $? "... a TOTP reset"
has logout '"user":"adm"'; ok $? "... a logout"
has refused 'X-Zhulan-Role'; ok $? "... a refusal"
audit > "$WORK/audit"
leak=0
for p in "${PW[@]}" "${NEW[@]}" "$PW2" Wrong-guess-5; do grep -qF -- "$p" "$WORK/audit" && leak=1; done
ok $leak "no password is in the audit table"
grep -q "^sec via nobody(uid 65534) from 192.0.2.10 | login |" "$WORK/audit"; ok $? "the audit names user, web process and browser address"
[ "$(as rep report GET /v1/audit)" = 403 ]; ok $? "report GET /v1/audit: 403"

stop
ok $(( st != 0 )) "SIGTERM: exit 0"
[ "$tap_fail" -eq 0 ] || sed 's/^/# daemon: /' "$WORK/daemon.log" | tail -40
done_testing
