#!/bin/bash
# store.sh - the daemon's database on the namespace lab (issue #9): the
# file and its directory are the daemon user's alone; a block made while
# another process holds the database locked takes effect at once, status
# answers and capture goes on; the access log names the rule line that
# decided a flow even after a policy change; the dashboard's endpoints
# (top departments, behaviour); a flood of short flows loses no access-log
# row; a stop with many live flows stores every one of them.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
command -v nft >/dev/null || skip_all "nft not installed (apt-get install nftables)"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
ZHULANCTL=${ZHULANCTL:-$(dirname "$ZHULAN")/zhulanctl}
LAB="$top_srcdir/packaging/lab"
P=zlq$$
chmod 755 "$WORK"
cleanup() {
	[ -n "${DPID:-}" ] && kill -9 "$DPID" 2>/dev/null
	[ -n "${LPID:-}" ] && kill "$LPID" 2>/dev/null
	"$LAB" down --prefix $P >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
lab_up $P "$WORK/lab.log"
DB=$WORK/db/zhulan.db
api() { curl -s --unix-socket "$WORK/run/control.sock" "$@"; }
jget() { $PYTHON3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$@"; }

export LC_ALL=C
day=$(date +%a | tr A-Z a-z)
policy() { # policy FILE ORDER: the behaviour block's rules in ORDER (a: block
	   # first; b: the audit rules first), with line numbers that move
	local rules
	if [ "$2" = a ]; then
		rules='  block app Douyin from $finance
  audit domain "www.county.example"
  audit domain "*.audit.example"
  audit all from $education'
	else
		rules='  audit all from $education

  audit domain "*.audit.example"
  audit domain "www.county.example"
  block app Douyin from $finance'
	fi
	cat > "$1" <<POL
zone lan { interface lan0 }
zone wan { interface wan0 }
set finance   { 192.0.2.0/26 }
set education { 192.0.2.64/26 }
filter forward default drop {
  pass from lan to wan
}
behaviour {
$rules
}
POL
}
policy "$WORK/policy.conf" a
line_of() { echo "$(basename "$1"):$(grep -n "$2" "$1" | cut -d: -f1)"; }
conf() { # conf EXTRA-LINES
	cat > "$WORK/zhulan.conf" <<CONF
interfaces = lan0
database = $DB
control_socket = $WORK/run/control.sock
policy = $WORK/policy.conf
user = nobody
app_dir = $ZHULAN_DATADIR
flow_timeout_tcp_closed = 2
$1
CONF
}
conf ""

# ---- 2b: the file and its directory are the daemon user's alone.
# A directory left as an older version made it: 0750, the daemon's group.
mkdir -m 0750 "$WORK/db"; chown nobody:nogroup "$WORK/db"
start; ok $? "the daemon starts on the gateway"
grep -q "$WORK/db: was mode 750; now 0700" "$WORK/daemon.log"; ok $? "a group-readable database directory is closed, and the log says so"
[ "$(stat -c %a:%U "$WORK/db")" = 700:nobody ]; ok $? "the directory is 0700, the daemon user's ($(stat -c %a:%U "$WORK/db"))"
[ "$(stat -c %a "$DB")" = 600 ]; ok $? "the database is 0600 ($(stat -c %a "$DB"))"
[ "$(stat -c %a "$DB-wal"):$(stat -c %a "$DB-shm")" = 600:600 ]; ok $? "its -wal and -shm files too ($(stat -c %a "$DB-wal"):$(stat -c %a "$DB-shm"))"
gid=$(getent group nogroup | cut -d: -f3)
# a member of the daemon's group (the console's user is one), as it is
# given the control socket
setpriv --reuid 64123 --regid "$gid" --clear-groups cat "$DB" > /dev/null 2>&1; st=$?
ok $(( st == 0 )) "a member of the daemon's group cannot read the database (cat: $st)"
setpriv --reuid 64123 --regid "$gid" --clear-groups ls "$WORK/db" > /dev/null 2>&1; st=$?
ok $(( st == 0 )) "... nor list its directory (ls: $st)"
setpriv --reuid 64123 --regid "$gid" --clear-groups "$ZHULANCTL" -s "$WORK/run/control.sock" status > /dev/null 2>&1
ok $? "... while it still reaches the control socket"

cat > "$WORK/hosts.csv" <<'CSV'
address,name,owner,department
192.0.2.10,fin-pc-01,张三,财政局
192.0.2.74,edu-pc-01,李四,教育局
CSV
ctl hosts import "$WORK/hosts.csv" > /dev/null 2>&1; ok $? "the address book is imported"

# ---- 5: a block while another process holds the database locked.
packets() { ctl --json status | $PYTHON3 -c 'import json,sys; print(json.load(sys.stdin)["interfaces"][0]["packets"])'; }
mkfifo "$WORK/lockin"
sqlite3 "$DB" < "$WORK/lockin" > "$WORK/lock.out" 2>&1 & LPID=$!
exec 7> "$WORK/lockin"
echo "BEGIN EXCLUSIVE; SELECT 'locked';" >&7
for _ in $(seq 50); do grep -q locked "$WORK/lock.out" && break; sleep 0.1; done
grep -q locked "$WORK/lock.out"; ok $? "another process holds the database's write lock"
p0=$(packets)
t0=$(date +%s%N)
inns fin1 curl -sk -4 --connect-timeout 3 -m 5 -o /dev/null --resolve www.douyin.com:443:198.51.100.11 https://www.douyin.com/; st=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok $(( st == 0 )) "fin1's Douyin is blocked while the database is locked (curl $st)"
ok $(( ms > 1000 )) "... at once, by resets ($ms ms)"
ip netns exec $P-gw nft list set inet zhulan bh_pair_v4 | grep -q "192.0.2.10 . 198.51.100.11 . 443"
ok $? "... and the pair is in the kernel's set"
worst=0
for _ in 1 2 3 4 5; do
	t0=$(date +%s%N); ctl status > /dev/null; t=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ $t -gt $worst ] && worst=$t
	inns fin2 curl -s -m 2 -o /dev/null http://198.51.100.10/ ; sleep 0.2
done
ok $(( worst > 200 )) "status answers within 200 ms throughout (worst $worst ms)"
p1=$(packets)
ok $(( p1 <= p0 )) "capture goes on counting packets ($p0 -> $p1)"
echo "COMMIT;" >&7; exec 7>&-; wait $LPID; LPID=
for _ in $(seq 80); do
	n=$(sql "SELECT count(*) FROM bh_entries WHERE client = '192.0.2.10' AND server = '198.51.100.11' AND port = 443")
	[ "$n" = 1 ] && break; sleep 0.1
done
ok $(( n != 1 )) "once the lock is released the block is in bh_entries"

# ---- the rule line that decided a flow, across a policy change.
# a download that lasts 6 s (curl's -m)
inns edu1 curl -s -4 --limit-rate 50k -m 6 -o /dev/null --resolve www.county.example:80:198.51.100.12 \
	http://www.county.example/files/20MB.bin & CPID=$!
sleep 2
# B is a policy.conf too, its rules in another order
mkdir "$WORK/b"; policy "$WORK/b/policy.conf" b
la=$(line_of "$WORK/policy.conf" 'www.county.example'); lb=$(line_of "$WORK/b/policy.conf" 'www.county.example')
ctl policy apply "$WORK/b/policy.conf" > "$WORK/out" 2>&1; ok $? "policy B (rules reordered) applied while edu1's download runs"
wait $CPID
for _ in $(seq 60); do
	r=$(sql "SELECT rule FROM access_log WHERE client_ip = '192.0.2.74' AND domain = 'www.county.example'")
	[ -n "$r" ] && break; sleep 0.2
done
[ "$r" = "$la" ]; ok $? "the download's access-log row names policy A's line $la, not B's $lb (got \"$r\")"

# ---- the dashboard's endpoints.
api "http://zhulan/v1/top?what=departments&from=-1h" > "$WORK/top"
$PYTHON3 - "$WORK/top" <<'PY'; ok $? "GET /v1/top?what=departments: 财政局 and 教育局 by bytes, unregistered hosts as \"\""
import json, sys
j = json.load(open(sys.argv[1]))
names = {t["name"]: t for t in j["top"]}
sys.exit(0 if j["what"] == "departments" and names.get("财政局", {}).get("bytes", 0) > 0
         and names.get("教育局", {}).get("bytes", 0) > 0 and "" in names
         and [t["bytes"] for t in j["top"]] == sorted([t["bytes"] for t in j["top"]], reverse=True) else
         print("#", json.dumps(j, ensure_ascii=False)) or 1)
PY
console_account rita report 2>"$WORK/acct.err" && console_account sam security 2>>"$WORK/acct.err"; ok $? "console accounts rita (report) and sam (security)" || sed "s/^/# /" "$WORK/acct.err"
code=$(api -o /dev/null -w '%{http_code}' -H 'X-Zhulan-User: rita' -H 'X-Zhulan-Role: report' "http://zhulan/v1/top?what=departments")
[ "$code" = 200 ]; ok $? "... open to the report role ($code)"
api -H 'X-Zhulan-User: sam' -H 'X-Zhulan-Role: security' "http://zhulan/v1/top?what=hosts&from=-1h" > "$WORK/toph"
$PYTHON3 - "$WORK/toph" <<'PY'; ok $? "GET /v1/top?what=hosts (security): each address with the address book's host, person and department; fin2's unregistered"
import json, sys
j = json.load(open(sys.argv[1]))
rows = {t["name"]: t for t in j["top"]}
want = {"192.0.2.10": ("fin-pc-01", "张三", "财政局"), "192.0.2.74": ("edu-pc-01", "李四", "教育局")}
ok = all(a in rows and rows[a]["registered"] is True and rows[a]["bytes"] > 0
         and (rows[a].get("host_name"), rows[a].get("owner"), rows[a].get("department")) == w
         for a, w in want.items())
others = [t for a, t in rows.items() if a not in want]
ok = ok and others and all(t["registered"] is False and "owner" not in t for t in others)
if not ok: print("#", json.dumps(j, ensure_ascii=False)[:600])
sys.exit(0 if ok else 1)
PY
sql "SELECT who FROM audit WHERE action = 'top hosts read'" | grep -q "^sam via"; ok $? "... and the read is in the audit table"
api -H 'X-Zhulan-User: rita' -H 'X-Zhulan-Role: report' -w '\n%{http_code}' "http://zhulan/v1/top?what=hosts&from=-1h" > "$WORK/toph"
[ "$(tail -1 "$WORK/toph")" = 403 ] && ! grep -q "张三" "$WORK/toph"; ok $? "... refused to the report role, no person in the answer ($(tail -1 "$WORK/toph"))"
api -H 'X-Zhulan-User: sam' -H 'X-Zhulan-Role: security' http://zhulan/v1/behaviour > "$WORK/bh"
lblock=$(line_of "$WORK/b/policy.conf" 'block app Douyin')
$PYTHON3 - "$WORK/bh" "$lblock" "$(line_of "$WORK/policy.conf" 'block app Douyin')" <<'PY'; ok $? "GET /v1/behaviour: the rules in force, fin1's block and the hits per rule line"
import json, sys
j = json.load(open(sys.argv[1])); now_line, old_line = sys.argv[2], sys.argv[3]
rules = {r["line"]: r for r in j["rules"]}
r = rules.get(now_line, {})
ok = (r.get("action") == "block" and r.get("subject") == "$finance" and r.get("object") == "app Douyin"
      and len(j["rules"]) == 4
      and any(b["client"] == "192.0.2.10" and b["server"] == "198.51.100.11" and b["port"] == 443
              and b["rule"] == old_line and 0 < b["time_left_s"] <= 600 for b in j["blocks"])
      and j["hits"].get(old_line, 0) >= 1)
if not ok: print("#", json.dumps(j)[:600])
sys.exit(0 if ok else 1)
PY
sql "SELECT who FROM audit WHERE action = 'behaviour read'" | grep -q "^sam via"; ok $? "... and the read is in the audit table"
code=$(api -o /dev/null -w '%{http_code}' -H 'X-Zhulan-User: rita' -H 'X-Zhulan-Role: report' http://zhulan/v1/behaviour)
[ "$code" = 403 ]; ok $? "... not open to the report role ($code)"
ctl status | grep -q "dropped (0 access-log rows)"; ok $? "zhulanctl status shows the access-log rows dropped: $(ctl status | grep '^database')"
stop; ok $st "the daemon stops"

# ---- 4: a flood of short flows, through a small queue so that it overflows.
audited() { sql "SELECT count(*) FROM access_log WHERE domain LIKE '%.audit.example'"; }
conf "flow_timeout_udp = 1
store_queue = 4096"
start; ok $? "the daemon starts with a queue of 4096 records and 1 s UDP flows"
a0=$(audited)
out=$(inns fin1 $PYTHON3 "$top_srcdir/tests/integration/flood.py" 198.51.100.10 198.51.100.53 6000 50 audit.example 1500)
ok $? "within the rate: fin1 sends $out"
sleep 4
ctl --json status > "$WORK/st"
d=$(jget "$WORK/st" 'j["database"]["dropped"]'); ad=$(jget "$WORK/st" 'j["database"]["access_dropped"]')
ok $(( d != 0 || ad != 0 )) "... nothing dropped (dropped $d, access rows $ad)"
out=$(inns fin1 $PYTHON3 "$top_srcdir/tests/integration/flood.py" 198.51.100.10 198.51.100.53 40000 50 audit.example)
ok $? "a flood: fin1 sends $out as fast as it can"
sleep 5
ctl --json status > "$WORK/st"
d=$(jget "$WORK/st" 'j["database"]["dropped"]'); ad=$(jget "$WORK/st" 'j["database"]["access_dropped"]')
dec=$(api http://zhulan/v1/behaviour | $PYTHON3 -c 'import json,sys; print(json.load(sys.stdin)["hits"].get(sys.argv[1], 0))' "$(line_of "$WORK/b/policy.conf" 'audit.example')")
ok $(( d == 0 )) "the flood overflowed the flows' share of the queue ($d flows dropped)"
ok $(( ad != 0 )) "... and no access-log row was dropped ($ad)"
a1=$(audited)
ok $(( a1 - a0 != dec )) "every audited DNS query the daemon decided has its row: $((a1 - a0)) rows, $dec decisions"
stop

# ---- 4: a stop with many live flows stores every one.
conf "flow_timeout_udp = 300
store_queue = 4096"
f0=$(sql "SELECT count(*) FROM flows"); a0=$(audited)
start; ok $? "the daemon starts with 300 s UDP flows"
out=$(inns fin1 $PYTHON3 "$top_srcdir/tests/integration/flood.py" 198.51.100.10 198.51.100.53 30000 50 audit.example)
ok $? "fin1 opens $out"
sleep 2
ctl --json status > "$WORK/st"
created=$(jget "$WORK/st" 'sum(i["flows_created"] for i in j["interfaces"])')
live=$(jget "$WORK/st" 'j["flows_tracked"]')
dec=$(api http://zhulan/v1/behaviour | $PYTHON3 -c 'import json,sys; print(json.load(sys.stdin)["hits"].get(sys.argv[1], 0))' "$(line_of "$WORK/b/policy.conf" 'audit.example')")
stop; ok $st "SIGTERM with $live live flows: exit $st after $ms ms"
f1=$(sql "SELECT count(*) FROM flows"); a1=$(audited)
ok $(( f1 - f0 != created )) "every flow the daemon tracked is stored: $((f1 - f0)) rows, $created flows ($live live at the stop)"
ok $(( a1 - a0 != dec )) "every audited flow has its access-log row: $((a1 - a0)) rows, $dec decisions"
done_testing
