#!/bin/bash
# tests/bench/accesslog.sh - the access-log benchmark of `make bench`: a
# database with the current schema holding a month of a county's access
# log (ACCESSLOG_ROWS, default 20 million rows over 30 days; fewer when
# /tmp is short of space), then the first page (100 rows, newest first)
# of typical searches through zl_store_access_query: median of 5 runs, in
# milliseconds, with the page cache warm from the generation. The
# database is removed afterwards (ACCESSLOG_KEEP=1 keeps it).
set -eu
B=${top_builddir:-.}
AB=$B/tests/bench/accessbench
rows=${ACCESSLOG_ROWS:-20000000}
[ -x "$AB" ] || make -C "$B" tests/bench/accessbench >/dev/null
# about 390 bytes a row with the indexes, and room for the index sorts
need_kb=$(( rows / 1000 * 500 ))
avail_kb=$(df -Pk /tmp | awk 'NR == 2 { print $4 }')
if [ "$avail_kb" -lt "$need_kb" ]; then
	rows=$(( avail_kb / 500 * 1000 ))
	echo "only $(( avail_kb / 1024 )) MiB free in /tmp: $rows rows instead"
fi
W=$(mktemp -d /tmp/zl-accesslog.XXXXXX)
[ "${ACCESSLOG_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
echo "generating $rows access-log rows over 30 days in $W ..."
s=$(date +%s)
SQLITE_TMPDIR=$W "$AB" gen "$W/access.db" "$rows"
e=$(date +%s)
echo "generated in $(( e - s )) s; database $(du -m "$W/access.db" | cut -f1) MiB" \
     "($(( $(stat -c %s "$W/access.db") / rows )) bytes a row with the indexes)"
"$AB" time "$W/access.db"
