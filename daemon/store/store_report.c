/*
 * store_report.c - the monthly report's reads (store_report.h): a read
 * snapshot, the named queries, and one pass over agg5m.
 *
 * Times: :from/:to are microseconds (access_log, incidents, policy
 * versions), :from_s/:to_s the same bounds in seconds (agg5m's buckets).
 * Traffic and access-log figures come from the half-hourly rollups
 * (store_rollup.c): :ta/:tb are the whole half hours of [from_s, to_s),
 * read from roll_traffic/roll_apps, and the parts before and after them
 * (a period that does not start or end on a half hour) from agg5m;
 * :aa/:ab (seconds) and :aa_us/:ab_us the same for roll_access and
 * access_log. A month's figures read some hundred thousand rollup rows,
 * whatever the number of flows and access-log rows behind them; the
 * persons' version adds roll_hosts' working half hours and roll_access's
 * blocks by person (schema step 11).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "localday.h"
#include "store-int.h"
#include "store_report.h"

struct zl_store_rep {
	struct zl_store *s;
	sqlite3 *db;
};

struct named {
	const char *name, *sql;
};

/* agg5m's sums over [a, b) (seconds), access_log's counts by action over [a, b) (us) */
#define AGG_EDGE(a, b) "SELECT sum(bytes_up), sum(bytes_down), sum(flows), sum(CASE WHEN " \
	"instr(host, ':') THEN bytes_up + bytes_down ELSE 0 END) FROM agg5m WHERE bucket >= " a \
	" AND bucket < " b
#define ACC_EDGE(a, b) "SELECT action, count(*) FROM access_log WHERE ts >= " a " AND ts < " b \
	" GROUP BY action"
#define ROLL ZL_STORE_ROLL_SLOT

