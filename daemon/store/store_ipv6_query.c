/*
 * store_ipv6_query.c - the IPv6 figures read back (store_ipv6.h): hosts
 * joined by MAC and their states, the county's and departments' figures,
 * services and their to-do lists, the daily snapshot and the trend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "addrbook.h"
#include "localday.h"
#include "log.h"
#include "store-int.h"
#include "store_ipv6.h"

enum { ST_DUAL, ST_IDLE, ST_V4, ST_V6, ST_N };
static const char *const state_names[ST_N] = {
	"dual_stack_active", "ipv6_idle", "ipv4_only", "ipv6_only",
};

/*
 * The day's hosts. A machine is its MAC when the neighbour table showed
 * one for any of its addresses that day, else its address; its department
 * and name come from the address book (the address's own row, else its
 * MAC's row). A host counts when it sent traffic as a client and is the
 * county's: a MAC, a book row or an address in ipv6_clients. State: IPv6
 * traffic and an IPv4 address: dual-stack active; IPv6 traffic alone:
 * IPv6-only; an IPv6 address without IPv6 traffic: IPv6 idle; else
 * IPv4-only.
 */
#define HOSTS_SQL \
	"WITH a AS (SELECT d.addr, d.family, d.mac, d.local, d.bytes, d.flows," \
	"  coalesce(ha.department, hm.department) AS dept, coalesce(ha.name, hm.name) AS hname," \
	"  (ha.address IS NOT NULL OR hm.mac IS NOT NULL) AS booked" \
	" FROM ipv6_addr_day d" \
	" LEFT JOIN hosts ha ON ha.address = d.addr AND ha.address != ''" \
	" LEFT JOIN hosts hm ON d.mac != '' AND hm.mac = d.mac" \
	" WHERE d.day = :day)," \
	" h AS (SELECT CASE WHEN mac != '' THEN mac ELSE addr END AS k," \
	"  max(coalesce(dept, '')) AS dept, max(coalesce(hname, '')) AS name, max(mac) AS mac," \
	"  group_concat(addr, ' ') AS addrs," \
	"  sum(CASE WHEN family = 4 THEN bytes ELSE 0 END) AS b4," \
	"  sum(CASE WHEN family = 6 THEN bytes ELSE 0 END) AS b6," \
	"  sum(CASE WHEN family = 4 THEN flows ELSE 0 END) AS f4," \
	"  sum(CASE WHEN family = 6 THEN flows ELSE 0 END) AS f6," \
	"  max(family = 4) AS has4, max(family = 6) AS has6," \
	"  max(local OR mac != '' OR booked) AS loc" \
	"  FROM a GROUP BY k)" \
	" SELECT k, dept, name, mac, addrs, b4, b6, f4, f6," \
	"  CASE WHEN f6 > 0 AND has4 THEN 0 WHEN f6 > 0 THEN 3 WHEN has6 THEN 1 ELSE 2 END" \
	" FROM h WHERE loc AND f4 + f6 > 0 AND (:dept IS NULL OR dept = :dept)" \
	" ORDER BY dept, b4 + b6 DESC"

/* Internal servers: addresses that served flows in the zone, joined by MAC. */
#define SERVERS_SQL \
	"SELECT count(*), coalesce(sum(s6 > 0), 0) FROM (SELECT" \
	" sum(CASE WHEN family = 6 THEN srv_flows ELSE 0 END) AS s6, sum(srv_flows) AS s" \
	" FROM ipv6_addr_day WHERE day = :day" \
	" GROUP BY CASE WHEN mac != '' THEN mac ELSE addr END) WHERE s > 0"

/* Services, over a range of days: DNS bits OR-ed (max of each bit). */
#define SVC_SQL(having, order) \
	"SELECT name, max(app), max(internal), max(rr & 1), max((rr >> 1) & 1), max((rr >> 2) & 1)," \
	" sum(v4_bytes), sum(v6_bytes), sum(v4_flows), sum(v6_flows)" \
	" FROM ipv6_svc_day WHERE day BETWEEN :from AND :to GROUP BY name" \
	" HAVING " having " ORDER BY " order " LIMIT :limit"
