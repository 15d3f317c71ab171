#!/bin/bash
# tests/bench/report.sh - the monthly report's benchmark of `make bench`: a
# database with the current schema holding 30 days of a county: the access
# log of accessbench (REPORT_ACCESS_ROWS, default 20 million rows) and the
# agg5m rows tens of millions of flows fold into (REPORT_HOSTS hosts in 30
# departments, default 3000: in working hours 60% of them active in each
# 5-minute bucket with 3 of 200 applications, at night 6%; a person per
# host). Then the time to build and render the report of those 30 days in
# each format, and their sum beside the issue's target (under 10 s); the
# same for the persons' version (blocks and entertainment in working hours
# by person, for security). The rows are written
# straight into the tables, so the rollups the report reads are made from
# them afterwards (the time schema step 10 takes on such a database).
# Last, the capture path's puts (REPORT_CAPTURE_RATE flows a second, for
# 10 s) alone and while reports are built: drops and the longest put.
# The database is removed afterwards (REPORT_KEEP=1 keeps it;
# REPORT_DB=PATH uses a database made before).
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
if [ -n "${REPORT_DB:-}" ]; then
	cp "$REPORT_DB" "$W/r.db"
else
	echo "generating $rows access-log rows and $hosts hosts' traffic over 30 days in $W ..."
	SQLITE_TMPDIR=$W "$AB" gen "$W/r.db" "$rows" >/dev/null
	"$RG" bench "$W/r.db" 30 "$hosts"
fi
"$RG" rollup "$W/r.db"
echo "database $(du -m "$W/r.db" | cut -f1) MiB; rollup rows: $(sqlite3 "$W/r.db" \
	"SELECT (SELECT count(*) FROM roll_traffic) || ' traffic, ' || (SELECT count(*) FROM roll_apps) \
	|| ' applications, ' || (SELECT count(*) FROM roll_access) || ' access log, ' || \
	(SELECT count(*) FROM roll_hosts) || ' hosts'")"
from=$(( ($(date +%s) / 86400 - 30) * 86400 ))
ms=$(LSAN_OPTIONS=detect_leaks=0 "$RG" render "$W/r.db" all "$W/r" --from "${from}000000" \
	--to "$(( from + 30 * 86400 ))000000" 2>&1 >/dev/null | tee /dev/stderr |
	sed -n 's/.* in \([0-9]*\) ms$/\1/p' | awk '{ s += $1 } END { print s + 0 }')
awk -v ms="$ms" 'BEGIN { printf "full month, PDF + XLSX + CSV: %.2f s (target 10 s: %.2f of it)\n", \
	ms / 1000, ms / 10000 }'
ms=$(LSAN_OPTIONS=detect_leaks=0 "$RG" render "$W/r.db" all "$W/p" --persons --from "${from}000000" \
	--to "$(( from + 30 * 86400 ))000000" 2>&1 >/dev/null | tee /dev/stderr |
	sed -n 's/.* in \([0-9]*\) ms$/\1/p' | awk '{ s += $1 } END { print s + 0 }')
awk -v ms="$ms" 'BEGIN { printf "full month, persons\047 version, PDF + XLSX + CSV: %.2f s (target 10 s: " \
	"%.2f of it)\n", ms / 1000, ms / 10000 }'
LSAN_OPTIONS=detect_leaks=0 "$RG" capture "$W/r.db" 10 "${REPORT_CAPTURE_RATE:-5000}" \
	"${from}000000" "$(( from + 30 * 86400 ))000000"