/* Each query's columns are what the report (daemon/reports/report.c) reads. */
static const struct named queries[] = {
	/* up, down, flows, IPv6 bytes (agg5m's host is the source address) */
	{ "totals", "SELECT coalesce(sum(u), 0), coalesce(sum(d), 0), coalesce(sum(f), 0), "
	  "coalesce(sum(v), 0) FROM (SELECT sum(bytes_up) AS u, sum(bytes_down) AS d, sum(flows) AS f, "
	  "sum(CASE WHEN v6 THEN bytes_up + bytes_down ELSE 0 END) AS v FROM roll_traffic "
	  "WHERE slot >= :ta AND slot < :tb UNION ALL " AGG_EDGE(":from_s", ":ta") " UNION ALL "
	  AGG_EDGE(":tb", ":to_s") ")" },
	/* action, rows */
	{ "actions", "SELECT action, sum(k) FROM (SELECT action, n AS k FROM roll_access "
	  "WHERE slot >= :aa AND slot < :ab AND kind = 0 UNION ALL " ACC_EDGE(":from", ":aa_us")
	  " UNION ALL " ACC_EDGE(":ab_us", ":to") ") GROUP BY action" },
	/* rule, department, application, attempts: each row names one of the
	 * three (the others null), or all three (the access log's rows at the
	 * period's ends) */
	{ "blocked", "SELECT CASE kind WHEN 1 THEN name END, CASE kind WHEN 2 THEN name END, "
	  "CASE kind WHEN 3 THEN name END, sum(n) FROM roll_access WHERE slot >= :aa AND slot < :ab "
	  "AND action = 'block' AND kind IN (1, 2, 3) GROUP BY kind, name "
	  "UNION ALL SELECT rule, department, app, count(*) FROM access_log WHERE action = 'block' "
	  "AND ts >= :from AND ts < :aa_us GROUP BY 1, 2, 3 "
	  "UNION ALL SELECT rule, department, app, count(*) FROM access_log WHERE action = 'block' "
	  "AND ts >= :ab_us AND ts < :to GROUP BY 1, 2, 3" },
	/* application, its category (the latest), up, down, flows */
	{ "apps", "SELECT app, category, max(t), sum(u), sum(d), sum(f) FROM (SELECT app, category, "
	  "slot AS t, bytes_up AS u, bytes_down AS d, flows AS f FROM roll_apps WHERE slot >= :ta "
	  "AND slot < :tb UNION ALL SELECT app, category, bucket, bytes_up, bytes_down, flows "
	  "FROM agg5m WHERE bucket >= :from_s AND bucket < :ta UNION ALL SELECT app, category, "
	  "bucket, bytes_up, bytes_down, flows FROM agg5m WHERE bucket >= :tb AND bucket < :to_s) "
	  "GROUP BY app" },
	/* person, department, attempts (the persons' version only): the
	 * rollup's blocks by person (kind 5) */
	{ "blocked_persons", "SELECT owner, department, sum(k) AS n FROM (SELECT name AS owner, "
	  "name2 AS department, n AS k FROM roll_access WHERE slot >= :aa AND slot < :ab "
	  "AND action = 'block' AND kind = 5 UNION ALL SELECT owner, department, 1 FROM access_log "
	  "WHERE action = 'block' AND ts >= :from AND ts < :aa_us AND owner != '' UNION ALL "
	  "SELECT owner, department, 1 FROM access_log WHERE action = 'block' AND ts >= :ab_us "
	  "AND ts < :to AND owner != '') GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 20" },
	/* department, application, flows limited, bytes: the 50 largest */
	{ "limited", "SELECT department, app, sum(k) AS n, sum(b) FROM (SELECT name AS department, "
	  "name2 AS app, n AS k, bytes AS b FROM roll_access WHERE slot >= :aa AND slot < :ab "
	  "AND action = 'limit' AND kind = 4 UNION ALL SELECT department, app, 1, bytes_up + "
	  "bytes_down FROM access_log WHERE action = 'limit' AND ts >= :from AND ts < :aa_us "
	  "UNION ALL SELECT department, app, 1, bytes_up + bytes_down FROM access_log "
	  "WHERE action = 'limit' AND ts >= :ab_us AND ts < :to) GROUP BY 1, 2 "
	  "ORDER BY n DESC, 1, 2 LIMIT 50" },
	/* address, department, person: an address the book holds twice counts once */
	{ "hosts", "SELECT address, max(department), max(owner) FROM hosts WHERE address != '' "
	  "GROUP BY address" },
	/* version, ts, who, comment, confirmed, text, the previous version's text */
	{ "policy", "SELECT version, ts, who, comment, confirmed, text, (SELECT text FROM "
	  "policy_versions q WHERE q.version < p.version ORDER BY q.version DESC LIMIT 1) "
	  "FROM policy_versions p WHERE ts >= :from AND ts < :to ORDER BY version" },
	{ "policy_count", "SELECT count(*) FROM policy_versions WHERE ts >= :from AND ts < :to" },
	/* the oldest row of each kept table (us; agg5m in seconds) */
	{ "oldest", "SELECT (SELECT min(ts) FROM access_log), (SELECT min(bucket) FROM agg5m), "
	  "(SELECT min(last_us) FROM flows), (SELECT min(ts) FROM audit)" },
	/* incidents opened in the period (the table of schema step 2 has these) */
	{ "incidents_opened", "SELECT count(*) FROM incidents WHERE first_ts >= :from AND first_ts < :to" },

	/*
	 * Section 4 (安全事件): the incidents branch's columns and its review
	 * workflow (incident_notes; states new, acknowledged, resolved,
	 * false_positive). report.c asks for these only when
	 * zl_store_rep_has(r, "incident_notes", NULL).
	 */
	{ "incidents_resolved", "SELECT count(DISTINCT incident) FROM incident_notes "
	  "WHERE state_to IN ('resolved', 'false_positive') AND ts >= :from AND ts < :to" },
	/* type, severity, incidents */
	{ "incidents_by", "SELECT kind, severity, count(*) FROM incidents WHERE first_ts >= :from "
	  "AND first_ts < :to GROUP BY 1, 2 ORDER BY 2 DESC, 3 DESC, 1" },
	/* opened, first acknowledged, first resolved (us; null when not yet) */
	{ "incidents_times", "SELECT i.first_ts, (SELECT min(ts) FROM incident_notes n WHERE "
	  "n.incident = i.id AND n.state_to = 'acknowledged'), (SELECT min(ts) FROM incident_notes n "
	  "WHERE n.incident = i.id AND n.state_to IN ('resolved', 'false_positive')) "
	  "FROM incidents i WHERE i.first_ts >= :from AND i.first_ts < :to" },
	{ "incidents_open_end", "SELECT count(*) FROM incidents i WHERE i.first_ts < :to AND NOT EXISTS "
	  "(SELECT 1 FROM incident_notes n WHERE n.incident = i.id AND n.state_to IN "
	  "('resolved', 'false_positive') AND n.ts < :to)" },
	/* severity, type, first seen, English, Chinese, department, events */
	{ "incidents_top", "SELECT severity, kind, first_ts, summary, summary_zh, src_department, count "
	  "FROM incidents WHERE first_ts >= :from AND first_ts < :to "
	  "ORDER BY severity DESC, count DESC, first_ts LIMIT 10" },

	/*
	 * Section 5 (IPv6 改造): the daily snapshots of the IPv6 branch, when
	 * zl_store_rep_has(r, "ipv6_daily", NULL). Scope 0 is the county.
	 * day, dual-stack active, IPv6 idle, IPv4 only, IPv6 only, v4 bytes, v6 bytes
	 */
	{ "ipv6_daily", "SELECT day, dual_active, ipv6_idle, ipv4_only, ipv6_only, v4_bytes, v6_bytes "
	  "FROM ipv6_daily WHERE scope = 0 AND day >= :dfrom AND day < :dto ORDER BY day" },
};