#define TODO_V4 "max((rr >> 1) & 1) AND sum(v4_bytes) > 0 AND NOT max(internal)"
#define TODO_NO "NOT max((rr >> 1) & 1) AND max((rr >> 2) & 1) AND NOT max(internal)" \
	" AND sum(v4_bytes) + sum(v6_bytes) > 0"
#define INTERNAL "max(internal)"
#define ANY "sum(v4_bytes) + sum(v6_bytes) > 0 AND NOT max(internal)"

/* External services grouped by application (its last part: Bilibili for
 * TLS.Bilibili and QUIC.Bilibili). */
#define APPS_SQL \
	"SELECT " ACCESS_APP_NAME " AS a, count(*), sum(aaaa), sum(none), sum(b4), sum(b6) FROM" \
	" (SELECT name, max(app) AS app, max((rr >> 1) & 1) AS aaaa," \
	"  max((rr >> 2) & 1) AND NOT max((rr >> 1) & 1) AS none," \
	"  sum(v4_bytes) AS b4, sum(v6_bytes) AS b6" \
	"  FROM ipv6_svc_day WHERE day BETWEEN :from AND :to GROUP BY name" \
	"  HAVING " ANY ")" \
	" GROUP BY a ORDER BY sum(b4) + sum(b6) DESC, a LIMIT :limit"

struct fig {
	char dept[ZL_NAME_SIZE];
	int64_t n[ST_N];
	int64_t b4, b6, f4, f6;
};

struct figs {
	struct fig county, *dept;
	size_t n, cap;
	int64_t todo_v4, todo_no, servers, servers_v6;
};

static void fig_add(struct fig *f, int state, int64_t b4, int64_t b6, int64_t f4, int64_t f6)
{
	f->n[state]++;
	f->b4 += b4;
	f->b6 += b6;
	f->f4 += f4;
	f->f6 += f6;
}

static struct fig *dept_fig(struct figs *x, const char *dept)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (!strcmp(x->dept[i].dept, dept))
			return &x->dept[i];
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct fig *v = realloc(x->dept, cap * sizeof(*v));
		if (!v)
			return NULL;
		x->dept = v;
		x->cap = cap;
	}
	memset(&x->dept[x->n], 0, sizeof(x->dept[0]));
	snprintf(x->dept[x->n].dept, sizeof(x->dept[0].dept), "%s", dept);
	return &x->dept[x->n++];
}

static const struct fig *find_fig(const struct figs *x, const char *dept)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (!strcmp(x->dept[i].dept, dept))
			return &x->dept[i];
	return NULL;
}

static int64_t count_sql(sqlite3 *db, const char *sql, int64_t day, int64_t *second)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	zl_st_bind_int(st, ":day", day);
	zl_st_bind_int(st, ":from", day);
	zl_st_bind_int(st, ":to", day);
	zl_st_bind_int(st, ":limit", -1);
	if (sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
		if (second)
			*second = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return v;
}

