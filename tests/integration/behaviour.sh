#!/bin/bash
# behaviour.sh - Internet-access behaviour management on the namespace lab,
# with real clients and the lab's 20 ms of Internet delay: the issue's
# behaviour block (schedules built around the current time, never a faked
# clock) holds for application, category and domain rules over IPv4 and
# IPv6; blocked TLS fails fast and never completes a handshake; DingTalk
# stays allowed; a retry is refused before it is classified; a policy
# change that lifts a block frees the client within a second; a restart
# puts the blocks back; the access log and the address book name people.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
command -v nft >/dev/null || skip_all "nft not installed (apt-get install nftables)"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zlb$$
chmod 755 "$WORK"
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	"$LAB" down --prefix $P >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
lab_up $P "$WORK/lab.log"
# Each service on an address of its own (the lab's web server answers on
# all of them), so that blocking one never blocks another by its address.
declare -A IP4=([www.douyin.com]=198.51.100.11 [im.dingtalk.com]=198.51.100.12 [www.zhihu.com]=198.51.100.14
		[www.bilibili.com]=198.51.100.13 [x.casino.example]=198.51.100.14
		[www.county.example]=198.51.100.10)
declare -A IP6=([www.douyin.com]=2001:db8:f::11 [im.dingtalk.com]=2001:db8:f::12
		[www.bilibili.com]=2001:db8:f::13 [x.casino.example]=2001:db8:f::14
		[www.county.example]=2001:db8:f::10)
https() { # https HOST NAME -4|-6 -> curl's status; $hs: TLS handshake done (1/0), $ms
	local h=$1 n=$2 fam=$3 ip t0 out
	if [ "$fam" = -6 ]; then ip="[${IP6[$n]}]"; else ip=${IP4[$n]}; fi
	t0=$(date +%s%N)
	out=$(inns "$h" curl -sk "$fam" --connect-timeout 3 -m 5 -o /dev/null -w '%{time_appconnect}' \
		--resolve "$n:443:$ip" "https://$n/"); local st=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	hs=$(awk -v t="$out" 'BEGIN { print (t > 0) ? 1 : 0 }')
	return $st
}

export LC_ALL=C
now=$(date +%H:%M); day=$(date +%a | tr A-Z a-z)
from=$(date -d "-1 hour" +%H:%M); to=$(date -d "+1 hour" +%H:%M)
[ "$from" \> "$now" ] && from=00:00
[ "$to" \< "$now" ] && to=24:00
cat > "$WORK/policy.conf" <<POL
zone lan { interface lan0 }
zone wan { interface wan0 }
set finance   { 192.0.2.0/26, 2001:db8:10::/64 }
set education { 192.0.2.64/26, 2001:db8:20::/64 }
schedule workhours { $day $from-$to }

filter forward default drop {
  pass from lan to wan
}
filter input default drop {
  pass proto { icmp, icmpv6 }
}

behaviour {
  block app Douyin, Kuaishou, Bilibili from \$finance during workhours
  block category Game, Video from lan during workhours
  limit category Download-FileTransfer-FileSharing rate 2 mbit from lan
  block domain "*.casino.example", "ads.example.com"
  allow app DingTalk, WeCom
  block app Zhihu from department "教育局"
  audit all
}
POL
cat > "$WORK/hosts.csv" <<'CSV'
address,name,owner,department
192.0.2.10,fin-pc-01,张三,县财政局国库集中支付中心暨非税收入征收管理与票据监督检查科室
2001:db8:10::10,fin-pc-01,张三,县财政局国库集中支付中心暨非税收入征收管理与票据监督检查科室
192.0.2.74,edu-pc-01,李四,教育局
192.0.2.75,edu-pc-02,王五,教育局
192.0.2.300,bad-pc,赵六,卫健局
52:54:00:12:34:56,edu-laptop-7,钱七,教育局
CSV
lab_conf

# Before the daemon everything answers, so each check below can fail.
for n in www.douyin.com www.bilibili.com x.casino.example; do
	https fin1 $n -4; ok $? "before any policy fin1 reaches $n"
done
"$ZHULANCTL" policy check "$WORK/policy.conf" > "$WORK/check" 2>&1
ok $? "the issue's behaviour block checks clean: $(tail -1 "$WORK/check")"

