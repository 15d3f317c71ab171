/*
 * test_store_rollup.c - the reports' half-hourly rollups (schema step 10,
 * store_rollup.c): kept by the writer as it writes flows and access-log
 * rows, with the address book's departments of the time of writing;
 * back-filled by the migration from a database of step 9; purged by the
 * retention like their sources.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrbook.h"
#include "store_fixture.h"
#include "tap.h"

static void book(struct zl_store *s, const char *dept0, const char *dept1)
{
	struct zl_addrbook_rows rows = { 0 };
	struct zl_addrbook_row r;
	char err[256] = "";

	/* the fixture's hosts are 10.0.0.x: two of them in the book */
	if (zl_addrbook_row_set(&r, "10.0.0.1", "pc1", "王伟", dept0, err, sizeof(err)) == 0)
		zl_addrbook_rows_add(&rows, &r);
	if (zl_addrbook_row_set(&r, "10.0.0.2", "pc2", "李娜", dept1, err, sizeof(err)) == 0)
		zl_addrbook_rows_add(&rows, &r);
	ok(zl_store_hosts_replace(s, rows.v, rows.n, err, sizeof(err)) == 0, "the address book (%s)", err);
	zl_addrbook_rows_free(&rows);
}

static void access_row(struct zl_store *s, int i, int64_t ts)
{
	struct zl_access_record a = { 0 };

	a.ts = ts;
	snprintf(a.client_ip, sizeof(a.client_ip), "10.0.0.%d", 1 + i % 3);
	snprintf(a.department, sizeof(a.department), "%s", i % 3 ? "教育局" : "财政局");
	snprintf(a.app, sizeof(a.app), "%s", i % 2 ? "TLS.Douyin" : "TLS.WeChat");
	snprintf(a.action, sizeof(a.action), "%s", i % 4 == 0 ? "block" : i % 4 == 1 ? "limit" : "audit");
	snprintf(a.rule, sizeof(a.rule), "policy.conf:%d", 10 + i % 5);
	/* a person for two addresses of three (the third: none) */
	snprintf(a.owner, sizeof(a.owner), "%s", i % 3 == 2 ? "" : i % 3 ? "王伟" : "李娜");
	a.bytes_up = 100 + (uint64_t)i;
	a.bytes_down = 1000;
	while (zl_store_put_access(s, &a) == -ENOSPC)
		sleep_ms(1);
}

/* The rollup's sums equal the source tables' (the department of a flow
 * from the book), compared as one text. */
#define SAME(db, a, b, what) is_str(text(db, a, t1, sizeof(t1)), text(db, b, t2, sizeof(t2)), what)
static char t1[4096], t2[4096];

static const char *text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st;
	size_t n = 0;
	int k;

	buf[0] = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sqlite3_errmsg(db);
	while (sqlite3_step(st) == SQLITE_ROW)
		for (k = 0; k < sqlite3_column_count(st) && n + 1 < len; k++)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", sqlite3_column_text(st, k) ?
					      (const char *)sqlite3_column_text(st, k) : "null",
					      k + 1 < sqlite3_column_count(st) ? "|" : ";");
	sqlite3_finalize(st);
	return buf;
}

#define DEPT_OF "(SELECT address, max(department) AS d FROM hosts WHERE address != '' " \
	"GROUP BY address)"
#define TRAFFIC_SRC "SELECT bucket / 1800 * 1800, coalesce(h.d, ''), category, " \
	"instr(host, ':') > 0, sum(bytes_up), sum(bytes_down), sum(flows) FROM agg5m LEFT JOIN " \
	DEPT_OF " h ON h.address = agg5m.host GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
#define TRAFFIC_ROLL "SELECT slot, department, category, v6, bytes_up, bytes_down, flows " \
	"FROM roll_traffic ORDER BY 1, 2, 3, 4"