/* The day's figures from the counters (any connection). 0 or -1. */
static int compute(sqlite3 *db, int64_t day, struct figs *x)
{
	sqlite3_stmt *st;
	struct fig *f;
	int rc, state;

	memset(x, 0, sizeof(*x));
	if (sqlite3_prepare_v2(db, HOSTS_SQL, -1, &st, NULL) != SQLITE_OK)
		return -1;
	zl_st_bind_int(st, ":day", day);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t b4 = sqlite3_column_int64(st, 5), b6 = sqlite3_column_int64(st, 6);
		int64_t f4 = sqlite3_column_int64(st, 7), f6 = sqlite3_column_int64(st, 8);

		state = sqlite3_column_int(st, 9);
		fig_add(&x->county, state, b4, b6, f4, f6);
		if ((f = dept_fig(x, (const char *)sqlite3_column_text(st, 1))))
			fig_add(f, state, b4, b6, f4, f6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	x->todo_v4 = count_sql(db, "SELECT count(*) FROM (" SVC_SQL(TODO_V4, "1") ")", day, NULL);
	x->todo_no = count_sql(db, "SELECT count(*) FROM (" SVC_SQL(TODO_NO, "1") ")", day, NULL);
	x->servers = count_sql(db, SERVERS_SQL, day, &x->servers_v6);
	return x->todo_v4 < 0 || x->todo_no < 0 || x->servers < 0 ? -1 : 0;
}

static double pct(int64_t part, int64_t whole)
{
	return whole > 0 ? (double)(part * 10000 / whole) / 100.0 : 0.0;
}

static json_t *fig_json(const struct fig *f)
{
	int64_t total = f->n[ST_DUAL] + f->n[ST_IDLE] + f->n[ST_V4] + f->n[ST_V6];
	json_t *hosts = json_object();
	int i;

	for (i = 0; i < ST_N; i++)
		json_object_set_new(hosts, state_names[i], json_integer(f->n[i]));
	json_object_set_new(hosts, "total", json_integer(total));
	return json_pack("{s:o, s:{s:I, s:I, s:f}, s:{s:I, s:I, s:f}, s:f, s:f}",
			 "hosts", hosts,
			 "bytes", "ipv4", (json_int_t)f->b4, "ipv6", (json_int_t)f->b6,
			 "ipv6_share", pct(f->b6, f->b4 + f->b6),
			 "flows", "ipv4", (json_int_t)f->f4, "ipv6", (json_int_t)f->f6,
			 "ipv6_share", pct(f->f6, f->f4 + f->f6),
			 "active_hosts_share", pct(f->n[ST_DUAL] + f->n[ST_V6], total),
			 "dual_stack_use_share", pct(f->n[ST_DUAL], f->n[ST_DUAL] + f->n[ST_IDLE]));
}

static json_t *figs_json(const struct figs *x, int64_t day, const char *source,
			 const char *dept)
{
	json_t *depts = json_array(), *d;
	char dt[32];
	size_t i;

	for (i = 0; i < x->n; i++) {
		if (dept && strcmp(dept, x->dept[i].dept))
			continue;
		d = fig_json(&x->dept[i]);
		json_object_set_new(d, "department", json_string(x->dept[i].dept));
		json_array_append_new(depts, d);
	}
	zl_localday_text(day, dt, sizeof(dt));
	return json_pack("{s:s, s:s, s:o, s:o, s:{s:I, s:I}, s:{s:I, s:I}}",
			 "day", dt, "source", source, "county", fig_json(&x->county),
			 "departments", depts,
			 "todo", "aaaa_over_ipv4", (json_int_t)x->todo_v4,
			 "no_aaaa", (json_int_t)x->todo_no,
			 "internal", "servers", (json_int_t)x->servers,
			 "serving_ipv6", (json_int_t)x->servers_v6);
}

/* The snapshot's rows of a day into x; 1 when there were some. */
static int load_snapshot(sqlite3 *db, int64_t day, struct figs *x)
{
	sqlite3_stmt *st;
	struct fig *f;
	int found = 0;

	memset(x, 0, sizeof(*x));
	if (sqlite3_prepare_v2(db, "SELECT scope, department, dual_active, ipv6_idle, ipv4_only, "
			       "ipv6_only, v4_bytes, v6_bytes, v4_flows, v6_flows, aaaa_over_ipv4, "
			       "no_aaaa, internal_servers, internal_ipv6 FROM ipv6_daily WHERE day = :day "
			       "ORDER BY scope, department", -1, &st, NULL) != SQLITE_OK)
		return 0;
	zl_st_bind_int(st, ":day", day);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 1);
		int i;

		found = 1;
		if (sqlite3_column_int(st, 0) == 0) {
			f = &x->county;
			x->todo_v4 = sqlite3_column_int64(st, 10);
			x->todo_no = sqlite3_column_int64(st, 11);
			x->servers = sqlite3_column_int64(st, 12);
			x->servers_v6 = sqlite3_column_int64(st, 13);
		} else if (!(f = dept_fig(x, d))) {
			continue;
		}
		for (i = 0; i < ST_N; i++)
			f->n[i] = sqlite3_column_int64(st, 2 + i);
		f->b4 = sqlite3_column_int64(st, 6);
		f->b6 = sqlite3_column_int64(st, 7);
		f->f4 = sqlite3_column_int64(st, 8);
		f->f6 = sqlite3_column_int64(st, 9);
	}
	sqlite3_finalize(st);
	return found;
}

