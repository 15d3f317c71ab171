/*
 * test_store_ipv6_sites.c - the site checks' results per day in the store:
 * results on three days (the AAAA record appears on the second), a second
 * check on a day replacing the first, a site checked on demand, a
 * configured site never checked; then GET /v1/ipv6/sites' answer: the
 * latest result, the day each criterion's verdict began, the summary;
 * results older than 180 days are dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "localday.h"
#include "store.h"
#include "store_ipv6.h"
#include "tap.h"
#include "zone.h"

#define US 1000000LL
#define DAY_US (86400 * US)

static char dir[32];

/* a result as zl_sitecheck_json makes it, with two criteria */
static json_t *result(const char *url, int aaaa, int home, const char *checked)
{
	return json_pack("{s:s, s:s, s:b, s:[{s:s, s:s, s:s, s:b, s:s}, {s:s, s:s, s:s, s:b, s:s}]}",
			 "url", url, "checked", checked, "ready", aaaa && home, "criteria",
			 "id", "aaaa", "name", "AAAA record", "name_zh", "AAAA 记录", "ok", aaaa,
			 "reason", aaaa ? "2001:db8::1" : "no AAAA record",
			 "id", "homepage_v6", "name", "homepage over IPv6", "name_zh", "首页 IPv6 访问",
			 "ok", home, "reason", home ? "3 of 3" : "0 of 3");
}

static void put(struct zl_store *s, const char *url, int aaaa, int home, int64_t t)
{
	char err[256] = "", when[32];
	time_t sec = (time_t)(t / US);
	json_t *r;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&sec));
	r = result(url, aaaa, home, when);
	ok(zl_store_ipv6_site_put(s, url, r, t, err, sizeof(err)) == 0, "put %s %s: %s", url, when, err);
	json_decref(r);
}

/* the local date of a time: a check's day */
static const char *day_of(int64_t t, char *buf)
{
	zl_localday_text(zl_localday_of(t), buf, 16);
	return buf;
}

static json_t *site(json_t *j, size_t i)
{
	return json_array_get(json_object_get(j, "sites"), i);
}

static json_t *crit(json_t *j, size_t i, size_t c)
{
	return json_array_get(json_object_get(site(j, i), "criteria"), c);
}

/* in the process's zone (TZ): days are local dates */
static void run(const char *tz)
{
	static const char *const urls[] = { "https://www.dazhu.gov.cn/", "http://never.example/" };
	struct zl_store_opts o = { 0 };
	struct zl_store *s;
	char db[600], err[256], d1[16], d2[16], d3[16], early[16];
	int64_t today, now, t0030;
	json_t *j;

	zone(tz);
	/* noon (local) today: a minute before is the same day; 00:30 local
	 * today (in Shanghai 16:30 UTC, on yesterday's UTC date) */
	today = zl_localday_of((int64_t)time(NULL) * US);
	now = zl_localday_start_us(today) + 12 * 3600 * US;
	t0030 = zl_localday_start_us(today) + 1800 * US;
	snprintf(dir, sizeof(dir), "/tmp/zl-store6s-XXXXXX");
	if (!mkdtemp(dir))
		return;
	snprintf(db, sizeof(db), "%s/z.db", dir);
	o.path = db;
	o.batch_ms = 20;
	s = zl_store_open(&o, err, sizeof(err));
	ok(s != NULL, "open: %s", s ? "ok" : err);
	if (!s)
		return;
	zl_store_start(s);
	/* 200 days ago (dropped by the next put), then 3 days: no AAAA, then
	 * AAAA (home still failing), then both; the last day checked twice */
	put(s, urls[0], 1, 1, now - 200 * DAY_US);
	put(s, urls[0], 0, 0, now - 2 * DAY_US);
	put(s, urls[0], 1, 0, now - DAY_US);
	put(s, urls[0], 0, 0, now - 60 * US);
	put(s, urls[0], 1, 1, now);          /* replaces the check a minute ago */
	put(s, "http://demand.example/", 0, 1, now);
	put(s, "http://early.example/", 1, 1, t0030);
	day_of(t0030, early);
	day_of(now - 2 * DAY_US, d1);
	day_of(now - DAY_US, d2);
	day_of(now, d3);

	j = zl_store_ipv6_sites(s, urls, 2, err, sizeof(err));
	ok(j != NULL, "read: %s", j ? "ok" : err);
	is_int(json_array_size(json_object_get(j, "sites")), 4, "two configured sites and two on demand");
	is_str(json_string_value(json_object_get(site(j, 0), "url")), urls[0], "configured order");
	ok(json_is_true(json_object_get(site(j, 0), "ready")), "the latest result: ready");
	is_str(json_string_value(json_object_get(crit(j, 0, 0), "since")), d2,
	       "AAAA passes since the day it appeared (yesterday)");
	is_str(json_string_value(json_object_get(crit(j, 0, 1), "since")), d3,
	       "homepage passes since today (the day's second check counts, not the first)");
	is_str(json_string_value(json_object_get(site(j, 0), "ready_since")), d3, "ready since today");
	ok(json_is_true(json_object_get(site(j, 0), "configured")), "configured");
	is_str(json_string_value(json_object_get(site(j, 1), "url")), urls[1], "the site never checked");
	ok(json_is_null(json_object_get(site(j, 1), "checked")), "with checked null");
	is_str(json_string_value(json_object_get(site(j, 2), "url")), "http://demand.example/",
	       "URLs checked on demand after the configured");
	ok(json_is_false(json_object_get(site(j, 2), "configured")), "not configured");
	is_str(json_string_value(json_object_get(crit(j, 2, 0), "since")), d3, "its verdicts since today");
	is_str(json_string_value(json_object_get(site(j, 3), "url")), "http://early.example/",
	       "a site checked at 00:30 local today");
	is_str(json_string_value(json_object_get(site(j, 3), "ready_since")), d3,
	       "is stored under today's local date, %s", d3);
	is_str(early, d3, "(its local date)");
	is_int(json_integer_value(json_object_get(json_object_get(j, "summary"), "ready")), 1,
	       "summary: one configured site ready");
	ok(json_real_value(json_object_get(json_object_get(j, "summary"), "ready_percent")) == 50.0,
	   "summary: 50%% of the configured");
	json_decref(j);
	zl_store_close(s);
	{
		sqlite3 *d = NULL;
		sqlite3_stmt *st = NULL;
		char cmd[700];

		sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL);
		sqlite3_prepare_v2(d, "SELECT count(*), min(day) FROM ipv6_site_day", -1, &st, NULL);
		ok(st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 5 &&
		   sqlite3_column_int64(st, 1) == today - 2,
		   "5 rows kept (3 days of one site, one of two others), the 200-day-old one dropped (%s)",
		   d1);
		sqlite3_finalize(st);
		sqlite3_close(d);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		ok(system(cmd) == 0, "test directory removed");
	}
}

int main(void)
{
	run("UTC");
	run("Asia/Shanghai");
	return done_testing();
}
