#!/usr/bin/python3
"""report_check.py DIR TOTALS.json DB FROM_US TO_US PREV_FROM_US [PERSONS_DIR]: every figure of
the report's CSV files (DIR, unzipped: one file per section) and its XLSX (DIR/r.xlsx) against the
generator's true totals and against independent SQL (sqlite3 shell); PERSONS_DIR: the persons'
version's CSV files, its persons' figures checked the same way. The IPv6 targets the report was
given: REPORT_TARGETS="TRAFFIC,PORTALS" (default 27,100, zhulan.conf's defaults). Prints TAP
lines without a plan."""
import calendar, csv, json, os, subprocess, sys, time

d, totals, db, frm, to, pfrm = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3], \
    int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
pdir = sys.argv[7] if len(sys.argv) > 7 else None
tgt_traffic, tgt_portals = map(int, os.environ.get("REPORT_TARGETS", "27,100").split(","))
n = 0
fails = 0


def ok(cond, what):
    global n, fails
    n += 1
    print(("ok %d - " if cond else "not ok %d - ") % n + what)
    if not cond:
        fails += 1


# each section is one file (01-summary.csv ... 08-signature.csv): its title,
# then each table under a row with its title, its columns, its rows, a blank row
SECTIONS = {"01": "summary", "02": "traffic", "03": "behaviour", "04": "incidents",
            "05": "ipv6", "06": "policy", "07": "health", "08": "signature"}
TITLES = {"summary_traffic": "流量总计（与上期比较）", "summary_ipv6": "IPv6 流量占比（与上期比较）",
          "summary_counts": "主要指标（与上期比较）", "by_department": "各部门流量",
          "by_category": "各类别流量", "by_app": "应用流量前 20 名", "by_day": "每日流量",
          "busiest_hours": "流量最高的 10 个小时",
          "blocked_rules": "按规则统计的阻断次数（前 50 条）",
          "blocked_departments": "按部门统计的阻断次数",
          "blocked_apps": "按应用统计的阻断次数（前 20 名）",
          "limited": "限速的连接（按部门和应用，前 50 项）",
          "ent_departments": "工作时间娱乐类流量部门排名", "policy": "策略版本",
          "compliance": "日志留存合规检查", "ipv6_sites": "网站 IPv6 支持度（按国家监测指标）",
          "ipv6_todo": "待改造服务清单（经 IPv4 访问的外部服务）",
          "ipv6_departments": "IPv6 流量占比（全县及各部门）",
          "ipv6_sites_target": "网站 IPv6 支持率与国家目标",
          "blocked_persons": "阻断次数最多的人员（前 20 名）",
          "ent_persons": "工作时间娱乐类流量人员排名"}


def section(num, where=None):
    with open("%s/%s-%s.csv" % (where or d, num, SECTIONS[num]), encoding="utf-8-sig",
              newline="") as f:
        return list(csv.reader(f))


def table(name, where=None):
    """'02-by_department': the table titled so in section 02's file: (columns, rows)."""
    num, tid = name.split("-", 1)
    rows = section(num, where)
    i = rows.index([TITLES[tid]])
    end = rows.index([], i)
    return rows[i + 1], rows[i + 2:end]


def name(s):
    """A cell's text: the ' that makes a formula-like text inert taken off."""
    return s[1:] if s[:1] == "'" and s[1:2] in "=+-@" else s


def sql(q):
    return subprocess.run(["sqlite3", db, q], capture_output=True, text=True,
                          check=True).stdout.strip()


T, P = totals, totals["prev"]
import os
ok(sorted(f for f in os.listdir(d) if f.endswith(".csv")) ==
   ["%s-%s.csv" % kv for kv in sorted(SECTIONS.items())],
   "one CSV file per section, 01-summary.csv to 08-signature.csv")
ok(all(open("%s/%s-%s.csv" % (d, k, v), "rb").read(3) == b"\xef\xbb\xbf"
       for k, v in SECTIONS.items()), "each file is UTF-8 with a BOM")