struct zl_store_rep *zl_store_rep_begin(struct zl_store *s, char *err, size_t errlen)
{
	struct zl_store_rep *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->s = s;
	r->db = zl_st_rget(s);
	/* one snapshot for the whole report */
	if (zl_st_exec(r->db, "BEGIN", err, errlen) < 0 ||
	    zl_st_exec(r->db, "SELECT 1 FROM sqlite_schema LIMIT 1", err, errlen) < 0) {
		zl_st_exec(r->db, "ROLLBACK", NULL, 0);
		zl_st_rput(s, r->db);
		free(r);
		return NULL;
	}
	return r;
}

void zl_store_rep_end(struct zl_store_rep *r)
{
	if (!r)
		return;
	zl_st_exec(r->db, "COMMIT", NULL, 0);
	zl_st_rput(r->s, r->db);
	free(r);
}

struct zl_store *zl_store_rep_store(struct zl_store_rep *r)
{
	return r->s;
}

int zl_store_rep_has(struct zl_store_rep *r, const char *table, const char *column)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(r->db, "SELECT 1 FROM pragma_table_info(?1) WHERE ?2 IS NULL OR name = ?2",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	if (column)
		sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
	return -zl_st_floor_div(-a, b);
}

static void bind_period(sqlite3_stmt *st, int64_t from_us, int64_t to_us)
{
	int64_t from_s = zl_st_floor_div(from_us, US), to_s = ceil_div(to_us, US);
	int64_t ta = ceil_div(from_s, ROLL) * ROLL, tb = zl_st_floor_div(to_s, ROLL) * ROLL;
	int64_t aa = ceil_div(from_us, ROLL * US) * ROLL, ab = zl_st_floor_div(to_us, ROLL * US) * ROLL;

	zl_st_bind_int(st, ":from", from_us);
	zl_st_bind_int(st, ":to", to_us);
	zl_st_bind_int(st, ":from_s", from_s);
	zl_st_bind_int(st, ":to_s", to_s);
	/* the local dates the period covers (the IPv6 snapshots are kept by date) */
	zl_st_bind_int(st, ":dfrom", zl_localday_of(from_us));
	zl_st_bind_int(st, ":dto", zl_localday_of(to_us - 1) + 1);
	/* no whole half hour: all of it from the source tables */
	if (ta >= tb)
		ta = tb = to_s;
	zl_st_bind_int(st, ":ta", ta);
	zl_st_bind_int(st, ":tb", tb);
	zl_st_bind_int(st, ":aa", aa < ab ? aa : 0);
	zl_st_bind_int(st, ":ab", aa < ab ? ab : 0);
	zl_st_bind_int(st, ":aa_us", aa < ab ? aa * US : to_us);
	zl_st_bind_int(st, ":ab_us", aa < ab ? ab * US : to_us);
}

