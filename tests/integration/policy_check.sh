#!/bin/bash
# policy_check.sh - `zhulanctl policy check FILE` needs neither the daemon
# nor root: the issue's example policy passes with a summary; typos in
# application and category names get nDPI's and the pack's nearest name.
. "$(dirname "$0")/lib.sh"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
"$ZHULANCTL" -s "$WORK/none.sock" policy check "$top_srcdir/tests/policy/good-example.conf" > "$WORK/out" 2> "$WORK/err"
ok $? "the example policy checks clean (exit 0) without a daemon"
grep -q "2 zones, 3 sets (5 IPv4 + 3 IPv6 prefixes), 1 schedule, 2 filters with 7 rules, 6 behaviour rules" "$WORK/out"
ok $? "summary: $(cat "$WORK/out")"
cat > "$WORK/p.conf" <<'POL'
zone lan { interface lan0 }
set finance { 192.0.2.0/26 }
behaviour {
  block app Douyn, Kuaishou from $finance
  block category Gmae, Video from lan
  limit category Download-FileTransfer-FileSharing rate 2 mbit from lan
  allow app DingTalk, WeCom, TLS
}
POL
"$ZHULANCTL" policy check "$WORK/p.conf" > "$WORK/out" 2> "$WORK/err"; st=$?
ok $(( st != 1 )) "a policy with unknown names: exit 1"
grep -qx "$WORK/p.conf:4:13: error: unknown application \"Douyn\" (did you mean \"Douyin\"?)" "$WORK/err"
ok $? "unknown application, with the pack's nearest name"
grep -qx "$WORK/p.conf:5:18: error: unknown category \"Gmae\" (did you mean \"Game\"?)" "$WORK/err"
ok $? "unknown category, with nDPI's nearest name"
[ "$(grep -c error: "$WORK/err")" = 2 ]; ok $? "nothing else is an error (Download-FileTransfer-FileSharing, WeCom, TLS are known)"
# the ipv6 section: its sites and internal entries in the summary; a bad URL at FILE:LINE:COL
cat > "$WORK/v6.conf" <<'POL'
set servers { 2001:db8:10::/64 }
ipv6 { sites { "https://www.dazhu.gov.cn/", "https://jyj.dazhu.gov.cn/" }; internal $servers, 198.51.100.10 }
POL
"$ZHULANCTL" policy check "$WORK/v6.conf" > "$WORK/out" 2> "$WORK/err"
ok $? "a policy with an ipv6 section checks clean"
grep -qx "ipv6: 2 sites to check, 2 internal entries" "$WORK/out"; ok $? "summary: $(tail -1 "$WORK/out")"
sed -i 's|"https://jyj|"jyj|' "$WORK/v6.conf"
"$ZHULANCTL" policy check "$WORK/v6.conf" > "$WORK/out" 2> "$WORK/err"; st=$?
grep -qx "$WORK/v6.conf:2:45: error: \"jyj.dazhu.gov.cn/\" is not an http:// or https:// URL with a host" "$WORK/err"
ok $(( $? || st != 1 )) "a URL without a scheme: exit 1 and FILE:LINE:COL: $(head -1 "$WORK/err")"
"$ZHULANCTL" policy check "$WORK/missing.conf" 2> "$WORK/err"; st=$?
ok $(( st != 1 )) "a missing file: exit 1"
grep -q "missing.conf" "$WORK/err"; ok $? "a missing file is named: $(head -1 "$WORK/err")"
done_testing