_, rows = table("01-summary_traffic")
ok([r[1:3] for r in rows] == [[str(T["down"]), str(P["down"])], [str(T["up"]), str(P["up"])],
                              [str(T["up"] + T["down"]), str(P["up"] + P["down"])]],
   "summary: traffic in, out and total, this month and the month before, equal the generator's")
fs, ts = frm // 1000000, (to + 999999) // 1000000
ok(sql("SELECT sum(bytes_up) + sum(bytes_down) FROM agg5m WHERE bucket >= %d AND bucket < %d"
       % (fs, ts)) == str(T["up"] + T["down"]), "summary: the total equals SQL over agg5m")
_, rows = table("01-summary_counts")
by = {r[0]: r for r in rows}
for key, label in (("block", "阻断访问次数"), ("audit", "审计访问次数"), ("limit", "限速连接数")):
    ok(by[label][1] == str(T[key]) and by[label][2] == str(P[key]),
       "summary: %s this month and before equal the generator's" % key)
    ok(abs(float(by[label][3]) - (T[key] - P[key]) * 100.0 / P[key]) < 0.0001,
       "summary: %s's change is (this - before) / before in percent" % key)
    ok(by[label][1] == sql("SELECT count(*) FROM access_log WHERE action = '%s' AND ts >= %d "
                           "AND ts < %d" % (key, frm, to)), "summary: %s equals SQL" % key)
share = T["v6"] * 100.0 / (T["up"] + T["down"])
pshare = P["v6"] * 100.0 / (P["up"] + P["down"])
cols, rows = table("01-summary_ipv6")
ok(abs(float(rows[0][1]) - share) < 0.0001 and abs(float(rows[0][2]) - pshare) < 0.0001,
   "summary: the IPv6 share, this month and before")
ok(cols[3] == "变化（百分点）" and abs(float(rows[0][3]) - (share - pshare)) < 0.0001,
   "summary: the IPv6 share's change in percentage points (%.4f - %.4f), not a ratio"
   % (share, pshare))
ok(by["策略变更次数"][1] == sql("SELECT count(*) FROM policy_versions WHERE ts >= %d AND ts < %d"
                            % (frm, to)) == "2", "summary: policy changes")

_, rows = table("02-by_department")
got = {r[0]: (int(r[1]), int(r[2])) for r in rows}
want = {k: (v["down"], v["up"]) for k, v in T["departments"].items()}
ok(got == want, "traffic by department equals the generator's")
_, rows = table("02-by_category")
ok({r[0]: (int(r[1]), int(r[2])) for r in rows} ==
   {k: (v["down"], v["up"]) for k, v in T["categories"].items()}, "traffic by category")
_, rows = table("02-by_app")
ok({name(r[0]): (int(r[2]), int(r[3]), int(r[5])) for r in rows} ==
   {k: (v["down"], v["up"], v["flows"]) for k, v in T["apps"].items()},
   "traffic by application, flows too (and a formula-like name kept as text)")
ok(any(r[0].startswith("'=") for r in rows), "a formula-like application name is made inert")
_, rows = table("02-by_day")
ok({r[0]: (int(r[1]), int(r[2])) for r in rows} ==
   {k: (v["down"], v["up"]) for k, v in T["days"].items()}, "traffic per local day")
_, rows = table("02-busiest_hours")
ok(len(rows) == 10 and all(int(rows[i][1]) >= int(rows[i + 1][1]) for i in range(9)),
   "ten busiest hours, largest first")

