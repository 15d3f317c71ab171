#!/bin/bash
# manpages.sh - the manual pages (mdoc, man/) format without a warning from
# man --warnings, name their own section, and the policy page's examples
# are policies that zhulanctl policy check accepts.
. "$(dirname "$0")/lib.sh"
command -v man >/dev/null || skip_all "needs man (man-db)"
for m in zhulan.8 zhulanctl.8 zhulan-web.8 zhulan.conf.5 zhulan-policy.5; do
	f=$top_srcdir/man/$m
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
	[ -z "$w" ] && [ -s "$f" ]; ok $? "$m formats without warnings${w:+: $w}"
	grep -q "^\.Dt $(echo "${m%.*}" | tr a-z A-Z) ${m##*.}$" "$f"; ok $? "$m: .Dt names it"
done
# the examples of zhulan-policy(5) (the blocks marked as such) together
# form one policy that checks clean
mkdir -p "$WORK/p"
echo 203.0.113.9 > "$WORK/p/blocklist.txt"; echo 198.51.100.66 > "$WORK/p/botnet-cc.txt"
{ echo 'set education { 192.0.2.64/26 }'; echo 'set guests { 192.0.2.128/25 }'
  awk '/^\.\\" policy example/ { want = 1; next }
       /^\.Bd -literal/ { on = want; want = 0; next } /^\.Ed/ { on = 0; next }
       on { print }' "$top_srcdir/man/zhulan-policy.5"
} > "$WORK/p/policy.conf"
n=$(grep -c 'policy example' "$top_srcdir/man/zhulan-policy.5")
"$ZHULANCTL" policy check "$WORK/p/policy.conf" > "$WORK/out" 2>&1
ok $? "zhulan-policy(5)'s $n examples check clean: $(head -2 "$WORK/out" | tr '\n' ' ')" || sed 's/^/# /' "$WORK/p/policy.conf" | head -80
done_testing
