/*
 * store_ipv6_sites.c - the IPv6 readiness checks' results per site and day
 * (store_ipv6.h): the day's last result of each site, kept 180 days, and
 * the read behind GET /v1/ipv6/sites: each site's latest result with the
 * day each criterion last changed (so the page shows when a site became
 * ready or broke); and the monthly report's read of a period.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "localday.h"
#include "log.h"
#include "store-int.h"
#include "store_ipv6.h"

#define STR_(x) #x
#define STR(x) STR_(x)

const char zl_st_ipv6_sites_schema[] =
	/*
	 * The site checks' results (store_ipv6_sites.c): one row per site and
	 * day (UTC days in rows written before the daemon counted local days,
	 * local dates since: localday.h), the day's last check. oks:
	 * {"criterion id": 0 or 1} for the history of each criterion without
	 * parsing whole results; result: the check's JSON (sitecheck.h).
	 */
	"CREATE TABLE ipv6_site_day ("
	" url TEXT NOT NULL, day INTEGER NOT NULL, checked INTEGER NOT NULL,"
	" ready INTEGER NOT NULL, oks TEXT NOT NULL, result TEXT NOT NULL,"
	" PRIMARY KEY (url, day)) WITHOUT ROWID;";

int zl_store_ipv6_site_put(struct zl_store *s, const char *url, const json_t *result,
			   int64_t now_us, char *err, size_t errlen)
{
	static const char *const sql[] = {
		"INSERT OR REPLACE INTO ipv6_site_day (url, day, checked, ready, oks, result) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		"DELETE FROM ipv6_site_day WHERE day < ?2 - " STR(ZL_IPV6_KEEP_DAYS),
	};
	int64_t day = zl_localday_of(now_us);
	json_t *oks = json_object(), *c;
	char *oks_s = NULL, *res_s = json_dumps(result, JSON_COMPACT);
	int rc = SQLITE_NOMEM;
	size_t i;

	json_array_foreach(json_object_get(result, "criteria"), i, c)
		json_object_set_new(oks, json_string_value(json_object_get(c, "id")) ?: "?",
				    json_integer(json_is_true(json_object_get(c, "ok"))));
	oks_s = json_dumps(oks, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(oks);
	pthread_mutex_lock(&s->wlock);
	if (oks_s && res_s)
		rc = zl_st_step_reset(s->begin, err, errlen);
	for (i = 0; i < ARRAY_SIZE(sql) && rc == SQLITE_DONE; i++) {
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(s->wdb, sql[i], -1, &st, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(s->wdb));
			rc = SQLITE_ERROR;
			break;
		}
		sqlite3_bind_int64(st, 2, day);
		if (i == 0) {
			sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, now_us);
			sqlite3_bind_int(st, 4, json_is_true(json_object_get(result, "ready")));
			sqlite3_bind_text(st, 5, oks_s, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 6, res_s, -1, SQLITE_STATIC);
		}
		rc = zl_st_step_reset(st, err, errlen);
		sqlite3_finalize(st);
	}
	if (rc == SQLITE_DONE)
		rc = zl_st_step_reset(s->commit, err, errlen);
	if (rc != SQLITE_DONE && !sqlite3_get_autocommit(s->wdb))
		zl_st_step_reset(s->rollback, NULL, 0);
	pthread_mutex_unlock(&s->wlock);
	free(oks_s);
	free(res_s);
	if (rc == SQLITE_NOMEM)
		snprintf(err, errlen, "out of memory");
	return rc == SQLITE_DONE ? 0 : -1;
}

/* One site's history, folded row by row (oldest first). */
struct site {
	json_t *latest;      /* the last row's result */
	json_t *since;       /* criterion id -> the day its verdict began */
	json_t *last;        /* criterion id -> that verdict */
	int64_t ready_since, last_ready;
};

static void fold(struct site *x, int64_t day, int ready, const char *oks)
{
	json_t *o = json_loads(oks, 0, NULL), *v;
	const char *id;
	char dt[16];

	zl_localday_text(day, dt, sizeof(dt));
	json_object_foreach(o, id, v) {
		json_t *was = json_object_get(x->last, id);

		if (!was || json_integer_value(was) != json_integer_value(v)) {
			json_object_set(x->last, id, v);
			json_object_set_new(x->since, id, json_string(dt));
		}
	}
	json_decref(o);
	if (x->ready_since < 0 || x->last_ready != ready)
		x->ready_since = day;
	x->last_ready = ready;
}