static json_t *column_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, i));
	case SQLITE_NULL: return json_null();
	default: return zl_st_jtext(sqlite3_column_text(st, i));
	}
}

json_t *zl_store_rep_rows(struct zl_store_rep *r, const char *name, int64_t from_us,
			  int64_t to_us, char *err, size_t errlen)
{
	const char *sql = NULL;
	sqlite3_stmt *st;
	json_t *out, *row;
	size_t i;
	int rc, k, n;

	for (i = 0; i < ARRAY_SIZE(queries); i++)
		if (!strcmp(queries[i].name, name))
			sql = queries[i].sql;
	if (!sql) {
		snprintf(err, errlen, "report: no query %s", name);
		return NULL;
	}
	if (!(st = zl_st_rprepare(r->s, r->db, sql, err, errlen)))
		return NULL;
	bind_period(st, from_us, to_us);
	out = json_array();
	n = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row = json_array();
		for (k = 0; k < n; k++)
			json_array_append_new(row, column_json(st, k));
		json_array_append_new(out, row);
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: report query %s: %s", r->s->path, name, sqlite3_errmsg(r->db));
		json_decref(out);
		out = NULL;
	}
	sqlite3_finalize(st);
	return out;
}

int zl_store_rep_traffic(struct zl_store_rep *r, int64_t from_s, int64_t to_s, int fine,
			 zl_rep_traffic_fn fn, void *ud, char *err, size_t errlen)
{
	struct zl_rep_traffic a;
	sqlite3_stmt *st;
	int rc;

	st = zl_st_rprepare(r->s, r->db, fine ?
			    "SELECT bucket, coalesce(h.department, ''), category, instr(host, ':') > 0, "
			    "sum(bytes_up), sum(bytes_down), sum(flows) FROM agg5m LEFT JOIN (SELECT "
			    "address, max(department) AS department FROM hosts WHERE address != '' "
			    "GROUP BY address) h ON h.address = agg5m.host WHERE bucket >= :a AND "
			    "bucket < :b GROUP BY 1, 2, 3, 4" :
			    "SELECT slot, department, category, v6, bytes_up, bytes_down, flows "
			    "FROM roll_traffic WHERE slot >= :a AND slot < :b", err, errlen);
	if (!st)
		return -1;
	zl_st_bind_int(st, ":a", from_s);
	zl_st_bind_int(st, ":b", to_s);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.t = sqlite3_column_int64(st, 0);
		a.department = (const char *)sqlite3_column_text(st, 1);
		a.category = (const char *)sqlite3_column_text(st, 2);
		a.v6 = sqlite3_column_int(st, 3);
		a.bytes_up = sqlite3_column_int64(st, 4);
		a.bytes_down = sqlite3_column_int64(st, 5);
		a.flows = sqlite3_column_int64(st, 6);
		if (!a.department)
			a.department = "";
		if (!a.category)
			a.category = "";
		fn(ud, &a);
	}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s: report traffic: %s", r->s->path, sqlite3_errmsg(r->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int zl_store_rep_hosts(struct zl_store_rep *r, int64_t from_s, int64_t to_s, int fine,
		       zl_rep_host_fn fn, void *ud, char *err, size_t errlen)
{
	struct zl_rep_host a;
	sqlite3_stmt *st;
	int rc;

	/* by the primary key's range: the period's rows and no others */
	st = zl_st_rprepare(r->s, r->db, fine ?
			    "SELECT host, category, sum(bytes_up), sum(bytes_down) FROM agg5m "
			    "WHERE bucket >= :a AND bucket < :b GROUP BY 1, 2" :
			    "SELECT host, category, bytes_up, bytes_down FROM roll_hosts "
			    "WHERE slot >= :a AND slot < :b", err, errlen);
	if (!st)
		return -1;
	zl_st_bind_int(st, ":a", from_s);
	zl_st_bind_int(st, ":b", to_s);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.host = (const char *)sqlite3_column_text(st, 0);
		a.category = (const char *)sqlite3_column_text(st, 1);
		a.bytes_up = sqlite3_column_int64(st, 2);
		a.bytes_down = sqlite3_column_int64(st, 3);
		if (!a.host)
			a.host = "";
		if (!a.category)
			a.category = "";
		fn(ud, &a);
	}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s: report hosts: %s", r->s->path, sqlite3_errmsg(r->db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