#define APPS_SRC "SELECT bucket / 1800 * 1800, app, sum(bytes_up), sum(bytes_down), sum(flows) " \
	"FROM agg5m GROUP BY 1, 2 ORDER BY 1, 2"
#define APPS_ROLL "SELECT slot, app, bytes_up, bytes_down, flows FROM roll_apps ORDER BY 1, 2"
#define ACC_SRC "SELECT ts / 1000000 / 1800 * 1800, action, count(*), sum(bytes_up + bytes_down) " \
	"FROM access_log GROUP BY 1, 2 ORDER BY 1, 2"
#define ACC_ROLL "SELECT slot, action, n, bytes FROM roll_access WHERE kind = 0 ORDER BY 1, 2"
#define RULE_SRC "SELECT rule, count(*) FROM access_log WHERE action = 'block' GROUP BY 1 ORDER BY 1"
#define RULE_ROLL "SELECT name, sum(n) FROM roll_access WHERE kind = 1 GROUP BY 1 ORDER BY 1"
#define LIMIT_SRC "SELECT department, app, count(*) FROM access_log WHERE action = 'limit' " \
	"GROUP BY 1, 2 ORDER BY 1, 2"
#define LIMIT_ROLL "SELECT name, name2, sum(n) FROM roll_access WHERE kind = 4 GROUP BY 1, 2 " \
	"ORDER BY 1, 2"
#define HOSTS_SRC "SELECT bucket / 1800 * 1800, host, category, sum(bytes_up), sum(bytes_down) " \
	"FROM agg5m GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
#define HOSTS_ROLL "SELECT slot, host, category, bytes_up, bytes_down FROM roll_hosts ORDER BY 1, 2, 3"
#define PERSON_SRC "SELECT ts / 1000000 / 1800 * 1800, owner, department, count(*) FROM access_log " \
	"WHERE action = 'block' AND owner != '' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
#define PERSON_ROLL "SELECT slot, name, name2, n FROM roll_access WHERE kind = 5 ORDER BY 1, 2, 3"

static void test_writer(void)
{
	const char *path = pathf("w.db");
	struct zl_flow_record r;
	struct zl_store *s = open_store(path, 0, 0, 20);
	int64_t t0 = (base_s - 3600) * US;
	sqlite3 *db;
	int i;

	if (!s) {
		ok(0, "writer: opens");
		return;
	}
	zl_store_start(s);
	book(s, "财政局", "教育局");
	for (i = 0; i < NFLOWS; i++) {
		flow(i, &r);
		while (zl_store_put_flow(s, &r) == -ENOSPC)
			sleep_ms(1);
	}
	for (i = 0; i < 500; i++)
		access_row(s, i, t0 + (int64_t)i * 7 * US);
	ok(settle(s, 20000) == 0, "writer: everything written");
	db = raw(path);
	ok(sql_int(db, "SELECT count(*) FROM roll_traffic") > 0, "writer: traffic rolled up");
	SAME(db, TRAFFIC_SRC, TRAFFIC_ROLL,
	     "writer: roll_traffic equals agg5m by half hour, department, category and family");
	SAME(db, APPS_SRC, APPS_ROLL, "writer: roll_apps equals agg5m by half hour and application");
	SAME(db, ACC_SRC, ACC_ROLL, "writer: roll_access equals access_log by half hour and action");
	SAME(db, RULE_SRC, RULE_ROLL, "writer: blocks by rule");
	SAME(db, LIMIT_SRC, LIMIT_ROLL, "writer: limits by department and application");
	SAME(db, HOSTS_SRC, HOSTS_ROLL, "writer: roll_hosts equals agg5m by half hour, host and category");
	SAME(db, PERSON_SRC, PERSON_ROLL, "writer: blocks by half hour, person and department");
	ok(sql_int(db, "SELECT count(*) FROM roll_access WHERE kind = 5") > 0 &&
	   sql_int(db, "SELECT count(*) FROM roll_access WHERE kind = 5 AND name = ''") == 0,
	   "writer: blocks by person hold persons only");
	sqlite3_close(db);

	/* the book changes: flows written from now on count for the new department */
	book(s, "卫健局", "教育局");
	flow(0, &r);    /* 10.0.0.1 */
	r.src2dst_bytes = 7;
	r.dst2src_bytes = 11;
	r.last_us = r.first_us = t0;
	zl_store_put_flow(s, &r);
	ok(settle(s, 20000) == 0, "writer: the flow after the change written");
	db = raw(path);
	is_int(sql_int(db, "SELECT bytes_up * 100 + bytes_down FROM roll_traffic WHERE department = "
		       "'卫健局'"), 711, "writer: a flow counts for its host's department when written");
	ok(sql_int(db, "SELECT count(*) FROM roll_traffic WHERE department = '财政局'") > 0,
	   "writer: the flows before the change keep theirs");
	sqlite3_close(db);
	zl_store_close(s);
}