json_t *zl_store_ipv6_summary(struct zl_store *s, int64_t day, const char *department,
			      char *err, size_t errlen)
{
	sqlite3 *db = zl_st_rget(s);
	struct figs x;
	json_t *out = NULL;
	int snap = day < zl_localday_of(zl_st_now_us()) && load_snapshot(db, day, &x);

	if (snap || compute(db, day, &x) == 0)
		out = figs_json(&x, day, snap ? "snapshot" : "counters", department);
	else
		snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(db));
	free(x.dept);
	zl_st_rput(s, db);
	return out;
}

json_t *zl_store_ipv6_hosts(struct zl_store *s, int64_t day, const char *department,
			    char *err, size_t errlen)
{
	sqlite3 *db = zl_st_rget(s);
	sqlite3_stmt *st = zl_st_rprepare(s, db, HOSTS_SQL, err, errlen);
	json_t *a = json_array(), *out = NULL;
	char dt[32];
	int rc;

	if (!st) {
		json_decref(a);
		zl_st_rput(s, db);
		return NULL;
	}
	zl_st_bind_int(st, ":day", day);
	zl_st_bind_str(st, ":dept", department);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t b4 = sqlite3_column_int64(st, 5), b6 = sqlite3_column_int64(st, 6);
		int64_t f4 = sqlite3_column_int64(st, 7), f6 = sqlite3_column_int64(st, 8);
		json_t *addrs = json_array();
		char *list = strdup((const char *)sqlite3_column_text(st, 4)), *t, *save = NULL;

		for (t = list ? strtok_r(list, " ", &save) : NULL; t; t = strtok_r(NULL, " ", &save))
			json_array_append_new(addrs, json_string(t));
		free(list);
		json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o, s:s, s:I, s:I, s:I, s:I, s:f, s:f}",
			"host", zl_st_jtext(sqlite3_column_text(st, 0)),
			"department", zl_st_jtext(sqlite3_column_text(st, 1)),
			"name", zl_st_jtext(sqlite3_column_text(st, 2)),
			"addresses", addrs, "state", state_names[sqlite3_column_int(st, 9)],
			"bytes_ipv4", (json_int_t)b4, "bytes_ipv6", (json_int_t)b6,
			"flows_ipv4", (json_int_t)f4, "flows_ipv6", (json_int_t)f6,
			"bytes_ipv6_share", pct(b6, b4 + b6), "flows_ipv6_share", pct(f6, f4 + f6)));
		json_object_set_new(json_array_get(a, json_array_size(a) - 1), "mac",
				    zl_st_jtext(sqlite3_column_text(st, 3)));
	}
	if ((a = zl_st_rdone(s, db, st, rc, a, err, errlen))) {
		zl_localday_text(day, dt, sizeof(dt));
		out = json_pack("{s:s, s:o}", "day", dt, "hosts", a);
	}
	zl_st_rput(s, db);
	return out;
}

static json_t *svc_list(struct zl_store *s, sqlite3 *db, const char *sql, int64_t from,
			int64_t to, unsigned limit, char *err, size_t errlen)
{
	sqlite3_stmt *st = zl_st_rprepare(s, db, sql, err, errlen);
	json_t *a = json_array();
	int rc;

	if (!st) {
		json_decref(a);
		return NULL;
	}
	zl_st_bind_int(st, ":from", from);
	zl_st_bind_int(st, ":to", to);
	zl_st_bind_int(st, ":limit", limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int aaaa = sqlite3_column_int(st, 4), none = sqlite3_column_int(st, 5);
		int64_t b4 = sqlite3_column_int64(st, 6), b6 = sqlite3_column_int64(st, 7);

		json_array_append_new(a, json_pack("{s:o, s:o, s:b, s:s, s:b, s:I, s:I, s:I, s:I}",
			"name", zl_st_jtext(sqlite3_column_text(st, 0)),
			"app", zl_st_jtext(sqlite3_column_text(st, 1)),
			"internal", sqlite3_column_int(st, 2),
			"aaaa", aaaa ? "yes" : none ? "no" : "unknown",
			"reached_over_ipv6", sqlite3_column_int64(st, 9) > 0,
			"bytes_ipv4", (json_int_t)b4, "bytes_ipv6", (json_int_t)b6,
			"flows_ipv4", (json_int_t)sqlite3_column_int64(st, 8),
			"flows_ipv6", (json_int_t)sqlite3_column_int64(st, 9)));
	}
	return zl_st_rdone(s, db, st, rc, a, err, errlen);
}

