#!/bin/bash
# report_daemon.sh - the monthly reports through the daemon: a store
# holding last month (tests/tools/reportgen), the daemon started with
# report_time = 00:00 makes last month's report itself (PDF, XLSX, CSV)
# and archives it; zhulanctl report makes one now and downloads it with
# its SHA-256 checked; downloads are audited; the persons' version only
# for those entitled; no sanitizer report in the daemon's log.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for a network namespace"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
RG=${top_builddir:-.}/tests/tools/reportgen
P=zlrp$$
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	ip netns del "$P-gw" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
chmod 755 "$WORK"
ip netns add "$P-gw" && ip -n "$P-gw" link add d0 type veth peer name d1 && ip -n "$P-gw" link set d0 up && ip -n "$P-gw" link set d1 up
ok $? "a namespace with a veth pair"
month=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
mkdir -p "$WORK/db"
LSAN_OPTIONS=suppressions=$top_srcdir/tests/lsan-report.supp "$RG" fill "$WORK/db/zhulan.db" \
	"$month" 5000 "$WORK/totals.json"
ok $? "last month ($month) in the store"
cat > "$WORK/zhulan.conf" <<CONF
interfaces = d0
database = $WORK/db/zhulan.db
control_socket = $WORK/run/control.sock
user = nobody
app_dir = $ZHULAN_DATADIR
report_time = 00:00
report_keep_days = 400
report_org = 竹县
CONF
export LSAN_OPTIONS=suppressions=$top_srcdir/tests/lsan-report.supp:print_suppressions=0
start
ok $? "the daemon starts" || { sed 's/^/# /' "$WORK/daemon.log" | tail; done_testing; exit 1; }
for _ in $(seq 100); do
	[ "$(sqlite3 "$WORK/db/zhulan.db" "SELECT count(*) FROM reports WHERE scheduled = 1 AND period = '$month'" 2>/dev/null)" = 3 ] && break
	sleep 0.3
done
sqlite3 "$WORK/db/zhulan.db" "SELECT format || ' ' || sha256 || ' ' || path FROM reports WHERE scheduled = 1" > "$WORK/sched"
ok $([ "$(wc -l < "$WORK/sched")" = 3 ]; echo $?) "the schedule made last month's report in 3 formats"
bad=0
[ -s "$WORK/sched" ] || bad=1
while read -r fmt sha path; do
	[ "$(sha256sum "$path" | cut -d' ' -f1)" = "$sha" ] || bad=1
	[ "$(stat -c %a "$path")" = 600 ] || bad=1
	case "$path" in "$WORK/db/zhulan.db.reports/"*) ;; *) bad=1;; esac
done < "$WORK/sched"
ok $bad "each file is under the state directory, mode 0600, with the SHA-256 the store holds"
ctl report list > "$WORK/list"
ok $? "zhulanctl report list"
grep -q "$month" "$WORK/list"
ok $? "... shows the month"
ctl report --month "$month" --format csv --output "$WORK/r.zip" > "$WORK/out"
ok $? "zhulanctl report --month $month --format csv --output PATH"
grep -q 'SHA-256' "$WORK/out"
ok $? "... checked its SHA-256"
mkdir "$WORK/csv" && (cd "$WORK/csv" && unzip -q ../r.zip)
want=$($PYTHON3 -c "import json; t=json.load(open('$WORK/totals.json')); print(t['up'] + t['down'])")
grep -q "\"总流量\",$want," "$WORK/csv/01-summary_traffic.csv"
ok $? "the CSV's total traffic is the generator's ($want)"
ctl report --month "$month" --lang en --output "$WORK/en.pdf" >/dev/null &&
	pdftotext "$WORK/en.pdf" - | grep -q '1. Summary'
ok $? "an English PDF on request"
pdfinfo "$WORK/en.pdf" | grep -q '竹县' || pdftotext "$WORK/en.pdf" - | grep -q '竹县'
ok $? "the organisation (report_org) in the title"
n=$(sqlite3 "$WORK/db/zhulan.db" "SELECT count(*) FROM audit WHERE action = 'report download'")
ok $([ "$n" -ge 2 ]; echo $?) "downloads are audited ($n rows)"
ctl report --month "$month" --persons --output "$WORK/p.pdf" >/dev/null &&
	pdftotext "$WORK/p.pdf" - | grep -q '王伟'
ok $? "root asking for persons gets the persons' version"
sqlite3 "$WORK/db/zhulan.db" "SELECT count(*) FROM audit WHERE action = 'report with persons'" | grep -q '^[1-9]'
ok $? "... and its generation is audited as a read of personal data"
# console roles: report gets departments, security persons; report may not
# download a persons' version
as() { # as USER ROLE METHOD PATH [BODY] -> HTTP status; body in $WORK/as
	local d=()
	[ $# -ge 5 ] && d=(-H 'Content-Type: application/json' --data-binary "$5")
	curl -s --unix-socket "$WORK/run/control.sock" -o "$WORK/as" -w '%{http_code}' -X "$3" \
		-H "X-Zhulan-User: $1" -H "X-Zhulan-Role: $2" "${d[@]}" "http://zhulan$4"
}
console_account dataoffice report && console_account sec security
ok $? "console accounts for the roles report and security"
[ "$(as dataoffice report POST /v1/reports "{\"month\":\"$month\"}")" = 200 ] &&
	[ "$(jq -r .report.persons "$WORK/as")" = false ]
ok $? "role report: the departments' version"
[ "$(as sec security POST /v1/reports "{\"month\":\"$month\",\"format\":\"xlsx\"}")" = 200 ] &&
	[ "$(jq -r .report.persons "$WORK/as")" = true ]
ok $? "role security: the persons' version"
pid=$(jq -r .report.id "$WORK/as")
[ "$(as dataoffice report GET /v1/reports/$pid)" = 403 ]
ok $? "role report may not download a persons' version (403)"
[ "$(as sec security GET /v1/reports/$pid)" = 200 ]
ok $? "role security may"
[ "$(as aud auditor GET /v1/reports)" = 403 ]
ok $? "role auditor may not list reports"
code=$(curl -s --unix-socket "$WORK/run/control.sock" -o /dev/null -w '%{http_code}' http://zhulan/v1/reports/999999)
ok $([ "$code" = 404 ]; echo $?) "an unknown report is 404"
code=$(curl -s --unix-socket "$WORK/run/control.sock" -o "$WORK/err" -w '%{http_code}' \
	-H 'Content-Type: application/json' -d '{"month":"2026-13"}' http://zhulan/v1/reports)
ok $([ "$code" = 400 ]; echo $?) "a bad month is 400 ($(cat "$WORK/err"))"
stop
ok $st "the daemon stops"
# systemd gives a StateDirectory's contents back to root at each start
chown -R root:root "$WORK/db"
start
ok $? "the daemon starts again after its state directory was given to root"
id=$(sqlite3 "$WORK/db/zhulan.db" "SELECT min(id) FROM reports")
ctl report get "$id" --output "$WORK/again.pdf" >/dev/null
ok $? "an archived report is still served (the archive's files are the daemon's again)"
ctl report --month "$month" --format xlsx --output "$WORK/again.xlsx" >/dev/null
ok $? "and a new one is written"
stop
ok $st "the daemon stops again"
! grep -q 'Sanitizer' "$WORK/daemon.log"
ok $? "no sanitizer report in the daemon's log"
done_testing