uint64_t zl_store_rep_db_bytes(struct zl_store_rep *r)
{
	struct zl_store_stats st;

	zl_store_stats(r->s, &st);
	return st.db_bytes;
}

unsigned zl_store_rep_retention_days(struct zl_store_rep *r)
{
	return __atomic_load_n(&r->s->retention_days, __ATOMIC_RELAXED);
}

/* ---- the archive ---- */

int64_t zl_store_report_add(struct zl_store *s, const struct zl_report_file *f, char *err,
			    size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int64_t id = -1;

	pthread_mutex_lock(&s->wlock);
	if (sqlite3_prepare_v2(s->wdb, "INSERT INTO reports (ts, who, period, from_us, to_us, format, "
			       "lang, persons, scheduled, path, bytes, sha256, keep_until) VALUES "
			       "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, f->ts);
		sqlite3_bind_text(st, 2, f->who, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, f->period, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, f->from_us);
		sqlite3_bind_int64(st, 5, f->to_us);
		sqlite3_bind_text(st, 6, f->format, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, f->lang, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 8, f->persons);
		sqlite3_bind_int(st, 9, f->scheduled);
		sqlite3_bind_text(st, 10, f->path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 11, f->bytes);
		sqlite3_bind_text(st, 12, f->sha256, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 13, f->keep_until);
		if (sqlite3_step(st) == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(s->wdb);
	}
	if (id < 0)
		snprintf(err, errlen, "%s: cannot record the report: %s", s->path, sqlite3_errmsg(s->wdb));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wlock);
	return id;
}

#define REPORT_COLUMNS "id, ts, who, period, from_us, to_us, format, lang, persons, scheduled, " \
	"bytes, sha256, keep_until, path"

json_t *zl_store_report_list(struct zl_store *s, unsigned limit, char *err, size_t errlen)
{
	sqlite3 *db = zl_st_rget(s);
	sqlite3_stmt *st = zl_st_rprepare(s, db, "SELECT " REPORT_COLUMNS " FROM reports "
					  "ORDER BY id DESC LIMIT :limit", err, errlen);
	json_t *out;
	int rc;

	if (!st) {
		zl_st_rput(s, db);
		return NULL;
	}
	zl_st_bind_int(st, ":limit", limit ? (limit < 10000 ? limit : 10000) : 100);
	out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:b, "
						     "s:I, s:o, s:o}",
			"id", (json_int_t)sqlite3_column_int64(st, 0),
			"ts", zl_st_jtime(sqlite3_column_int64(st, 1), 0),
			"who", zl_st_jtext(sqlite3_column_text(st, 2)),
			"period", zl_st_jtext(sqlite3_column_text(st, 3)),
			"from", zl_st_jtime(sqlite3_column_int64(st, 4), 0),
			"to", zl_st_jtime(sqlite3_column_int64(st, 5), 0),
			"format", zl_st_jtext(sqlite3_column_text(st, 6)),
			"lang", zl_st_jtext(sqlite3_column_text(st, 7)),
			"persons", sqlite3_column_int(st, 8), "scheduled", sqlite3_column_int(st, 9),
			"bytes", (json_int_t)sqlite3_column_int64(st, 10),
			"sha256", zl_st_jtext(sqlite3_column_text(st, 11)),
			"keep_until", zl_st_jtime(sqlite3_column_int64(st, 12), 0)));
	out = zl_st_rdone(s, db, st, rc, out, err, errlen);
	zl_st_rput(s, db);
	return out;
}

