#!/bin/bash
# report_daemon.sh - the monthly reports through the daemon: a store
# holding last month (tests/tools/reportgen), the daemon started with
# report_time = 00:00 makes last month's report itself (PDF, XLSX, CSV)
# and archives it in reports/ beside the database (an archive in the old
# place, zhulan.db.reports/, moves there); POST /v1/reports answers at once
# with a job whose progress and end GET /v1/reports/jobs/N gives (the same
# request, the same job); zhulanctl report follows it and downloads the
# file with its SHA-256 checked (CSV into a directory: one file a section);
# downloads are audited; the persons' version only for those entitled; a
# full disk fails the job with the reason and leaves the archive as it
# was; no sanitizer report in the daemon's log.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for a network namespace"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
RG=${top_builddir:-.}/tests/tools/reportgen
P=zlrp$$
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	mountpoint -q "$WORK/db/reports" 2>/dev/null && umount "$WORK/db/reports"
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
# an archive in the old place (before reports/): a file and its row
mkdir -m 700 "$WORK/db/zhulan.db.reports" && echo "an old report" > "$WORK/db/zhulan.db.reports/old.pdf"
oldsha=$(sha256sum "$WORK/db/zhulan.db.reports/old.pdf" | cut -d' ' -f1)
sqlite3 "$WORK/db/zhulan.db" "INSERT INTO reports (ts, who, period, from_us, to_us, format, lang,
 persons, scheduled, path, bytes, sha256, keep_until) VALUES (1, 'root', '2020-01', 0, 1, 'pdf', 'zh',
 0, 0, '$WORK/db/zhulan.db.reports/old.pdf', 14, '$oldsha', 9000000000000000)"
oldid=$(sqlite3 "$WORK/db/zhulan.db" "SELECT max(id) FROM reports")
cat > "$WORK/zhulan.conf" <<CONF
interfaces = d0
database = $WORK/db/zhulan.db
control_socket = $WORK/run/control.sock
user = nobody
app_dir = $ZHULAN_DATADIR
report_time = 00:00
report_keep_days = 400
report_org = 竹县
ipv6_target_traffic = 35
ipv6_target_portals = 60
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
	case "$path" in "$WORK/db/reports/"*) ;; *) bad=1;; esac
done < "$WORK/sched"
ok $bad "each file is in reports/ beside the database, mode 0600, with the SHA-256 the store holds"
[ ! -e "$WORK/db/zhulan.db.reports" ] && [ -f "$WORK/db/reports/old.pdf" ] &&
	ctl report get "$oldid" --output "$WORK/old.pdf" >/dev/null && cmp -s "$WORK/old.pdf" "$WORK/db/reports/old.pdf"
ok $? "the old archive (zhulan.db.reports/) moved to reports/, its report still served with its SHA-256"
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
grep -q "\"总流量\",$want," "$WORK/csv/01-summary.csv"
ok $? "the CSV's total traffic is the generator's ($want)"
# section 5 against zhulan.conf's IPv6 targets, not the defaults; a reload changes them
grep -q '^"全县",[0-9]*,[0-9]*,[0-9.]*,35,' "$WORK/csv/05-ipv6.csv" &&
	grep -A2 '"网站 IPv6 支持率与国家目标"' "$WORK/csv/05-ipv6.csv" | grep -q '^[0-9]*,[0-9]*,[0-9.]*,60,'
ok $? "the report's IPv6 shares against zhulan.conf's targets (35 %, portals 60 %)"
sed -i 's/^ipv6_target_traffic = 35/ipv6_target_traffic = 40/' "$WORK/zhulan.conf"
kill -HUP "$DPID"; sleep 0.5
ctl report --month "$month" --format csv --output "$WORK/r40.zip" >/dev/null &&
	unzip -p "$WORK/r40.zip" 05-ipv6.csv | grep -q '^"全县",[0-9]*,[0-9]*,[0-9.]*,40,'
ok $? "... and after a reload, the new target (40 %)"
ctl report --month "$month" --format csv --output "$WORK/csvdir/" > "$WORK/out"
ok $? "zhulanctl report --format csv --output DIR/"
[ "$(cd "$WORK/csvdir" && ls | tr '\n' ' ')" = "01-summary.csv 02-traffic.csv 03-behaviour.csv 04-incidents.csv 05-ipv6.csv 06-policy.csv 07-health.csv 08-signature.csv " ] &&
	grep -q "\"总流量\",$want," "$WORK/csvdir/01-summary.csv"