static void test_backfill(void)
{
	const char *path = pathf("v9.db");
	long long b = (long long)base_s / 1800 * 1800;   /* a half hour's start */
	struct zl_store *s;
	sqlite3 *db = raw(path);
	char sql[2048];
	unsigned i;
	int rc = SQLITE_OK;

	for (i = 0; i < 9 && rc == SQLITE_OK; i++)
		rc = sqlite3_exec(db, zl_store_schema_step(i), NULL, NULL, NULL);
	is_int(rc, SQLITE_OK, "back-fill: a database of step 9");
	snprintf(sql, sizeof(sql), "PRAGMA user_version = 9;"
		 "INSERT INTO hosts (address, department, imported) VALUES ('10.0.0.1', '财政局', 0), "
		 "('10.0.0.1', '教育局', 0), ('2001:db8::1', '教育局', 0), ('', '卫健局', 0);"
		 "INSERT INTO agg5m VALUES (%lld, '10.0.0.1', 'TLS.WeChat', 'Chat', 1, 1, 10, 20, 2),"
		 " (%lld, '10.0.0.1', 'TLS.WeChat', 'Chat', 1, 1, 30, 40, 1),"
		 " (%lld, '2001:db8::1', 'TLS.Douyin', 'Video', 1, 1, 50, 60, 1),"
		 " (%lld, '10.9.9.9', 'TLS.Douyin', 'Video', 1, 1, 70, 80, 3);"
		 "INSERT INTO access_log (ts, client_ip, department, owner, app, action, rule, bytes_up, "
		 "bytes_down) VALUES (%lld, '10.0.0.1', '财政局', '王伟', 'TLS.Douyin', 'block', 'p:1', 1, 2),"
		 " (%lld, '10.0.0.1', '财政局', '王伟', 'TLS.Douyin', 'limit', 'p:2', 3, 4),"
		 " (%lld, '10.0.0.2', '', '', 'TLS.WeChat', 'block', '', 5, 6),"
		 " (%lld, '10.0.0.2', '', '', 'TLS.WeChat', 'audit', '', 5, 6)",
		 b, b + 300, b + 1800, b + 3600, b * US, (b + 1) * US, (b + 2) * US, (b + 2000) * US);
	is_int(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "back-fill: rows of step 9");
	sqlite3_close(db);
	s = open_store(path, 0, 0, 0);
	ok(s != NULL, "back-fill: opens and migrates");
	zl_store_close(s);
	db = raw(path);
	is_int(sql_int(db, "PRAGMA user_version"), zl_store_schema_version(), "back-fill: at the current version");
	is_str(text(db, TRAFFIC_ROLL, t1, sizeof(t1)), text(db, TRAFFIC_SRC, t2, sizeof(t2)),
	       "back-fill: roll_traffic from agg5m");
	ok(strstr(t1, "|财政局|Chat|0|40|60|3;") && strstr(t1, "|教育局|Video|1|50|60|1;") &&
	   strstr(t1, "||Video|0|70|80|3;"),
	   "back-fill: by the book's department (the greater of two), '' when it has none (%s)", t1);
	SAME(db, APPS_SRC, APPS_ROLL, "back-fill: roll_apps from agg5m");
	SAME(db, ACC_SRC, ACC_ROLL, "back-fill: roll_access from access_log");
	SAME(db, RULE_SRC, RULE_ROLL, "back-fill: blocks by rule");
	SAME(db, LIMIT_SRC, LIMIT_ROLL, "back-fill: limits by department and application");
	SAME(db, HOSTS_SRC, HOSTS_ROLL, "back-fill (step 11): roll_hosts from agg5m");
	is_str(text(db, PERSON_ROLL, t1, sizeof(t1)), text(db, PERSON_SRC, t2, sizeof(t2)),
	       "back-fill (step 11): blocks by person from access_log");
	ok(strstr(t1, "|王伟|财政局|1;") != NULL, "back-fill: the person's one block (%s)", t1);
	sqlite3_close(db);
}

