/*
 * store_report.c - the monthly report's reads (store_report.h): a read
 * snapshot, the named queries, and one pass over agg5m.
 *
 * Times: :from/:to are microseconds (access_log, incidents, policy
 * versions), :from_s/:to_s the same bounds in seconds (agg5m's buckets).
 * access_log is read only through its (action, ts) index: a month's blocks
 * and limits are a small share of it, and counting a month's audit rows
 * reads the index alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "store-int.h"
#include "store_report.h"

struct zl_store_rep {
	struct zl_store *s;
	sqlite3 *db;
};

struct named {
	const char *name, *sql;
};

/* Each query's columns are what the report (daemon/reports/report.c) reads. */
static const struct named queries[] = {
	/* up, down, flows, IPv6 bytes (agg5m's host is the source address) */
	{ "totals", "SELECT coalesce(sum(bytes_up), 0), coalesce(sum(bytes_down), 0), "
	  "coalesce(sum(flows), 0), coalesce(sum(CASE WHEN instr(host, ':') THEN bytes_up + bytes_down "
	  "ELSE 0 END), 0) FROM agg5m WHERE bucket >= :from_s AND bucket < :to_s" },
	/* action, rows: each count reads the (action, ts) index only */
	{ "actions", "SELECT 'block', count(*) FROM access_log WHERE action = 'block' AND ts >= :from "
	  "AND ts < :to UNION ALL SELECT 'audit', count(*) FROM access_log WHERE action = 'audit' "
	  "AND ts >= :from AND ts < :to UNION ALL SELECT 'limit', count(*) FROM access_log "
	  "WHERE action = 'limit' AND ts >= :from AND ts < :to" },
	/* rule, department, application, attempts */
	{ "blocked", "SELECT rule, department, app, count(*) FROM access_log WHERE action = 'block' "
	  "AND ts >= :from AND ts < :to GROUP BY 1, 2, 3" },
	/* person, department, attempts (the persons' version only) */
	{ "blocked_persons", "SELECT owner, department, count(*) AS n FROM access_log "
	  "WHERE action = 'block' AND ts >= :from AND ts < :to AND owner != '' GROUP BY 1, 2 "
	  "ORDER BY n DESC, 1 LIMIT 20" },
	/* department, application, flows limited, bytes */
	{ "limited", "SELECT department, app, count(*) AS n, sum(bytes_up + bytes_down) FROM access_log "
	  "WHERE action = 'limit' AND ts >= :from AND ts < :to GROUP BY 1, 2 ORDER BY n DESC, 1, 2" },
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
	  "FROM ipv6_daily WHERE scope = 0 AND taken >= :from AND taken < :to ORDER BY day" },
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

static void bind_period(sqlite3_stmt *st, int64_t from_us, int64_t to_us)
{
	zl_st_bind_int(st, ":from", from_us);
	zl_st_bind_int(st, ":to", to_us);
	zl_st_bind_int(st, ":from_s", zl_st_floor_div(from_us, US));
	zl_st_bind_int(st, ":to_s", zl_st_floor_div(to_us + US - 1, US));
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

int zl_store_rep_agg(struct zl_store_rep *r, int64_t from_us, int64_t to_us, zl_rep_agg_fn fn,
		     void *ud, char *err, size_t errlen)
{
	struct zl_rep_agg a;
	sqlite3_stmt *st;
	int rc;

	/* by the primary key's range: the month's rows and no others */
	st = zl_st_rprepare(r->s, r->db, "SELECT bucket, host, app, category, bytes_up, bytes_down, "
			    "flows FROM agg5m WHERE bucket >= :from_s AND bucket < :to_s", err, errlen);
	if (!st)
		return -1;
	bind_period(st, from_us, to_us);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.bucket = sqlite3_column_int64(st, 0);
		a.host = (const char *)sqlite3_column_text(st, 1);
		a.app = (const char *)sqlite3_column_text(st, 2);
		a.category = (const char *)sqlite3_column_text(st, 3);
		a.bytes_up = sqlite3_column_int64(st, 4);
		a.bytes_down = sqlite3_column_int64(st, 5);
		a.flows = sqlite3_column_int64(st, 6);
		if (!a.host)
			a.host = "";
		if (!a.app)
			a.app = "";
		if (!a.category)
			a.category = "";
		fn(ud, &a);
	}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s: report traffic: %s", r->s->path, sqlite3_errmsg(r->db));
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