start; ok $? "the daemon starts on the gateway with the policy"
ctl hosts import "$WORK/hosts.csv" > "$WORK/imp" 2>&1; st=$?
ok $(( st != 1 )) "hosts import reports the bad row with exit 1"
grep -q '^hosts.csv: line 6: "192.0.2.300" is not an IPv4/IPv6 address or a MAC' "$WORK/imp"
ok $? "... by its line: $(head -1 "$WORK/imp")"
grep -q "^5 hosts imported, 1 rows refused" "$WORK/imp"; ok $? "... and keeps the good rows: $(tail -1 "$WORK/imp")"
ctl hosts list | grep -q "192.0.2.74 .*edu-pc-01 .*李四 .*教育局"; ok $? "hosts list names people and departments"
https edu1 www.zhihu.com -4; st=$?
ok $(( st == 0 )) "a rule on a department of the address book blocks edu1's Zhihu (curl $st)"
https fin1 www.zhihu.com -4; ok $? "... and not finance's"
https fin1 www.douyin.com -4; st=$?
ok $(( st == 0 )) "finance: HTTPS to Douyin fails during work hours (curl $st)"
ok $(( ms > 1000 )) "... fast, by a reset, not a timeout (${ms} ms)"
ok "$hs" "... without completing a TLS handshake"
https fin1 www.douyin.com -4; st=$?
ok $(( st != 7 )) "a retry is refused at once, before any classification (curl $st, ${ms} ms)"
https fin1 www.douyin.com -6; st=$?
ok $(( st == 0 )) "finance: Douyin over IPv6 fails too (curl $st, ${ms} ms)"
https fin1 im.dingtalk.com -4; ok $? "finance: DingTalk stays allowed"
https fin1 im.dingtalk.com -6; ok $? "finance: DingTalk over IPv6 too"
https edu1 www.bilibili.com -4; st=$?
ok $(( st == 0 )) "education: Bilibili fails under the category rule (curl $st)"
https edu1 www.county.example -4; ok $? "education: the county's own site passes"
https fin2 x.casino.example -4; st=$?
ok $(( st == 0 )) "a blocked domain fails over IPv4 (curl $st)"
https edu1 x.casino.example -6; st=$?
ok $(( st == 0 )) "a blocked domain fails over IPv6 (curl $st)"
ok "$hs" "... without a handshake"

# By name, through the lab's resolver: the query for a blocked name is
# recorded, never blocked (the name server answers every other name too).
inns hea2 curl -sk -m 5 -o /dev/null https://www.douyin.com/; st=$?
ok $(( st == 0 )) "health (lan, Video rule): Douyin by name fails (curl $st)"
inns hea2 getent ahostsv4 www.county.example > /dev/null; ok $? "... and hea2 still resolves names afterwards"
inns hea2 curl -s -m 5 -o /dev/null http://www.county.example/; ok $? "... and reaches the county's site by name"
ip netns exec $P-gw nft list set inet zhulan bh_pair_v4 > "$WORK/set4"
grep -q "192.0.2.10 . 198.51.100.11 . 443" "$WORK/set4"; ok $? "the kernel holds fin1 -> Douyin:443 in bh_pair_v4"
grep -q "192.0.2.10 . 198.51.100.12" "$WORK/set4"; ok $(( $? == 0 )) "... and nothing for DingTalk"
grep -q " . 198.51.100.53 . 53" "$WORK/set4"; ok $(( $? == 0 )) "... and never a name server"
ip netns exec $P-gw nft list set inet zhulan bh_pair_v6 | grep -q "2001:db8:20::74 . 2001:db8:f::14 . 443"
ok $? "and edu1 -> the casino over IPv6 in bh_pair_v6"
ctl --json status > "$WORK/st"
p99=$($PYTHON3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["behaviour"]["block_latency_us"]["p99"])' "$WORK/st")
# The figure itself is make bench's (tests/bench/behaviour.sh: p99 against
# the server's 20 ms answer); here a bound a loaded CI machine keeps but a
# block waiting on the store or on slow work (seconds) does not.
ok $(( ${p99:-99999999} > 200000 )) "from the classifying packet to the kernel set: p99 ${p99} us (under 200 ms; make bench measures it)"