static void file_row(sqlite3_stmt *st, struct zl_report_file *f)
{
#define TXT(i, fld) snprintf(f->fld, sizeof(f->fld), "%s", (const char *)sqlite3_column_text(st, i) ?: "")
	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	f->ts = sqlite3_column_int64(st, 1);
	TXT(2, who);
	TXT(3, period);
	f->from_us = sqlite3_column_int64(st, 4);
	f->to_us = sqlite3_column_int64(st, 5);
	TXT(6, format);
	TXT(7, lang);
	f->persons = sqlite3_column_int(st, 8);
	f->scheduled = sqlite3_column_int(st, 9);
	f->bytes = sqlite3_column_int64(st, 10);
	TXT(11, sha256);
	f->keep_until = sqlite3_column_int64(st, 12);
	TXT(13, path);
#undef TXT
}

int zl_store_report_get(struct zl_store *s, int64_t id, struct zl_report_file *f, char *err,
			size_t errlen)
{
	sqlite3 *db = zl_st_rget(s);
	sqlite3_stmt *st = zl_st_rprepare(s, db, "SELECT " REPORT_COLUMNS " FROM reports WHERE id = :id",
					  err, errlen);
	int rc;

	if (!st) {
		zl_st_rput(s, db);
		return -1;
	}
	zl_st_bind_int(st, ":id", id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		file_row(st, f);
	else if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	zl_st_rput(s, db);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int zl_store_report_scheduled(struct zl_store *s, const char *period)
{
	sqlite3 *db = zl_st_rget(s);
	char err[256];
	sqlite3_stmt *st = zl_st_rprepare(s, db, "SELECT 1 FROM reports WHERE scheduled = 1 AND "
					  "period = :period LIMIT 1", err, sizeof(err));
	int rc;

	if (!st) {
		zl_st_rput(s, db);
		return -1;
	}
	zl_st_bind_str(st, ":period", period);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	zl_st_rput(s, db);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int zl_store_report_expire(struct zl_store *s, int64_t now, void (*fn)(const char *path))
{
	sqlite3_stmt *st = NULL;
	struct zl_report_file f;
	int n = 0;

	pthread_mutex_lock(&s->wlock);
	if (sqlite3_prepare_v2(s->wdb, "SELECT " REPORT_COLUMNS " FROM reports WHERE keep_until < ?",
			       -1, &st, NULL) != SQLITE_OK) {
		pthread_mutex_unlock(&s->wlock);
		return -1;
	}
	sqlite3_bind_int64(st, 1, now);
	while (sqlite3_step(st) == SQLITE_ROW) {
		file_row(st, &f);
		fn(f.path);
		n++;
	}
	sqlite3_finalize(st);
	if (n && sqlite3_prepare_v2(s->wdb, "DELETE FROM reports WHERE keep_until < ?", -1, &st,
				    NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, now);
		if (sqlite3_step(st) != SQLITE_DONE)
			n = -1;
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&s->wlock);
	return n;
}

int zl_store_report_moved(struct zl_store *s, const char *old_dir, const char *new_dir,
			  char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int n = -1;

	pthread_mutex_lock(&s->wlock);
	if (sqlite3_prepare_v2(s->wdb, "UPDATE reports SET path = ?2 || substr(path, length(?1) + 1) "
			       "WHERE substr(path, 1, length(?1) + 1) = ?1 || '/'", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, old_dir, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, new_dir, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			n = sqlite3_changes(s->wdb);
	}
	if (n < 0)
		snprintf(err, errlen, "%s: cannot move the reports' paths: %s", s->path,
			 sqlite3_errmsg(s->wdb));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wlock);
	return n;
}