static json_t *app_list(struct zl_store *s, sqlite3 *db, int64_t from, int64_t to,
			unsigned limit, char *err, size_t errlen)
{
	sqlite3_stmt *st = zl_st_rprepare(s, db, APPS_SQL, err, errlen);
	json_t *a = json_array();
	int rc;

	if (!st) {
		json_decref(a);
		return NULL;
	}
	zl_st_bind_int(st, ":from", from);
	zl_st_bind_int(st, ":to", to);
	zl_st_bind_int(st, ":limit", limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t b4 = sqlite3_column_int64(st, 4), b6 = sqlite3_column_int64(st, 5);

		json_array_append_new(a, json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:f}",
			"app", zl_st_jtext(sqlite3_column_text(st, 0)),
			"services", (json_int_t)sqlite3_column_int64(st, 1),
			"with_aaaa", (json_int_t)sqlite3_column_int64(st, 2),
			"without_aaaa", (json_int_t)sqlite3_column_int64(st, 3),
			"bytes_ipv4", (json_int_t)b4, "bytes_ipv6", (json_int_t)b6,
			"bytes_ipv6_share", pct(b6, b4 + b6)));
	}
	return zl_st_rdone(s, db, st, rc, a, err, errlen);
}

json_t *zl_store_ipv6_services(struct zl_store *s, int64_t from_day, int64_t to_day,
			       unsigned limit, char *err, size_t errlen)
{
	sqlite3 *db = zl_st_rget(s);
	json_t *all, *v4, *none = NULL, *internal = NULL, *apps = NULL, *out = NULL;
	char f[32], t[32];

	all = svc_list(s, db, SVC_SQL(ANY, "sum(v4_bytes) + sum(v6_bytes) DESC, name"),
		       from_day, to_day, limit, err, errlen);
	v4 = all ? svc_list(s, db, SVC_SQL(TODO_V4, "sum(v4_bytes) DESC, name"), from_day,
			    to_day, limit, err, errlen) : NULL;
	none = v4 ? svc_list(s, db, SVC_SQL(TODO_NO, "sum(v4_bytes) + sum(v6_bytes) DESC, name"),
			     from_day, to_day, limit, err, errlen) : NULL;
	internal = none ? svc_list(s, db, SVC_SQL(INTERNAL, "sum(v4_bytes) + sum(v6_bytes) DESC, name"),
				   from_day, to_day, limit, err, errlen) : NULL;
	apps = internal ? app_list(s, db, from_day, to_day, limit, err, errlen) : NULL;
	zl_st_rput(s, db);
	if (apps) {
		zl_localday_text(from_day, f, sizeof(f));
		zl_localday_text(to_day, t, sizeof(t));
		out = json_pack("{s:s, s:s, s:o, s:o, s:{s:o, s:o}, s:o}", "from", f, "to", t,
				"services", all, "apps", apps, "todo", "aaaa_over_ipv4", v4,
				"no_aaaa", none, "internal", internal);
		return out;
	}
	json_decref(all);
	json_decref(v4);
	json_decref(none);
	json_decref(internal);
	return NULL;
}

/* ---- snapshots and the trend ------------------------------------------- */

static int put_row(sqlite3_stmt *st, int64_t day, int scope, const struct fig *f,
		   const struct figs *x, int64_t now)
{
	int i;

	sqlite3_bind_int64(st, 1, day);
	sqlite3_bind_int(st, 2, scope);
	sqlite3_bind_text(st, 3, scope ? f->dept : "", -1, SQLITE_STATIC);
	for (i = 0; i < ST_N; i++)
		sqlite3_bind_int64(st, 4 + i, f->n[i]);
	sqlite3_bind_int64(st, 8, f->b4);
	sqlite3_bind_int64(st, 9, f->b6);
	sqlite3_bind_int64(st, 10, f->f4);
	sqlite3_bind_int64(st, 11, f->f6);
	sqlite3_bind_int64(st, 12, scope ? 0 : x->todo_v4);
	sqlite3_bind_int64(st, 13, scope ? 0 : x->todo_no);
	sqlite3_bind_int64(st, 14, scope ? 0 : x->servers);
	sqlite3_bind_int64(st, 15, scope ? 0 : x->servers_v6);
	sqlite3_bind_int64(st, 16, now);
	return zl_st_step_reset(st, NULL, 0);
}