# A download in the Download category, limited to 2 Mbit/s = 250,000 B/s.
speed=$(inns fin2 curl -s -m 16 -o /dev/null -w '%{speed_download}' \
	--resolve pan.baidu.com:80:198.51.100.12 http://pan.baidu.com/files/20MB.bin)
ok $(( speed < 225000 || speed > 275000 )) "a limit rule holds a download to 2 Mbit/s within 10% ($speed B/s)"
speed=$(inns fin2 curl -s -m 4 -o /dev/null -w '%{speed_download}' \
	--resolve www.county.example:80:198.51.100.12 http://www.county.example/files/20MB.bin)
ok $(( speed < 2500000 )) "... and only that flow: the county's file comes at $speed B/s"

# The access log, once the flows have ended (closed TCP flows: 2 s).
sleep 4
ctl --json access-log --host 192.0.2.10 --action block > "$WORK/al" 2>&1; ok $? "access-log answers"
$PYTHON3 - "$WORK/al" <<'PY'; ok $? "fin1's blocked Douyin is in the access log with app, rule, person and department"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
sys.exit(0 if any(r["app"] == "TLS.Douyin" and r["rule"] == "policy.conf:15" and r["owner"] == "张三"
                  and r["department"] == "县财政局国库集中支付中心暨非税收入征收管理与票据监督检查科室" and r["host_name"] == "fin-pc-01"
                  and r["server_ip"] == "198.51.100.11" and r["server_port"] == 443
                  and r["domain"] == "www.douyin.com" for r in rows) else 1)
PY
ctl --json access-log --department 教育局 > "$WORK/al" 2>&1
$PYTHON3 - "$WORK/al" <<'PY'; ok $? "education's audited county visit and blocked Bilibili and Zhihu, by department"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
have = {(r["action"], r["app"].split(".")[-1]) for r in rows}
ok = ("block", "Bilibili") in have and ("block", "Zhihu") in have and \
     any(r["action"] == "audit" and r["bytes_down"] > 1000 for r in rows)
sys.exit(0 if ok else 1)
PY
for _ in $(seq 30); do   # a download ends when its last packets have gone
	ctl --json access-log --action limit > "$WORK/al" 2>&1
	grep -q '"domain": "pan.baidu.com"' "$WORK/al" && break
	sleep 1
done
grep -q '"domain": "pan.baidu.com"' "$WORK/al"; ok $? "the limited download is in the access log as limit"
$PYTHON3 -c 'import json,sys; r=[x for x in json.load(open(sys.argv[1]))["rows"] if x["domain"]=="pan.baidu.com"][0]; sys.exit(0 if r["bytes_down"] > 3000000 and r["rule"] == "policy.conf:17" else 1)' "$WORK/al"
ok $? "... with the bytes it brought down and the limit rule's line"
ctl --json access-log --domain '*.casino.example' > "$WORK/al" 2>&1
n=$(grep -c '"action": "block"' "$WORK/al"); ok $(( n < 2 )) "both blocked casino visits (IPv4 and IPv6) are in it ($n)"
ctl --json access-log --host 192.0.2.10 --app DingTalk > "$WORK/al" 2>&1
grep -q '"app"' "$WORK/al"; ok $(( $? == 0 )) "allowed DingTalk is not logged (allow stops matching)"
sqlite3 "$WORK/db/zhulan.db" "SELECT who FROM audit WHERE action = 'access-log query'" | grep -q "root(uid 0)"
ok $? "every access-log query is in the audit table, with who asked"

# Restart: the blocks come back from the database.
stop
ip netns exec $P-gw nft flush set inet zhulan bh_pair_v4
start; ok $? "the daemon starts again"
ip netns exec $P-gw nft list set inet zhulan bh_pair_v4 | grep -q "192.0.2.10 . 198.51.100.11 . 443"
ok $? "the blocks are restored from the database"
https fin1 www.douyin.com -4; st=$?
ok $(( st != 7 )) "... and refuse fin1's Douyin at once (curl $st)"

# Lifting the block: a policy whose work hours are another day.
other=$(date -d "+1 day" +%a | tr A-Z a-z)
sed "s/^schedule workhours { .* }/schedule workhours { $other 00:00-24:00 }/" "$WORK/policy.conf" > "$WORK/lifted.conf"
ctl policy apply "$WORK/lifted.conf" > "$WORK/out" 2>&1; ok $? "apply the policy with work hours on $other: $(cat "$WORK/out")"
t0=$(date +%s%N)
https fin1 www.douyin.com -4; st=$?
t1=$(( ($(date +%s%N) - t0) / 1000000 ))
ok $st "outside work hours finance reaches Douyin again (its HTTPS done $t1 ms after the apply returned)"
ok $(( t1 > 1000 )) "... within a second"
https edu1 www.bilibili.com -4; ok $? "and education Bilibili"
https fin2 x.casino.example -4; st=$?
ok $(( st == 0 )) "the domain rule has no schedule: still blocked (curl $st)"
ip netns exec $P-gw nft list set inet zhulan bh_pair_v4 > "$WORK/set4"
grep -q "192.0.2.10 . 198.51.100.11" "$WORK/set4"; ok $(( $? == 0 )) "the lifted block left the kernel"
grep -q "192.0.2.11 . 198.51.100.14 . 443" "$WORK/set4"; ok $? "the domain block it still justifies stayed"

# A schedule that ends in a minute or two: the block it made is lifted
# when it ends, not when the 10-minute hold runs out.
ss=$(date +%S); add=$(( 10#$ss < 40 ? 1 : 2 ))
sfrom=$(date +%H:%M); sto=$(date -d "+$add min" +%H:%M)
[ "$sto" \< "$sfrom" ] && sto=24:00
sed "s/^schedule workhours { .* }/schedule workhours { $day $sfrom-$sto }/" "$WORK/policy.conf" > "$WORK/soon.conf"
ctl policy apply "$WORK/soon.conf" > /dev/null 2>&1; ok $? "a policy whose work hours end at $sto"
https edu2 www.bilibili.com -4; st=$?
ok $(( st == 0 )) "edu2's Bilibili is blocked until then (curl $st)"
end=$(date -d "$sto" +%s 2>/dev/null || date -d "tomorrow 00:00" +%s)
sleep $(( end - $(date +%s) + 7 ))
https edu2 www.bilibili.com -4; ok $? "once the work hours have ended, edu2 reaches Bilibili again"
ip netns exec $P-gw nft list set inet zhulan bh_pair_v4 | grep -q "192.0.2.75 . 198.51.100.13"
ok $(( $? == 0 )) "... the block left the kernel before its hold ran out"

stop
[ "$(ip netns exec $P-gw nft list tables)" = "table inet zhulan" ]; ok $? "only inet zhulan in the gateway"
done_testing
