#!/bin/bash
# report.sh - the monthly report (daemon/reports/): a month generated
# through the store's write path with known totals (tests/tools/reportgen);
# every figure of the CSV against the totals and SQL, the XLSX read back with
# openpyxl, the PDF's text, fonts and pages (written to the build directory
# as PNG: tests/report-pages/), English, and a month with no data.
. "$(dirname "$0")/lib.sh"
B=${top_builddir:-.}
RG=$B/tests/tools/reportgen
W=$WORK
# cairo 1.16 keeps a few buffers of its PDF surface to the end
export LSAN_OPTIONS=suppressions=$top_srcdir/tests/lsan-report.supp:print_suppressions=0
month=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
# A month (FLOWS flows) in the time zone $TZ into DIR, rendered as XLSX and
# CSV (and the persons' version as CSV), every CSV figure checked; its local
# days and hours are $TZ's. TARGETS: the IPv6 targets zhulan.conf would give
# ("" for none: the defaults 27 % and 100 %).
month_checks() {
	local d=$1 n=$2 targets=$3 from to pfrom tg=()
	[ -n "$targets" ] && tg=(--ipv6-targets "$targets")
	mkdir -p "$d"
	"$RG" fill "$d/z.db" "$month" "$n" "$d/totals.json" 2>>"$W/fill.log"
	ok $? "a month ($month, TZ=$TZ) of $n flows and $((n / 5)) access-log rows through the store"
	# two policy versions (the store dates them now): moved into the month
	read -r from to pfrom < <($PYTHON3 -c "
import time,datetime
y,m=map(int,'$month'.split('-'))
f=time.mktime((y,m,1,0,0,0,0,0,-1)); t=time.mktime((y+(m==12),m%12+1,1,0,0,0,0,0,-1))
p=time.mktime((y-(m==1),(m-2)%12+1,1,0,0,0,0,0,-1))
print(int(f)*10**6,int(t)*10**6,int(p)*10**6)")
	sqlite3 "$d/z.db" "INSERT INTO policy_versions (ts, who, comment, text, confirmed) VALUES
 ($from + 86400000000, 'root', 'first', '{\"policy.conf\":\"a\nb\nc\n\"}', 1),
 ($from + 172800000000, 'alice', '教育局 work hours', '{\"policy.conf\":\"a\nB\nc\n\"}', 1)"
	for f in xlsx csv; do
		"$RG" render "$d/z.db" $f "$d/r.$f" --month "$month" "${tg[@]}" 2>>"$W/render.log"
		ok $? "rendered as $f (TZ=$TZ, IPv6 targets ${targets:-the defaults})"
	done
	"$RG" render "$d/z.db" csv "$d/p.csv" --month "$month" --persons "${tg[@]}" 2>>"$W/render.log"
	ok $? "the persons' version rendered as csv (TZ=$TZ)"
	mkdir "$d/csv" "$d/pcsv" && (cd "$d/csv" && unzip -q ../r.csv) && (cd "$d/pcsv" && unzip -q ../p.csv)
	ok $? "the CSV files unzip"
	cp "$d/r.xlsx" "$d/csv/r.xlsx"
	REPORT_TARGETS=${targets:-27,100} $PYTHON3 "$top_srcdir/tests/integration/report_check.py" \
		"$d/csv" "$d/totals.json" "$d/z.db" "$from" "$to" "$pfrom" "$d/pcsv" 2>"$d/check.err" |
		sed "s|^\(not \)\?ok [0-9]* - |&csv ($TZ): |" > "$d/check.tap"
	[ "${PIPESTATUS[0]}" = 0 ] || { ok 1 "report_check.py ran to its end (TZ=$TZ)"; sed 's/^/# /' "$d/check.err"; }
	[ "$(grep -c ok "$d/check.tap")" -ge 40 ]
	ok $? "every CSV figure was checked (TZ=$TZ)"
	while read -r line; do
		case "$line" in ok*) ok 0 "${line#ok * - }";; "not ok"*) ok 1 "${line#not ok * - }";; esac
	done < "$d/check.tap"
}
# China's zone (UTC+8: a local day starts at 16:00 UTC), then UTC
export TZ=Asia/Shanghai
month_checks "$W" 20000 30,50
"$RG" render "$W/z.db" pdf "$W/r.pdf" --month "$month" 2>>"$W/render.log"
ok $? "rendered as pdf"
TZ=UTC month_checks "$W/utc" 4000 ""
# a zone off the half hours (UTC+05:45): a local hour starts inside each
# half hour, so the traffic comes from agg5m; the persons' working hours
# (08:30 local is 02:45 UTC) from roll_hosts inside, agg5m at their ends
TZ=Asia/Kathmandu month_checks "$W/npt" 2000 ""
grep -q 'Sanitizer' "$W/render.log" "$W/fill.log" && { ok 1 "no sanitizer reports"; cat "$W/render.log"; }