/* The site's entry: its latest result with "since" in each criterion. */
static json_t *site_json(const char *url, struct site *x, int configured)
{
	json_t *e = x->latest ? x->latest : json_pack("{s:s, s:n, s:n}", "url", url,
							"checked", "ready");
	json_t *c;
	char dt[16];
	size_t i;

	x->latest = NULL;
	json_object_set_new(e, "configured", json_boolean(configured));
	if (x->ready_since >= 0) {
		zl_localday_text(x->ready_since, dt, sizeof(dt));
		json_object_set_new(e, "ready_since", json_string(dt));
	}
	json_array_foreach(json_object_get(e, "criteria"), i, c) {
		json_t *since = json_object_get(x->since,
						json_string_value(json_object_get(c, "id")) ?: "");
		json_object_set(c, "since", since ? since : json_null());
	}
	return e;
}

static void site_reset(struct site *x)
{
	json_decref(x->latest);
	json_decref(x->since);
	json_decref(x->last);
	*x = (struct site){ NULL, json_object(), json_object(), -1, -1 };
}

json_t *zl_store_ipv6_sites(struct zl_store *s, const char *const *urls, size_t n,
			    char *err, size_t errlen)
{
	sqlite3 *db = zl_st_rget(s);
	sqlite3_stmt *st = zl_st_rprepare(s, db, "SELECT url, day, ready, oks, result "
					  "FROM ipv6_site_day ORDER BY url, day", err, errlen);
	json_t *found = json_object(), *a = json_array(), *out = NULL, *e;
	struct site x = { 0 };
	char cur[2048] = "";
	int rc = SQLITE_ERROR, checked = 0, ready = 0;
	const char *u;
	size_t i;

	site_reset(&x);
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *url = (const char *)sqlite3_column_text(st, 0);

		if (strcmp(url, cur)) {
			if (*cur)
				json_object_set_new(found, cur, site_json(cur, &x, 0));
			site_reset(&x);
			snprintf(cur, sizeof(cur), "%s", url);
		}
		fold(&x, sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2),
		     (const char *)sqlite3_column_text(st, 3));
		json_decref(x.latest);
		x.latest = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
	}
	if (*cur && rc == SQLITE_DONE)
		json_object_set_new(found, cur, site_json(cur, &x, 0));
	site_reset(&x);
	/* the configured sites in their order (checked or not yet), then the
	 * others checked on demand */
	for (i = 0; i < n; i++) {
		if ((e = json_object_get(found, urls[i]))) {
			json_incref(e);
			json_object_del(found, urls[i]);
			json_object_set_new(e, "configured", json_true());
		} else {
			e = site_json(urls[i], &x, 1);
			site_reset(&x);
		}
		checked += !json_is_null(json_object_get(e, "checked"));
		ready += json_is_true(json_object_get(e, "ready"));
		json_array_append_new(a, e);
	}
	json_object_foreach(found, u, e)
		json_array_append(a, e);
	json_decref(found);
	json_decref(x.since);
	json_decref(x.last);
	if ((a = st ? zl_st_rdone(s, db, st, rc, a, err, errlen) : (json_decref(a), NULL)))
		out = json_pack("{s:o, s:{s:i, s:i, s:i, s:f}}", "sites", a, "summary",
				"configured", (int)n, "checked", checked, "ready", ready,
				"ready_percent", n ? 100.0 * ready / (double)n : 0.0);
	zl_st_rput(s, db);
	return out;
}

json_t *zl_store_ipv6_sites_period(struct zl_store *s, int64_t from_day, int64_t to_day,
				   char *err, size_t errlen)
{
	sqlite3 *db = zl_st_rget(s);
	sqlite3_stmt *st = zl_st_rprepare(s, db,
		"SELECT d.url, g.n, g.nr, d.checked, d.ready, d.result FROM ipv6_site_day d"
		" JOIN (SELECT url, count(*) AS n, sum(ready) AS nr, max(day) AS last"
		"  FROM ipv6_site_day WHERE day BETWEEN :from AND :to GROUP BY url) g"
		" ON d.url = g.url AND d.day = g.last ORDER BY d.url", err, errlen);
	json_t *a = json_array(), *res, *crit;
	int rc = SQLITE_ERROR;

	if (!st) {
		json_decref(a);
		zl_st_rput(s, db);
		return NULL;
	}
	zl_st_bind_int(st, ":from", from_day);
	zl_st_bind_int(st, ":to", to_day);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		res = json_loads((const char *)sqlite3_column_text(st, 5), 0, NULL);
		crit = json_object_get(res, "criteria");
		json_array_append_new(a, json_pack("{s:o, s:I, s:I, s:I, s:b, s:o}",
			"url", zl_st_jtext(sqlite3_column_text(st, 0)),
			"days", (json_int_t)sqlite3_column_int64(st, 1),
			"ready_days", (json_int_t)sqlite3_column_int64(st, 2),
			"checked", (json_int_t)sqlite3_column_int64(st, 3),
			"ready", sqlite3_column_int(st, 4),
			"criteria", crit ? json_incref(crit) : json_array()));
		json_decref(res);
	}
	a = zl_st_rdone(s, db, st, rc, a, err, errlen);
	zl_st_rput(s, db);
	return a;
}