static void test_retention(void)
{
	const char *path = pathf("ret.db");
	int64_t old_slot = (now_s() - 200 * 86400) / 1800 * 1800, new_slot = now_s() / 1800 * 1800;
	struct zl_store *s = open_store(path, 0, 0, 0);
	struct zl_store_stats st;
	char sql[1024];
	sqlite3 *db;
	int waited;

	zl_store_close(s);
	db = raw(path);
	snprintf(sql, sizeof(sql), "INSERT INTO roll_traffic VALUES (%lld, 'a', 'Web', 0, 1, 1, 1), "
		 "(%lld, 'a', 'Web', 0, 1, 1, 1); INSERT INTO roll_apps VALUES (%lld, 'x', 'Web', 1, 1, 1), "
		 "(%lld, 'x', 'Web', 1, 1, 1); INSERT INTO roll_access VALUES "
		 "(%lld, 'block', 0, '', '', 1, 1), (%lld, 'block', 0, '', '', 1, 1);"
		 "INSERT INTO roll_hosts VALUES (%lld, '10.0.0.1', 'Web', 1, 1), "
		 "(%lld, '10.0.0.1', 'Web', 1, 1)",
		 (long long)old_slot, (long long)new_slot, (long long)old_slot, (long long)new_slot,
		 (long long)old_slot, (long long)new_slot, (long long)old_slot, (long long)new_slot);
	is_int(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "retention: old and new rollup rows");
	sqlite3_close(db);
	s = open_store(path, 180, 0, 0);
	zl_store_start(s);
	for (waited = 0; waited < 10000; waited += 20) {
		zl_store_stats(s, &st);
		if (st.purged_rows >= 4)
			break;
		sleep_ms(20);
	}
	zl_store_close(s);
	db = raw(path);
	snprintf(sql, sizeof(sql), "SELECT (SELECT count(*) FROM roll_traffic WHERE slot = %lld) + "
		 "(SELECT count(*) FROM roll_apps WHERE slot = %lld) + (SELECT count(*) FROM roll_access "
		 "WHERE slot = %lld) + (SELECT count(*) FROM roll_hosts WHERE slot = %lld)",
		 (long long)old_slot, (long long)old_slot, (long long)old_slot, (long long)old_slot);
	is_int(sql_int(db, sql), 0, "retention: the rollups' rows older than 180 days are purged");
	is_int(sql_int(db, "SELECT count(*) FROM roll_traffic") + sql_int(db, "SELECT count(*) FROM "
	       "roll_apps") + sql_int(db, "SELECT count(*) FROM roll_access") +
	       sql_int(db, "SELECT count(*) FROM roll_hosts"), 4,
	       "retention: the newer ones are kept");
	sqlite3_close(db);
}

int main(void)
{
	if (fixture_init() < 0)
		return 1;
	test_writer();
	test_backfill();
	test_retention();
	fixture_cleanup();
	return done_testing();
}
