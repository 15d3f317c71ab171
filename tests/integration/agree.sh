#!/bin/bash
# agree.sh - zhulan --read agrees with nDPI's reference reader (Debian's
# ndpiReader) on a generated capture with real protocol bytes.
. "$(dirname "$0")/lib.sh"
[ -x "${NDPIREADER:-}" ] || skip_all "ndpiReader not installed (apt-get install libndpi-bin)"
$ZLGEN agree "$WORK/agree.pcap" >/dev/null || { echo "not ok 1 - generator failed"; echo 1..1; exit 1; }
exec $PYTHON3 "$top_srcdir/tests/integration/agree.py" "$WORK/agree.pcap"