# the same figures from the raw tables with local-time boundaries (TZ), not the rollups
y = time.localtime(frm // 10**6).tm_year


def day_sql(label):
    mo, dd = map(int, label.split("-"))
    a = int(time.mktime((y, mo, dd, 0, 0, 0, 0, 0, -1)))
    b = int(time.mktime((y, mo, dd + 1, 0, 0, 0, 0, 0, -1)))
    return sql("SELECT coalesce(sum(bytes_down), 0) || ' ' || coalesce(sum(bytes_up), 0) FROM agg5m "
               "WHERE bucket >= %d AND bucket < %d" % (a, b))


_, rows = table("02-by_day")
ok(rows and all(day_sql(r[0]) == "%s %s" % (r[1], r[2]) for r in rows),
   "traffic per local day (TZ=%s) equals SQL over agg5m between local midnights"
   % os.environ.get("TZ", ""))
_, rows = table("02-busiest_hours")
gmtoff = time.localtime(fs).tm_gmtoff   # local hours (a zone without summer time)
hours = [r.split("|") for r in sql(
    "SELECT (bucket + %d) / 3600 * 3600 - %d, sum(bytes_up + bytes_down) AS b FROM agg5m "
    "WHERE bucket >= %d AND bucket < %d GROUP BY 1 ORDER BY b DESC LIMIT 10"
    % (gmtoff, gmtoff, fs, ts)).split("\n")]
ok([[time.strftime("%Y-%m-%d %H:00", time.localtime(int(h))), b] for h, b in hours] == rows,
   "the ten busiest local hours equal SQL over agg5m")
_, rows = table("02-by_department")
want_sql = {r.split("|")[0]: (int(r.split("|")[1]), int(r.split("|")[2])) for r in sql(
    "SELECT h.d, sum(bytes_down), sum(bytes_up) FROM agg5m JOIN (SELECT address, max(department) "
    "AS d FROM hosts WHERE address != '' GROUP BY address) h ON h.address = agg5m.host "
    "WHERE h.d != '' AND bucket >= %d AND bucket < %d GROUP BY 1" % (fs, ts)).split("\n")}
ok({r[0]: (int(r[1]), int(r[2])) for r in rows if r[0] in want_sql} == want_sql,
   "traffic by department equals SQL over agg5m and the address book")
_, rows = table("03-blocked_departments")
ok({r[0]: int(r[1]) for r in rows} == {(k or "—"): int(v) for k, v in (r.split("|") for r in sql(
    "SELECT department, count(*) FROM access_log WHERE action = 'block' AND ts >= %d AND ts < %d "
    "GROUP BY 1" % (frm, to)).split("\n"))}, "blocked attempts by department equal SQL over access_log")

for f, key, col in (("03-blocked_rules", "blocked_rules", 0), ("03-blocked_departments",
                    "blocked_departments", 0), ("03-blocked_apps", "blocked_apps", 0)):
    _, rows = table(f)
    ok({name(r[0]): int(r[1]) for r in rows} == {k: v["n"] for k, v in T[key].items()},
       "blocked attempts: %s" % key)
_, rows = table("03-ent_departments")
ok({r[1]: int(r[2]) for r in rows} == {k: v["bytes"] for k, v in T["entertainment"].items()},
   "entertainment in working hours by department (Mon-Fri 08:30-12:00, 14:00-17:30)")
_, rows = table("03-limited")
ok(sum(int(r[2]) for r in rows) == T["limit"], "limited flows")
_, rows = table("05-ipv6_sites")
ok({r[0]: (int(r[1]), int(r[2]), r[4]) for r in rows} ==
   {u: (v["days"], v["ready_days"], "达标" if v["ready"] else "未达标")
    for u, v in T["sites"].items()},
   "site readiness: the month's sites, days checked and ready, the last verdict")
ok([r[5] for r in rows if r[0] == "https://jyj.example.gov.cn/"] == ["三级链接、性能劣化比"],
   "site readiness: the criteria the last check failed, by name")


def local_day(us):   # the local date of a time as days since 1970-01-01 (localday.h)
    t = time.localtime(us // 10**6)
    return calendar.timegm((t.tm_year, t.tm_mon, t.tm_mday, 0, 0, 0)) // 86400


fd, td = local_day(frm), local_day(to - 1)
wsvc = sql("SELECT group_concat(name || ':' || b4 || ':' || b6, ' ') FROM (SELECT name,"
           " sum(v4_bytes) AS b4, sum(v6_bytes) AS b6 FROM ipv6_svc_day WHERE day BETWEEN %d AND %d"
           " GROUP BY name HAVING sum(v4_bytes) > 0 AND NOT max(internal) ORDER BY name)"
           % (fd, td)).split()
_, rows = table("05-ipv6_todo")
ok(sorted("%s:%s:%s" % (r[0], r[3], r[4]) for r in rows) == wsvc and len(wsvc) == 2,
   "the service to-do list: each service reached over IPv4 with its bytes, as SQL has them")
why = {r[0]: r[2] for r in rows}
ok(why.get("www.baidu.example", "").startswith("无 AAAA") and
   why.get("www.taobao.example", "").startswith("有 AAAA"), "the to-do list says why")

# section 5: the county's and each department's IPv6 share against the national target
def met(v6, total, target):
    return "达标" if v6 * 100 >= target * total else "未达标"


cols, rows = table("05-ipv6_departments")
ok(cols[4:] == ["目标（%）", "与目标差距（百分点）", "是否达标"],
   "IPv6 shares: the target, the gap and the verdict beside each share")
county = [r for r in rows if r[0] == "全县"]
tot = T["up"] + T["down"]
ok(len(county) == 1 and int(county[0][1]) == T["v6"] and int(county[0][2]) == tot and
   abs(float(county[0][3]) - share) < 0.0001 and int(county[0][4]) == tgt_traffic and
   abs(float(county[0][5]) - (share - tgt_traffic)) < 0.0001 and
   county[0][6] == met(T["v6"], tot, tgt_traffic),
   "IPv6 share: the county's %.4f%% against the target %d%% (gap and verdict)" % (share, tgt_traffic))
want6 = {k: (v.get("v6", 0), v["up"] + v["down"]) for k, v in T["departments"].items()}
got = {r[0]: r for r in rows if r[0] != "全县"}
ok(set(got) == set(want6) and all(
    int(got[k][1]) == v6 and int(got[k][2]) == t and abs(float(got[k][3]) - v6 * 100.0 / t) < 0.0001
    and int(got[k][4]) == tgt_traffic and abs(float(got[k][5]) - (v6 * 100.0 / t - tgt_traffic)) < 0.0001
    and got[k][6] == met(v6, t, tgt_traffic) for k, (v6, t) in want6.items()),
   "IPv6 share by department against the target equals the generator's")
ok(any(r[6] == "达标" for r in got.values()) and any(r[6] == "未达标" for r in got.values()),
   "IPv6 share by department: the target is met by some departments and not by others")
sql_dept = {r.split("|")[0]: tuple(map(int, r.split("|")[1:])) for r in sql(
    "SELECT h.d, sum(CASE WHEN instr(host, ':') THEN bytes_up + bytes_down ELSE 0 END), "
    "sum(bytes_up + bytes_down) FROM agg5m JOIN (SELECT address, max(department) AS d FROM hosts "
    "WHERE address != '' GROUP BY address) h ON h.address = agg5m.host WHERE h.d != '' AND "
    "bucket >= %d AND bucket < %d GROUP BY 1" % (fs, ts)).split("\n")}
ok(all(k in got and (int(got[k][1]), int(got[k][2])) == v for k, v in sql_dept.items()),
   "IPv6 share by department equals SQL over agg5m and the address book")
cols, rows = table("05-ipv6_sites_target")
nsites = len(T["sites"])
nready = sum(1 for v in T["sites"].values() if v["ready"])
rshare = nready * 100.0 / nsites
ok(len(rows) == 1 and rows[0][:2] == [str(nsites), str(nready)] and
   abs(float(rows[0][2]) - rshare) < 0.0001 and int(rows[0][3]) == tgt_portals and
   abs(float(rows[0][4]) - (rshare - tgt_portals)) < 0.0001 and
   rows[0][5] == met(nready, nsites, tgt_portals),
   "sites: %d of %d ready (%.1f%%) against the portals target %d%%" % (nready, nsites, rshare,
                                                                      tgt_portals))

_, rows = table("06-policy")
ok(len(rows) == 2 and rows[1][5] == "1" and rows[1][6] == "1",
   "policy versions with their diff (one line changed: +1 -1)")
_, rows = table("07-compliance")
ok(len(rows) == 2, "two retention checks")

# the workbook holds the same numbers
try:
    import openpyxl
    wb = openpyxl.load_workbook("%s/r.xlsx" % d)
    ws = wb[wb.sheetnames[0]]
    vals = {}
    for row in ws.iter_rows(values_only=True):
        if row and isinstance(row[0], str) and len(row) > 1:
            vals.setdefault(row[0], row)
    ok(vals.get("阻断访问次数", [None, None])[1] == T["block"] and
       vals.get("总流量", [None, None])[1] == T["up"] + T["down"],
       "XLSX: the summary's numbers are numbers and equal the generator's")
    ws = wb[wb.sheetnames[1]]
    got = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0] in want}
    ok(got == {k: v[0] for k, v in want.items()}, "XLSX: traffic by department")
    ws = wb[wb.sheetnames[4]]
    cells = [r for r in ws.iter_rows(values_only=True) if r and r[0]]
    ok(sorted("%s:%s:%s" % (r[0], r[3], r[4]) for r in cells if str(r[0]).startswith("www.")) == wsvc
       and any(r[0] == "https://jyj.example.gov.cn/" and r[1] == 2 for r in cells),
       "XLSX: the site readiness and the to-do list, numbers as numbers")
    ws = wb[wb.sheetnames[4]]
    cells = [r for r in ws.iter_rows(values_only=True) if r and r[0] == "全县"]
    ok(len(cells) == 1 and cells[0][4] == tgt_traffic and isinstance(cells[0][5], float) and
       abs(cells[0][5] - (share - tgt_traffic)) < 0.0001 and cells[0][6] == met(T["v6"], tot, tgt_traffic),
       "XLSX: the county's IPv6 share against the target, numbers as numbers")
