#!/usr/bin/python3
"""report_check.py DIR TOTALS.json DB FROM_US TO_US PREV_FROM_US: every figure of the
report's CSV files (DIR, unzipped) and its XLSX (DIR/r.xlsx) against the generator's true
totals and against independent SQL (sqlite3 shell). Prints TAP lines without a plan."""
import csv, json, os, subprocess, sys, time

d, totals, db, frm, to, pfrm = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3], \
    int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
n = 0
fails = 0


def ok(cond, what):
    global n, fails
    n += 1
    print(("ok %d - " if cond else "not ok %d - ") % n + what)
    if not cond:
        fails += 1


def table(name):
    with open("%s/%s.csv" % (d, name), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def name(s):
    """A cell's text: the ' that makes a formula-like text inert taken off."""
    return s[1:] if s[:1] == "'" and s[1:2] in "=+-@" else s


def sql(q):
    return subprocess.run(["sqlite3", db, q], capture_output=True, text=True,
                          check=True).stdout.strip()


T, P = totals, totals["prev"]
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
    ok(by[label][1] == sql("SELECT count(*) FROM access_log WHERE action = '%s' AND ts >= %d "
                           "AND ts < %d" % (key, frm, to)), "summary: %s equals SQL" % key)
share = T["v6"] * 100.0 / (T["up"] + T["down"])
ok(abs(float(by["IPv6 流量占比（%）"][1]) - share) < 0.0001, "summary: the IPv6 share")
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
hours = [r.split("|") for r in sql(
    "SELECT bucket / 3600 * 3600, sum(bytes_up + bytes_down) AS b FROM agg5m WHERE bucket >= %d "
    "AND bucket < %d GROUP BY 1 ORDER BY b DESC LIMIT 10" % (fs, ts)).split("\n")]
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
except ImportError:
    ok(False, "python3-openpyxl is installed")
sys.exit(1 if fails else 0)
