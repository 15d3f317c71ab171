#!/bin/bash
# tests/bench/report.sh - the monthly report's benchmark of `make bench`: a
# database with the current schema holding 30 days of a county: the access
# log of accessbench (REPORT_ACCESS_ROWS, default 20 million rows) and the
# agg5m rows tens of millions of flows fold into (REPORT_HOSTS hosts in 30
# departments, default 3000: in working hours 60% of them active in each
# 5-minute bucket with 3 of 200 applications, at night 6%). Then the time
# to build and render the report of those 30 days in each format (the
# issue's target: under 10 s). The database is removed afterwards
# (REPORT_KEEP=1 keeps it).
set -eu
B=${top_builddir:-.}
AB=$B/tests/bench/accessbench
RG=$B/tests/tools/reportgen
rows=${REPORT_ACCESS_ROWS:-20000000}
hosts=${REPORT_HOSTS:-3000}
[ -x "$AB" ] || make -C "$B" tests/bench/accessbench >/dev/null
[ -x "$RG" ] || make -C "$B" tests/tools/reportgen >/dev/null
W=$(mktemp -d /tmp/zl-reportbench.XXXXXX)
[ "${REPORT_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
echo "generating $rows access-log rows and $hosts hosts' traffic over 30 days in $W ..."
SQLITE_TMPDIR=$W "$AB" gen "$W/r.db" "$rows" >/dev/null
"$RG" bench "$W/r.db" 30 "$hosts"
echo "database $(du -m "$W/r.db" | cut -f1) MiB"
from=$(( ($(date +%s) / 86400 - 30) * 86400 ))
for f in pdf xlsx csv; do
	LSAN_OPTIONS=detect_leaks=0 "$RG" render "$W/r.db" $f "$W/r.$f" \
		--from "${from}000000" --to "$(( from + 30 * 86400 ))000000"
done
