/*
 * test_store_localday.c - the store's answers by the gateway's local time
 * (localday.h): /v1/series' buckets of a day (Asia/Shanghai, where a UTC
 * day runs 08:00 to 08:00; New York's 25-hour day at the end of DST), of
 * an hour in a half-hour zone (Asia/Kolkata) and across a DST change; and
 * the incidents' suppressed counts by local day. The zone is set with TZ
 * and tzset, as the daemon's process gets it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_fixture.h"
#include "store_incidents.h"
#include "tap.h"
#include "zone.h"

/* One flow of 'bytes' bytes (up) from 10.0.0.1 that ended at 'when'. */
static void put(struct zl_store *s, int i, const char *when, uint64_t bytes)
{
	struct zl_flow_record r;

	flow(i, &r);
	strcpy(r.src_ip, "10.0.0.1");
	r.last_us = utc(when);
	r.first_us = r.last_us - 10 * US;
	r.src2dst_bytes = bytes;
	r.dst2src_bytes = 0;
	zl_store_put_flow(s, &r);
}

static json_t *series(struct zl_store *s, const char *from, const char *to, unsigned step)
{
	char err[256] = "";
	json_t *t = zl_store_series(s, from ? utc(from) : 0, to ? utc(to) : 0, step, "10.0.0.1",
				    NULL, err, sizeof(err));

	if (!t)
		printf("# series: %s\n", err);
	return t;
}

/* "t day bytes_up|..." of every point of a series, to compare with what
 * a user expects ("-" for no day) */
static const char *points(struct zl_store *s, const char *from, const char *to, unsigned step)
{
	static char buf[2048];
	json_t *t = series(s, from, to, step), *e;
	size_t k, n = 0;

	snprintf(buf, sizeof(buf), "%s", t ? "" : "(no answer)");
	json_array_foreach(t, k, e)
		n += (size_t)snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, "%s%s %s %lld",
				      k ? "|" : "", jstr(e, "t"), jstr(e, "day") ? jstr(e, "day") : "-",
				      jint(e, "bytes_up"));
	json_decref(t);
	return buf;
}

static void days_shanghai(struct zl_store *s)
{
	zone("Asia/Shanghai");
	/* 23:30 on the 27th, 00:30 and 23:59 on the 28th, local */
	is_str(points(s, "2026-11-26T16:00:00Z", "2026-11-28T16:00:00Z", 86400),
	       "2026-11-26T16:00:00Z 2026-11-27 1|2026-11-27T16:00:00Z 2026-11-28 6",
	       "Shanghai: a day's bucket runs from local midnight; 00:30 is on its date");
	is_str(points(s, "2026-11-27T04:00:00Z", "2026-11-28T04:00:00Z", 86400),
	       "2026-11-26T16:00:00Z 2026-11-27 1|2026-11-27T16:00:00Z 2026-11-28 2",
	       "Shanghai: from noon to noon, the whole first day and the second up to noon");
	is_str(points(s, NULL, NULL, 86400),
	       "2026-10-31T16:00:00Z 2026-11-01 32|2026-11-01T16:00:00Z 2026-11-02 96|"
	       "2026-11-19T16:00:00Z 2026-11-20 24|2026-11-26T16:00:00Z 2026-11-27 1|"
	       "2026-11-27T16:00:00Z 2026-11-28 6", "Shanghai: without a start, the days with traffic");
	/* 2026-11-25 is day 20782: two-day buckets start on even day numbers */
	is_str(points(s, "2026-11-24T16:00:00Z", "2026-11-28T16:00:00Z", 2 * 86400),
	       "2026-11-24T16:00:00Z 2026-11-25 0|2026-11-26T16:00:00Z 2026-11-27 7",
	       "Shanghai: two-day buckets are pairs of local dates, empty ones zero");
	is_str(points(s, "2026-11-27T15:00:00Z", "2026-11-27T17:00:00Z", 3600),
	       "2026-11-27T15:00:00Z - 1|2026-11-27T16:00:00Z - 2",
	       "Shanghai: hours as before (the offset is whole hours)");
}

static void hours_kolkata(struct zl_store *s)
{
	zone("Asia/Kolkata");
	/* 15:50 and 16:10 IST: two local hours, one UTC hour */
	is_str(points(s, "2026-11-20T09:30:00Z", "2026-11-20T11:30:00Z", 3600),
	       "2026-11-20T09:30:00Z - 8|2026-11-20T10:30:00Z - 16",
	       "Kolkata (UTC+5:30): an hour's bucket starts on the local hour");
	is_str(points(s, "2026-11-19T18:30:00Z", "2026-11-20T18:30:00Z", 86400),
	       "2026-11-19T18:30:00Z 2026-11-20 24",
	       "Kolkata: a day from 18:30 UTC");
}

