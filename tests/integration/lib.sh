# lib.sh - TAP helpers for the integration tests (sourced).
# The harness runs tests from the build directory with ZHULAN, ZHULAN_DATADIR,
# PYTHON3, NDPIREADER, top_srcdir and top_builddir set (Makefile.am).
set -u
: "${PYTHON3:=/usr/bin/python3}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
ZLGEN="$PYTHON3 $top_srcdir/tests/gen/zlgen.py"
tap_n=0
tap_fail=0
ok() {   # ok COND-STATUS DESCRIPTION; returns COND-STATUS's truth
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $tap_n - $2"; else echo "not ok $tap_n - $2"; tap_fail=$((tap_fail + 1)); fi
	[ "$1" -eq 0 ]
}
lab_up() {   # lab_up PREFIX LOG: the lab, tried twice (namespaces are shared with
	     # parallel tests); on failure the log's tail and the end of the test
	local i
	for i in 1 2; do
		"$top_srcdir/packaging/lab" up --prefix "$1" > "$2" 2>&1 && { ok 0 "lab up"; return 0; }
		"$top_srcdir/packaging/lab" down --prefix "$1" >> "$2" 2>&1
		sleep 1
	done
	ok 1 "lab up"
	sed 's/^/# /' "$2" | tail -20
	done_testing
	exit 1
}
diag() { echo "# $*"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
done_testing() { echo "1..$tap_n"; [ "$tap_fail" -eq 0 ]; }
WORK=$(mktemp -d /tmp/zl-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