ok $? "... wrote one file per section into it ($(ls "$WORK/csvdir" | wc -l) files)"
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
# wait_job USER ROLE N: follow job N until it ends; its last answer in
# $WORK/job, every state seen (state:percent:step) in $WORK/seen
wait_job() {
	: > "$WORK/seen"
	for _ in $(seq 600); do
		as "$1" "$2" GET "/v1/reports/jobs/$3" > /dev/null
		cp "$WORK/as" "$WORK/job"
		jq -r '.job | "\(.state):\(.percent):\(.step)"' "$WORK/job" >> "$WORK/seen"
		case "$(jq -r .job.state "$WORK/job")" in done|failed) return 0;; esac
		sleep 0.05
	done
	return 1
}
t0=$(date +%s%N)
code=$(as dataoffice report POST /v1/reports "{\"month\":\"$month\"}")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
job=$(jq -r .job.id "$WORK/as")
[ "$code" = 202 ] && [ "$(jq -r .job.state "$WORK/as")" != done ] && [ "$job" -gt 0 ]
ok $? "POST /v1/reports answers 202 with a job at once ($ms ms, job $job, $(jq -c .job "$WORK/as"))"
wait_job dataoffice report "$job" && [ "$(jq -r .job.state "$WORK/job")" = done ] &&
	[ "$(jq -r .job.percent "$WORK/job")" = 100 ] && [ "$(jq -r .job.persons "$WORK/job")" = false ]
ok $? "role report: the job ends done at 100 %, the departments' version"
grep -Eq '^running:([1-9]|[1-9][0-9]):[a-z]+$' "$WORK/seen"
ok $? "... and showed its progress while running ($(sort -u "$WORK/seen" | tr '\n' ' '))"
rid=$(jq -r .job.report "$WORK/job")
[ "$(as dataoffice report GET "/v1/reports/$rid")" = 200 ] && head -c 5 "$WORK/as" | grep -q '%PDF-'
ok $? "the job's report ($rid) is in the archive and downloads"
# one job per request: a second POST for the same while it waits or runs
as sec security POST /v1/reports "{\"month\":\"$month\",\"format\":\"pdf\"}" > /dev/null
j1=$(jq -r .job.id "$WORK/as")
as sec security POST /v1/reports "{\"month\":\"$month\",\"format\":\"xlsx\"}" > /dev/null
j2=$(jq -r .job.id "$WORK/as")
code=$(as sec security POST /v1/reports "{\"month\":\"$month\",\"format\":\"xlsx\"}")
j3=$(jq -r .job.id "$WORK/as")
[ "$code" = 202 ] && [ "$j2" = "$j3" ] && [ "$j1" != "$j2" ]
ok $? "the same request while its job waits gets the same job ($j1, $j2, $j3)"
wait_job sec security "$j2" && [ "$(jq -r .job.state "$WORK/job")" = done ] &&
	[ "$(jq -r .job.persons "$WORK/job")" = true ]
ok $? "role security: the persons' version"
pid=$(jq -r .job.report "$WORK/job")
[ "$(sqlite3 "$WORK/db/zhulan.db" "SELECT count(*) FROM reports WHERE period = '$month' AND format = 'xlsx' AND persons = 1 AND scheduled = 0")" = 1 ]
ok $? "... made once"
[ "$(as dataoffice report GET /v1/reports/jobs/999999)" = 404 ]
ok $? "an unknown job is 404"
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
# a full disk: the job fails and says why; the archive is left as it was
mv "$WORK/db/reports" "$WORK/reports.kept" && mkdir "$WORK/db/reports" &&
	mount -t tmpfs -o size=16k,mode=0700 "zlrp-full" "$WORK/db/reports"
ok $? "the archive's directory on a 16 kB file system"
rows=$(sqlite3 "$WORK/db/zhulan.db" "SELECT count(*) || ':' || max(id) FROM reports")
start
ok $? "the daemon starts on it"
ctl report --month "$month" --output "$WORK/full.pdf" > /dev/null 2> "$WORK/full.err"
ok $([ $? = 1 ]; echo $?) "zhulanctl report fails"
grep -q 'No space left on device' "$WORK/full.err"
ok $? "... and says why ($(tail -1 "$WORK/full.err"))"
[ "$(sqlite3 "$WORK/db/zhulan.db" "SELECT count(*) || ':' || max(id) FROM reports")" = "$rows" ] &&
	[ -z "$(ls -A "$WORK/db/reports")" ] && [ ! -e "$WORK/full.pdf" ]
ok $? "no row, no file, not even a part of one"
curl -s --unix-socket "$WORK/run/control.sock" http://zhulan/v1/reports/jobs |
	jq -e '.jobs[0].state == "failed" and (.jobs[0].error | test("No space left"))' >/dev/null
ok $? "GET /v1/reports/jobs shows the failed job with its reason"
stop
umount "$WORK/db/reports" && rmdir "$WORK/db/reports" && mv "$WORK/reports.kept" "$WORK/db/reports"
ok $? "the archive's directory back"
! grep -q 'Sanitizer' "$WORK/daemon.log"
ok $? "no sanitizer report in the daemon's log"
done_testing
