#!/bin/bash
# damaged.sh - every file of a generated set of damaged captures is read by
# zhulan (built with AddressSanitizer and UBSan by tests/run) without a
# sanitizer report, crash or hang, with exit status 0, 1 or 2, and a
# one-line reason for status 2.
. "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/damaged"
$ZLGEN damaged "$WORK/damaged" >/dev/null || { echo "not ok 1 - generator failed"; echo "1..1"; exit 1; }
n=$(ls "$WORK/damaged" | wc -l)
ok $(( n < 30 )) "generator made $n damaged captures (>= 30)"
for f in "$WORK/damaged"/*; do
	name=$(basename "$f")
	timeout 60 "$ZHULAN" -q --read "$f" --flows-json "$WORK/out.json" 2>"$WORK/err"
	st=$?
	if grep -q "AddressSanitizer\|runtime error\|LeakSanitizer" "$WORK/err"; then
		ok 1 "$name: sanitizer report"; sed 's/^/# /' "$WORK/err" | head -30
		continue
	fi
	case $st in
	0|1) ok 0 "$name: read, exit $st" ;;
	2) [ "$(wc -l < "$WORK/err")" -eq 1 ] && grep -q "$name" "$WORK/err"
	   ok $? "$name: refused with one line naming it: $(cat "$WORK/err")" ;;
	124) ok 1 "$name: hung (killed after 60 s)" ;;
	*) ok 1 "$name: exit $st"; sed 's/^/# /' "$WORK/err" | head -20 ;;
	esac
	if [ "$st" -eq 1 ]; then
		grep -q "warning: .*$name" "$WORK/err"; ok $? "$name: exit 1 comes with a warning naming the file"
	fi
done
done_testing