except ImportError:
    ok(False, "python3-openpyxl is installed")

if pdir:
    # the persons' version: blocked attempts and entertainment in working hours by person
    _, rows = table("03-blocked_persons", pdir)
    want = sorted(((o, dd, n) for o, v in T["blocked_persons"].items() for dd, n in v.items()),
                  key=lambda x: (-x[2], x[0], x[1]))[:20]
    ok([(r[0], r[1], int(r[2])) for r in rows] == want,
       "persons: blocked attempts by person and department equal the generator's (%d)" % len(want))
    ok("\n".join("|".join(r) for r in rows) == sql(
        "SELECT owner, department, count(*) AS n FROM access_log WHERE action = 'block' AND "
        "ts >= %d AND ts < %d AND owner != '' GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 20"
        % (frm, to)), "persons: blocked attempts by person equal SQL over access_log")
    _, rows = table("03-ent_persons", pdir)
    W = T["persons_work"]
    ok({r[1]: (int(r[2]), int(r[3])) for r in rows} ==
       {k: (v["ent"], v["work"]) for k, v in W.items() if v["ent"]},
       "persons: entertainment and all traffic in working hours by person equal the generator's")
    # agg5m's rows, the person of their address in the book now, local working hours
    work = {}
    for line in sql("SELECT bucket, h.o, category, bytes_up + bytes_down FROM agg5m JOIN "
                    "(SELECT address, max(owner) AS o FROM hosts WHERE address != '' GROUP BY "
                    "address) h ON h.address = agg5m.host WHERE h.o != '' AND bucket >= %d AND "
                    "bucket < %d" % (fs, ts)).split("\n"):
        b, o, c, nb = line.split("|")
        tm = time.localtime(int(b))
        m = tm.tm_hour * 60 + tm.tm_min
        if tm.tm_wday < 5 and (510 <= m < 720 or 840 <= m < 1050):
            e = work.setdefault(o, [0, 0])
            e[1] += int(nb)
            if c in ("Video", "Streaming", "Game", "Music", "SocialNetwork", "Shopping"):
                e[0] += int(nb)
    ok({r[1]: (int(r[2]), int(r[3])) for r in rows} == {k: tuple(v) for k, v in work.items() if v[0]},
       "persons: entertainment in working hours by person equals SQL over agg5m and the book")
    ok([int(r[0]) for r in rows] == list(range(1, len(rows) + 1)) and
       all(int(rows[i][2]) >= int(rows[i + 1][2]) for i in range(len(rows) - 1)) and
       all(abs(float(r[4]) - int(r[2]) * 100.0 / int(r[3])) < 0.0001 for r in rows),
       "persons: ranked by entertainment, the share of working-hours traffic beside it")
sys.exit(1 if fails else 0)