/* On the write connection, wlock held. */
int zl_st_v6_snapshot_locked(struct zl_store *s, int64_t day, char *err, size_t errlen)
{
	sqlite3_stmt *del = NULL, *ins = NULL;
	struct figs x;
	int rc = SQLITE_ERROR;
	size_t i;

	if (compute(s->wdb, day, &x) < 0)
		goto out;
	if (sqlite3_prepare_v2(s->wdb, "DELETE FROM ipv6_daily WHERE day = ?", -1, &del, NULL) ||
	    sqlite3_prepare_v2(s->wdb, "INSERT INTO ipv6_daily (day, scope, department, dual_active, "
			       "ipv6_idle, ipv4_only, ipv6_only, v4_bytes, v6_bytes, v4_flows, v6_flows, "
			       "aaaa_over_ipv4, no_aaaa, internal_servers, internal_ipv6, taken) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &ins, NULL))
		goto out;
	rc = zl_st_step_reset(s->begin, NULL, 0);
	sqlite3_bind_int64(del, 1, day);
	if (rc == SQLITE_DONE)
		rc = zl_st_step_reset(del, NULL, 0);
	if (rc == SQLITE_DONE)
		rc = put_row(ins, day, 0, &x.county, &x, zl_st_now_us());
	for (i = 0; i < x.n && rc == SQLITE_DONE; i++)
		rc = put_row(ins, day, 1, &x.dept[i], &x, zl_st_now_us());
	if (rc == SQLITE_DONE)
		rc = zl_st_step_reset(s->commit, NULL, 0);
	if (rc != SQLITE_DONE && !sqlite3_get_autocommit(s->wdb))
		zl_st_step_reset(s->rollback, NULL, 0);
out:
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s: IPv6 snapshot: %s", s->path, sqlite3_errmsg(s->wdb));
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	free(x.dept);
	return rc == SQLITE_DONE ? 0 : -1;
}

int zl_store_ipv6_snapshot(struct zl_store *s, int64_t day, char *err, size_t errlen)
{
	int rc;

	pthread_mutex_lock(&s->wlock);
	rc = zl_st_v6_snapshot_locked(s, day, err, errlen);
	pthread_mutex_unlock(&s->wlock);
	return rc;
}

json_t *zl_store_ipv6_trend(struct zl_store *s, unsigned days, const char *department,
			    char *err, size_t errlen)
{
	int64_t today = zl_localday_of(zl_st_now_us()), day;
	json_t *a = json_array(), *d;
	sqlite3 *db = zl_st_rget(s);
	struct figs x;
	const struct fig *f;
	char dt[32];
	int snap;

	for (day = today - (int64_t)days + 1; day <= today; day++) {
		snap = day < today && load_snapshot(db, day, &x);
		if (!snap && day < today) {
			free(x.dept);
			continue;    /* no traffic that day, or the daemon was off */
		}
		if (!snap && compute(db, day, &x) < 0) {
			snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(db));
			free(x.dept);
			json_decref(a);
			zl_st_rput(s, db);
			return NULL;
		}
		f = department ? find_fig(&x, department) : &x.county;
		if (f) {
			d = fig_json(f);
			zl_localday_text(day, dt, sizeof(dt));
			json_object_set_new(d, "day", json_string(dt));
			json_object_set_new(d, "source", json_string(snap ? "snapshot" : "counters"));
			json_array_append_new(a, d);
		}
		free(x.dept);
	}
	zl_st_rput(s, db);
	zl_localday_text(today, dt, sizeof(dt));   /* the window's last day, with or without figures */
	return json_pack("{s:I, s:s, s:o}", "days", (json_int_t)days, "today", dt, "trend", a);
}