static void dst_new_york(struct zl_store *s)
{
	long long sum = 0, prev = 0, steps = 0;
	int increasing = 1;
	size_t k;
	json_t *t, *e;

	zone("America/New_York");
	/* 2026-11-01 has 25 hours (EDT until 02:00, then EST): 04:00Z to 05:00Z next day */
	is_str(points(s, "2026-11-01T04:00:00Z", "2026-11-03T05:00:00Z", 86400),
	       "2026-11-01T04:00:00Z 2026-11-01 96|2026-11-02T05:00:00Z 2026-11-02 32",
	       "New York: the 25-hour day's bucket, 23:30 EST in it, 00:30 the next");
	t = series(s, "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", 3600);
	is_int(t ? json_array_size(t) : 0, 25, "New York: 25 hours in that day");
	json_decref(t);
	/* 2-hour steps do not divide the change: buckets still follow each
	 * other without overlap and keep every byte */
	t = series(s, "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", 7200);
	json_array_foreach(t, k, e) {
		long long at = utc(jstr(e, "t"));

		increasing &= !k || at > prev;
		prev = at;
		sum += jint(e, "bytes_up");
		steps++;
	}
	ok(t && increasing && steps >= 12 && steps <= 13, "New York: 2-hour buckets in order (%lld)",
	   steps);
	is_int(sum, 96, "New York: 2-hour buckets keep every byte");
	json_decref(t);
}

static void steps(struct zl_store *s)
{
	char err[256] = "";
	json_t *t;

	t = zl_store_series(s, utc("2026-11-01T00:00:00Z"), 0, 90000, NULL, NULL, err, sizeof(err));
	ok(!t && strstr(err, "86400"), "a step over a day that is not whole days is refused: %s", err);
	json_decref(t);
	ok(zl_store_series_step_ok(300) && zl_store_series_step_ok(86400) &&
	   zl_store_series_step_ok(7 * 86400) && !zl_store_series_step_ok(86700) &&
	   !zl_store_series_step_ok(0) && !zl_store_series_step_ok(450), "the steps allowed");
}

static void days_utc(struct zl_store *s)
{
	zone("UTC");
	is_str(points(s, "2026-11-27T00:00:00Z", "2026-11-29T00:00:00Z", 86400),
	       "2026-11-27T00:00:00Z 2026-11-27 3|2026-11-28T00:00:00Z 2026-11-28 4",
	       "UTC: days from 00:00 UTC, as ever");
}

static void suppressed(struct zl_store *s)
{
	char err[256] = "";
	json_t *j;

	zone("Asia/Shanghai");
	/* 23:30 on the 27th and 00:30 on the 28th, local */
	is_int(zl_store_incident_suppressed(s, utc("2026-11-27T15:30:00Z"), "scan", 5), 0,
	       "suppressed: 5 scans at 23:30");
	is_int(zl_store_incident_suppressed(s, utc("2026-11-27T16:30:00Z"), "scan", 7), 0,
	       "suppressed: 7 scans at 00:30");
	j = zl_store_incident_suppressed_sum(s, utc("2026-11-27T16:00:00Z"), err, sizeof(err));
	is_int(j ? jint(j, "scan") : -1, 7, "suppressed: since local midnight, that day's only");
	json_decref(j);
	j = zl_store_incident_suppressed_sum(s, utc("2026-11-28T03:00:00Z"), err, sizeof(err));
	is_int(j ? jint(j, "scan") : -1, 7, "suppressed: since 11:00, the whole local day");
	json_decref(j);
	j = zl_store_incident_suppressed_sum(s, 0, err, sizeof(err));
	is_int(j ? jint(j, "scan") : -1, 12, "suppressed: all kept");
	json_decref(j);
}

int main(void)
{
	struct zl_store *s;

	if (fixture_init() < 0)
		return 1;
	/* the data are of November 2026: kept for a century */
	s = open_store(pathf("zl.db"), 36500, 0, 0);
	ok(s != NULL && zl_store_start(s) == 0, "store");
	if (!s)
		return done_testing();
	put(s, 1, "2026-11-27T15:30:00Z", 1);     /* Shanghai 27th 23:30 */
	put(s, 2, "2026-11-27T16:30:00Z", 2);     /* Shanghai 28th 00:30 */
	put(s, 3, "2026-11-28T15:59:00Z", 4);     /* Shanghai 28th 23:59 */
	put(s, 4, "2026-11-20T10:20:00Z", 8);     /* Kolkata 15:50 */
	put(s, 5, "2026-11-20T10:40:00Z", 16);    /* Kolkata 16:10 */
	put(s, 6, "2026-11-01T05:30:00Z", 32);    /* New York 01:30 EDT */
	put(s, 7, "2026-11-02T04:30:00Z", 64);    /* New York 23:30 EST */
	put(s, 8, "2026-11-02T05:30:00Z", 32);    /* New York 00:30 the next day */
	ok(settle(s, 20000) == 0, "the writer catches up");
	days_shanghai(s);
	hours_kolkata(s);
	dst_new_york(s);
	steps(s);
	days_utc(s);
	suppressed(s);
	zl_store_close(s);
	fixture_cleanup();
	return done_testing();
}
