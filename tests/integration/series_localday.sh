#!/bin/bash
# series_localday.sh - /v1/series by the gateway's local days, through a
# real daemon in Asia/Shanghai (UTC+8, where a UTC day runs 08:00 to
# 08:00): last month written through the store (tests/tools/reportgen,
# which also sums every flow by its local date), then the console's
# daily series of that month (reports.js asks for step=86400): one point
# per local date starting at local midnight, each with exactly that
# date's bytes, so the flows of 00:00-08:00 count on their own date, not
# the day before. The answer kept for the cache is the same from any
# start within a local day and not the one of a UTC day; the earliest
# flow of a date (before 08:00) is in that date's point; a step of more
# than a day that is not whole days is 400; an end one second past a
# bucket's start is another answer than an end on it (the cache key).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for a network namespace"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
command -v jq >/dev/null || skip_all "jq not installed"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
RG=${top_builddir:-.}/tests/tools/reportgen
P=zlsd$$
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	ip netns del "$P-gw" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
chmod 755 "$WORK"
ip netns add "$P-gw" && ip -n "$P-gw" link add d0 type veth peer name d1 &&
	ip -n "$P-gw" link set d0 up && ip -n "$P-gw" link set d1 up
ok $? "a namespace with a veth pair"
export TZ=Asia/Shanghai
export LSAN_OPTIONS=suppressions=$top_srcdir/tests/lsan-report.supp:print_suppressions=0
month=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
next=$(date -d "$month-01 +1 month" +%Y-%m)
ndays=$(( ($(date -d "$next-01" +%s) - $(date -d "$month-01" +%s) + 3600) / 86400 ))
mkdir -p "$WORK/db"
"$RG" fill "$WORK/db/zhulan.db" "$month" 3000 "$WORK/totals.json" 2>"$WORK/fill.log"
ok $? "last month ($month) in the store, summed by local date (TZ=$TZ)"
cat > "$WORK/zhulan.conf" <<CONF
interfaces = d0
database = $WORK/db/zhulan.db
control_socket = $WORK/run/control.sock
user = nobody
app_dir = $ZHULAN_DATADIR
CONF
start
ok $? "the daemon starts (TZ=$TZ)" || { done_testing; exit 1; }
is() { [ "$1" = "$2" ]; ok $? "$3" || diag "got \"${1:0:200}\", want \"${2:0:200}\""; }
api() { curl -s --unix-socket "$WORK/run/control.sock" "http://zhulan$1"; }
code() { curl -s -o /dev/null -w '%{http_code}' --unix-socket "$WORK/run/control.sock" "http://zhulan$1"; }

utc() { date -u -d "@$(date -d "$1" +%s)" +%Y-%m-%dT%H:%M:%SZ; }   # a local time in UTC
# the month as reports.js asks for it: local midnights, in UTC
from=$(utc "$month-01 00:00")
to=$(utc "$next-01 00:00")
api "/v1/series?from=$from&to=$to&step=86400" > "$WORK/days.json"
is "$(jq '.series | length' "$WORK/days.json")" "$ndays" "one point per local date of $month ($from to $to)"
is "$(jq -r '.series[0].t + " " + .series[0].day' "$WORK/days.json")" "$from $month-01" \
	"the first starts at local midnight of the 1st ($from)"
is "$(jq -r '[.series[] | .day] | unique | length' "$WORK/days.json")" "$ndays" "each names its own date"
bad=$(jq -r --slurpfile tot "$WORK/totals.json" '.series[] | . as $p | (($p.day // "none")[5:]) as $d |
	select(($tot[0].days[$d].up // 0) != $p.bytes_up or ($tot[0].days[$d].down // 0) != $p.bytes_down) |
	"\($p.day): \($p.bytes_up)/\($p.bytes_down) want \($tot[0].days[$d].up)/\($tot[0].days[$d].down)"' \
	"$WORK/days.json")
is "$bad" "" "every local date's bytes up and down are that date's flows'"
[ -z "$bad" ] || diag "$(echo "$bad" | head -3)"

# the month's earliest flow before 08:00 local (the UTC day before)
read -r early eday < <(sqlite3 "$WORK/db/zhulan.db" "SELECT last_us, date(last_us / 1000000, 'unixepoch', '+8 hours')
	FROM flows WHERE (last_us / 1000000 + 28800) % 86400 < 28800 AND
	last_us >= $(date -d "$month-02" +%s)000000 ORDER BY last_us LIMIT 1" | tr '|' ' ')
ok $([ -n "$early" ]; echo $?) "a flow at $(date -d "@$((early / 1000000))" +%H:%M) local on $eday"
is "$(api "/v1/series?from=$(date -u -d "@$((early / 1000000))" +%Y-%m-%dT%H:%M:%SZ)&to=$to&step=86400" |
	jq -r '.series[0].day + " " + (.series[0].flows > 0 | tostring)')" "$eday true" \
	"... is in the point of its local date $eday"

# the cache: any start within a local date, the same answer; a start at
# the UTC midnight (08:00 local) is within the local date too
noon=$(utc "$month-01 12:00")
utcmid=$(utc "$month-01 08:00")
is "$(api "/v1/series?from=$noon&to=$to&step=86400" | jq -c .)" "$(jq -c . "$WORK/days.json")" \
	"from noon of the 1st: the same days"
is "$(api "/v1/series?from=$utcmid&to=$to&step=86400" | jq -r '.series[0].t')" "$from" \
	"from 00:00 UTC (08:00 local): the local date's bucket"
is "$(api "/v1/series?from=$from&to=$to&step=172800" | jq -r '[.series[] | .t[10:]] | unique | join(",")')" \
	"T16:00:00Z" "2-day steps start at local midnight too"
# an end on a bucket's start leaves that bucket out, a second later takes it
# in: two answers, not one kept for both
b=$(sqlite3 "$WORK/db/zhulan.db" "SELECT bucket FROM agg5m WHERE bucket >= $(date -d "$month-02" +%s)
	ORDER BY bucket LIMIT 1")
is "$(api "/v1/series?from=$((b - 300))&to=$b&step=300" | jq '.series | length'):$(
	api "/v1/series?from=$((b - 300))&to=$((b + 1))&step=300" | jq '.series | length')" "1:2" \
	"to=$b leaves the bucket at $b out, to=$((b + 1)) takes it in (the cache keeps both)"
is "$(code "/v1/series?step=90000")" 400 "a step over a day that is not whole days: 400"
stop; ok $st "the daemon stops cleanly"
grep -q "runtime error\|AddressSanitizer\|LeakSanitizer" "$WORK/daemon.log"
ok $(( ! $? )) "no sanitizer report in the daemon's log"
done_testing