pdftotext -layout "$W/r.pdf" "$W/r.txt"
for h in 一、概要 二、流量统计 三、上网行为管理 四、安全事件 五、IPv6\ 改造 六、策略变更 七、运行与合规 八、签署 '目 *录'; do
	grep -q "$h" "$W/r.txt"
	ok $? "the PDF has the heading $h"
done
grep -q '网站 IPv6 支持度' "$W/r.txt" && grep -q 'jyj.example.gov.cn' "$W/r.txt" &&
	grep -q '待改造服务清单' "$W/r.txt" && grep -q 'www.baidu.example' "$W/r.txt"
ok $? "the PDF's section 5 has the site readiness and the service to-do list"
grep -q '变化（百分点）' "$W/r.txt"
ok $? "the PDF gives the IPv6 share's change in percentage points"
tr -d '\n ' < "$W/r.txt" | grep -q '国家目标：IPv6流量占比不低于27%' && grep -q '与目标差距' "$W/r.txt" &&
	grep -q '网站 IPv6 支持率与国家目标' "$W/r.txt"
ok $? "the PDF's section 5 gives the shares against the national targets (the defaults)"
"$RG" render "$W/z.db" pdf "$W/t.pdf" --month "$month" --ipv6-targets 30,50 2>>"$W/render.log" &&
	pdftotext "$W/t.pdf" - | tr -d '\n ' | grep -q '国家目标：IPv6流量占比不低于30%，门户网站IPv6支持率50%'
ok $? "... and the targets zhulan.conf gives"
fig() { $PYTHON3 -c "
import json; t=json.load(open('$W/totals.json'))
def b(v):
  u=['B','KB','MB','GB','TB']; i=0
  while v>=1000 and i<4: v/=1000; i+=1
  return ('%.2f %s' if i else '%.0f %s')%(v,u[i])
print($1)"; }
for e in "b(t['up']+t['down'])" "b(t['down'])" "'{:,}'.format(t['block'])" "'{:,}'.format(t['audit'])"; do
	v=$(fig "$e")
	grep -q -- "$v" "$W/r.txt"
	ok $? "the PDF's summary shows $v"
done
grep -Eq '第 ?1 ?页[ 　]*共 ?[0-9]+ ?页' "$W/r.txt"
ok $? "page numbers 第 N 页 共 M 页"
pdffonts "$W/r.pdf" | grep -q 'NotoSansCJK.* yes '
ok $? "the CJK font is embedded"
pdfinfo "$W/r.pdf" | grep -q '^Title: *网络安全与上网行为管理月度报告' && pdfinfo "$W/r.pdf" | grep -q '^Subject: *月度报告'
ok $? "PDF metadata: title and subject"
rm -rf "$B/tests/report-pages" && mkdir -p "$B/tests/report-pages"
pdftoppm -r 70 -png "$W/r.pdf" "$B/tests/report-pages/page"
ok $? "pages written to tests/report-pages/ ($(ls "$B/tests/report-pages" | wc -l) pages)"

"$RG" render "$W/z.db" pdf "$W/en.pdf" --month "$month" --lang en 2>>"$W/render.log" &&
	pdftotext "$W/en.pdf" - | grep -q '1. Summary' && pdftotext "$W/en.pdf" - | grep -q 'Page 1 of'
ok $? "English on request"
"$RG" render "$W/z.db" pdf "$W/p.pdf" --month "$month" --persons 2>>"$W/render.log" &&
	pdftotext "$W/p.pdf" - | grep -q '王伟' && ! grep -q '王伟' "$W/r.txt"
ok $? "persons only in the persons' version"
"$RG" render "$W/z.db" pdf "$W/empty.pdf" --month 2001-01 2>>"$W/render.log" &&
	pdftotext "$W/empty.pdf" - | grep -q '本期无流量和上网行为记录'
ok $? "a month with no data gives a report that says so"
"$RG" render "$W/z.db" csv "$W/empty.zip" --month 2001-01 2>>"$W/render.log"
ok $? "... in CSV too"
pdftotext "$W/empty.pdf" - | tr -d '\n' | grep -q '本期未检测网站 IPv6 支持度'
ok $? "a month with no site checks says so"
mkdir "$W/empty" && (cd "$W/empty" && unzip -q ../empty.zip) &&
	grep -q '本期未检测网站 IPv6 支持度' "$W/empty/05-ipv6.csv" &&
	grep -A2 '"各部门流量"' "$W/empty/02-traffic.csv" | grep -q '"本期无数据。"'
ok $? "... in the CSV too, and an empty table says it has no data"
done_testing
