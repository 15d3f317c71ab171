/*
 * test_store.c - the store against a real SQLite file: 10,000 flows
 * through the writer and back, aggregates that sum exactly, the queries'
 * filters and paging, retention, migration from v1, damaged and missing
 * files, a full queue, and (as root) a full disk that empties again.
 *
 * The test opens the database itself with SQLite to check what the store
 * cannot show through its interface (schema version, raw aggregates).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "store.h"
#include "tap.h"

#define US 1000000LL
#define NFLOWS 10000
#define NHOSTS 10
#define NBUCKETS 6
#define NAPPS 5

static const char *apps[NAPPS] = { "TLS.YouTube", "DNS.Google", "HTTP", "TLS.Douyin",
				   "QUIC.YouTube" };
static const char *cats[NAPPS] = { "Media", "Network", "Web", "Video", "Media" };

static char dir[] = "/tmp/zl-store-XXXXXX";
static int64_t base_s;          /* the first 5-minute bucket of the data set */

static char *pathf(const char *name)
{
	static char p[4][600];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Flow i of the data set: bucket i % 6, source host i % 10, app i % 5;
 * every hundredth one goes to 10.0.0.3. */
static void flow(int i, struct zl_flow_record *r)
{
	int64_t b = i % NBUCKETS;

	memset(r, 0, sizeof(*r));
	r->last_us = (base_s + b * 300 + i % 297) * US + i % 1000;
	r->first_us = r->last_us - (i % 50) * US;
	strcpy(r->proto, i % 2 ? "TCP" : "UDP");
	snprintf(r->src_ip, sizeof(r->src_ip), "10.0.0.%d", 1 + i % NHOSTS);
	if (i % 100 == 0)
		strcpy(r->dst_ip, "10.0.0.3");
	else
		snprintf(r->dst_ip, sizeof(r->dst_ip), "192.0.2.%d", i % 7);
	r->src_port = (uint16_t)(1024 + i % 60000);
	r->dst_port = 443;
	r->vlan = (uint16_t)(i % 3);
	r->ip_version = 4;
	r->iface = 1;
	snprintf(r->app, sizeof(r->app), "%s", apps[i % NAPPS]);
	r->app_id = (uint16_t)(100 + i % NAPPS);
	r->master_id = 91;
	snprintf(r->category, sizeof(r->category), "%s", cats[i % NAPPS]);
	strcpy(r->risks, i % 3 == 0 ? "" : i % 3 == 1 ? "Risky,Obsolete TLS" : "Known Proto on Non Std Port");
	if (i % 4)
		snprintf(r->host, sizeof(r->host), "h%d.example.com", i);
	strcpy(r->end_reason, "idle");
	strcpy(r->confidence, "DPI");
	r->src2dst_packets = 1 + (uint64_t)(i % 13);
	r->dst2src_packets = (uint64_t)(i % 7);
	r->src2dst_bytes = 100 * (1 + (uint64_t)(i % 13)) + (uint64_t)i;
	r->dst2src_bytes = 1500 * (uint64_t)(i % 7);
}

static void rfc3339(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / US);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06dZ", (int)(us % US));
}

static struct zl_store *open_store(const char *path, unsigned retention, unsigned queue,
				   unsigned batch_ms)
{
	struct zl_store_opts o = { path, retention, queue, batch_ms };
	char err[512] = "";
	struct zl_store *s = zl_store_open(&o, err, sizeof(err));

	if (!s)
		printf("# open %s: %s\n", path, err);
	return s;
}

/* Wait until the writer has dealt with every queued record. */
static int settle(struct zl_store *s, int timeout_ms)
{
	struct zl_store_stats st;
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 5) {
		zl_store_stats(s, &st);
		if (st.pending == 0 && st.written + st.dropped >= st.queued)
			return 0;
		sleep_ms(5);
	}
	return -1;
}

static long long sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static sqlite3 *raw(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		printf("# sqlite3_open %s: %s\n", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* Every row a query matches, counted through its pages ("more"). */
static long long total_of(struct zl_store *s, const struct zl_flow_query *q0)
{
	struct zl_flow_query q = *q0;
	char err[256];
	long long n = 0;
	json_t *j;
	int more;

	q.limit = 10000;
	q.offset = 0;
	do {
		if (!(j = zl_store_flows(s, &q, err, sizeof(err)))) {
			printf("# flows: %s\n", err);
			return -1;
		}
		n += (long long)json_array_size(json_object_get(j, "flows"));
		more = json_is_true(json_object_get(j, "more"));
		q.offset += q.limit;
		json_decref(j);
	} while (more);
	return n;
}

static long long jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---- 10,000 flows through the writer and back ---- */

static void test_roundtrip(void)
{
	const char *path = pathf("zl.db");
	struct zl_flow_record r;
	struct zl_store_stats st;
	struct zl_store *s;
	struct stat sb;
	sqlite3 *db;
	long long pk = 0, by = 0;
	int i, fails = 0;

	s = open_store(path, 0, 0, 50);
	ok(s != NULL, "a new database is created in an empty directory");
	if (!s)
		return;
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "created with mode 0600 (got %o)",
	   (unsigned)(sb.st_mode & 0777));
	is_int(zl_store_start(s), 0, "writer starts");
	is_int(zl_store_start(s), -EALREADY, "a second start is refused");
	for (i = 0; i < NFLOWS; i++) {
		flow(i, &r);
		fails += zl_store_put_flow(s, &r) != 0;
		pk += (long long)(r.src2dst_packets + r.dst2src_packets);
		by += (long long)(r.src2dst_bytes + r.dst2src_bytes);
	}
	is_int(fails, 0, "10000 flows queued");
	ok(settle(s, 20000) == 0, "the writer catches up");
	zl_store_stats(s, &st);
	is_int(st.written, NFLOWS, "stats: written");
	is_int(st.queued, NFLOWS, "stats: queued");
	is_int(st.dropped, 0, "stats: nothing dropped");
	is_int(st.writable, 1, "stats: writable");
	ok(st.db_bytes > 0, "stats: db_bytes %llu", (unsigned long long)st.db_bytes);
	zl_store_close(s);

	db = raw(path);
	is_int(sql_int(db, "PRAGMA user_version"), zl_store_schema_version(), "schema at the current version");
	is_int(sql_int(db, "SELECT count(*) FROM flows"), NFLOWS, "every flow is in the file after close");
	is_int(sql_int(db, "SELECT sum(packets_up + packets_down) FROM agg5m"), pk,
	       "aggregate packets sum to the flows' packets");
	is_int(sql_int(db, "SELECT sum(bytes_up + bytes_down) FROM agg5m"), by,
	       "aggregate bytes sum to the flows' bytes");
	is_int(sql_int(db, "SELECT sum(flows) FROM agg5m"), NFLOWS, "aggregate flow counts sum to 10000");
	is_int(sql_int(db, "SELECT count(*) FROM agg5m"), 30, "one aggregate row per bucket, host and app");
	is_int(sql_int(db, "SELECT count(*) FROM agg5m WHERE bucket % 300 != 0"), 0, "buckets 5-minute aligned");
	/* every aggregate row equals its flows, column by column */
	is_int(sql_int(db,
		"SELECT count(*) FROM agg5m a LEFT JOIN (SELECT last_us / 1000000 - "
		"(last_us / 1000000) % 300 AS b, src_ip, app, sum(src2dst_packets) pu, "
		"sum(dst2src_packets) pd, sum(src2dst_bytes) bu, sum(dst2src_bytes) bd, "
		"count(*) n FROM flows GROUP BY 1, 2, 3) f ON a.bucket = f.b AND "
		"a.host = f.src_ip AND a.app = f.app WHERE f.n IS NULL OR a.packets_up != f.pu "
		"OR a.packets_down != f.pd OR a.bytes_up != f.bu OR a.bytes_down != f.bd "
		"OR a.flows != f.n"), 0, "each aggregate row equals the sums of its flows");
	is_int(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('access_log', "
		       "'incidents', 'policy_versions', 'audit', 'flows_last', 'flows_src', "
		       "'flows_dst', 'flows_app')"), 8, "tables and indexes exist");
	sqlite3_close(db);
}

static void test_flows(struct zl_store *s)
{
	struct zl_flow_query q = { 0 };
	struct zl_flow_record r;
	int64_t newest = -1;
	char err[256], want[48];
	json_t *j, *f, *a, *b;
	int i, newest_i = 0, in_range = 0, combined = 0;
	size_t k;

	for (i = 0; i < NFLOWS; i++) {
		flow(i, &r);
		if (r.last_us >= newest) {
			newest = r.last_us;
			newest_i = i;
		}
		if (r.last_us < (base_s + 600) * US || r.last_us >= (base_s + 1200) * US)
			continue;
		in_range++;
		combined += (!strcmp(r.src_ip, "10.0.0.3") || !strcmp(r.dst_ip, "10.0.0.3")) &&
			    !strcmp(r.app, "HTTP");
	}
	j = zl_store_flows(s, &q, err, sizeof(err));
	ok(j != NULL, "flows: unfiltered query");
	if (!j)
		return;
	ok(json_is_true(json_object_get(j, "more")), "flows: more than a page says so");
	is_int(total_of(s, &q), NFLOWS, "flows: the pages hold every row");
	is_int(json_array_size(json_object_get(j, "flows")), 100, "flows: default limit 100");
	f = json_array_get(json_object_get(j, "flows"), 0);
	flow(newest_i, &r);
	rfc3339(r.last_us, want, sizeof(want));
	is_str(jstr(f, "last_seen"), want, "flows: newest first, last_seen as RFC 3339 UTC");
	rfc3339(r.first_us, want, sizeof(want));
	is_str(jstr(f, "first_seen"), want, "flows: first_seen");
	is_str(jstr(f, "src_ip"), r.src_ip, "flows: src_ip");
	is_str(jstr(f, "dst_ip"), r.dst_ip, "flows: dst_ip");
	is_int(jint(f, "src_port"), r.src_port, "flows: src_port");
	is_int(jint(f, "dst_port"), 443, "flows: dst_port");
	is_str(jstr(f, "proto"), r.proto, "flows: proto");
	is_str(jstr(f, "app"), r.app, "flows: app");
	is_int(jint(f, "app_id"), r.app_id, "flows: app_id");
	is_str(jstr(f, "category"), r.category, "flows: category");
	is_int(jint(f, "vlan"), r.vlan, "flows: vlan");
	is_int(jint(f, "interface"), 1, "flows: interface");
	is_int(jint(f, "packets"), (long long)(r.src2dst_packets + r.dst2src_packets), "flows: packets");
	is_int(jint(f, "bytes"), (long long)(r.src2dst_bytes + r.dst2src_bytes), "flows: bytes");
	is_int(jint(f, "dst2src_bytes"), (long long)r.dst2src_bytes, "flows: dst2src_bytes");
	is_int(json_array_size(json_object_get(f, "risks")), r.risks[0] ? (strchr(r.risks, ',') ? 2 : 1) : 0,
	       "flows: risks as an array");
	ok(r.host[0] ? !strcmp(jstr(f, "host"), r.host) : json_is_null(json_object_get(f, "host")),
	   "flows: host (null when empty)");
	for (k = 1; k < json_array_size(json_object_get(j, "flows")); k++)
		if (strcmp(jstr(json_array_get(json_object_get(j, "flows"), k - 1), "last_seen"),
			   jstr(json_array_get(json_object_get(j, "flows"), k), "last_seen")) < 0)
			break;
	is_int(k, 100, "flows: ordered newest first");
	json_decref(j);

	q.host = "10.0.0.3";
	is_int(total_of(s, &q), 1000 + 100, "flows: host matches source or destination");
	q.host = NULL;
	q.app = "TLS.YouTube";
	is_int(total_of(s, &q), 2000, "flows: app by full name");
	q.app = "YouTube";
	is_int(total_of(s, &q), 4000, "flows: app by its last part");
	q.app = "Tube";
	is_int(total_of(s, &q), 0, "flows: a part is matched whole");
	q.app = "TLS.YouTube' OR 1=1 --";
	is_int(total_of(s, &q), 0, "flows: quotes in a filter are data");
	q.app = NULL;
	q.category = "Media";
	is_int(total_of(s, &q), 4000, "flows: category");
	q.category = NULL;
	q.from_us = (base_s + 600) * US;
	q.to_us = (base_s + 1200) * US;
	is_int(total_of(s, &q), in_range, "flows: time range [from, to)");
	q.host = "10.0.0.3";
	q.app = "HTTP";
	ok(combined > 0, "flows: the data set has flows for a combined filter");
	is_int(total_of(s, &q), combined, "flows: host, app and time range together");

	/* paging: two pages of 50 are the first page of 100 */
	memset(&q, 0, sizeof(q));
	q.limit = 100;
	j = zl_store_flows(s, &q, err, sizeof(err));
	q.limit = 50;
	a = zl_store_flows(s, &q, err, sizeof(err));
	q.offset = 50;
	b = zl_store_flows(s, &q, err, sizeof(err));
	ok(j && a && b, "flows: pages");
	if (j && a && b) {
		json_t *all = json_object_get(j, "flows");
		int same = 1;

		for (k = 0; k < 50; k++) {
			same &= json_equal(json_array_get(all, k), json_array_get(json_object_get(a, "flows"), k));
			same &= json_equal(json_array_get(all, 50 + k), json_array_get(json_object_get(b, "flows"), k));
		}
		ok(same, "flows: offset 0 and 50 with limit 50 are the first 100");
		ok(json_is_true(json_object_get(b, "more")), "flows: a middle page says there is more");
	}
	json_decref(j);
	json_decref(a);
	json_decref(b);
	q.offset = NFLOWS - 10;
	q.limit = 100;
	j = zl_store_flows(s, &q, err, sizeof(err));
	is_int(j ? json_array_size(json_object_get(j, "flows")) : 0, 10, "flows: the last page is short");
	json_decref(j);
}

static void test_top(struct zl_store *s)
{
	long long app_bytes[NAPPS] = { 0 }, host_bytes[NHOSTS] = { 0 }, b5 = 0, f5 = 0;
	struct zl_flow_record r;
	char err[256];
	json_t *t, *e;
	size_t k;
	int i, sorted = 1, match = 0, top = 0;

	for (i = 0; i < NFLOWS; i++) {
		flow(i, &r);
		app_bytes[i % NAPPS] += (long long)(r.src2dst_bytes + r.dst2src_bytes);
		host_bytes[i % NHOSTS] += (long long)(r.src2dst_bytes + r.dst2src_bytes);
		if (i % NBUCKETS == 5) {
			b5 += (long long)(r.src2dst_bytes + r.dst2src_bytes);
			f5++;
		}
	}
	for (i = 1; i < NHOSTS; i++)
		if (host_bytes[i] > host_bytes[top])
			top = i;
	t = zl_store_top(s, "apps", 0, 0, 0, err, sizeof(err));
	ok(t != NULL, "top apps");
	is_int(json_array_size(t), NAPPS, "top apps: every app");
	json_array_foreach(t, k, e) {
		if (k && jint(json_array_get(t, k - 1), "bytes") < jint(e, "bytes"))
			sorted = 0;
		for (i = 0; i < NAPPS; i++)
			match += !strcmp(jstr(e, "name"), apps[i]) && jint(e, "bytes") == app_bytes[i] &&
				 jint(e, "flows") == NFLOWS / NAPPS;
	}
	ok(sorted, "top apps: by bytes, largest first");
	is_int(match, NAPPS, "top apps: bytes and flows per app");
	json_decref(t);

	t = zl_store_top(s, "hosts", 0, 0, 3, err, sizeof(err));
	is_int(t ? json_array_size(t) : 0, 3, "top hosts: limit");
	snprintf(err, sizeof(err), "10.0.0.%d", top + 1);
	is_str(t ? jstr(json_array_get(t, 0), "name") : NULL, err, "top hosts: the biggest first");
	is_int(t ? jint(json_array_get(t, 0), "bytes") : 0, host_bytes[top], "top hosts: its bytes");
	json_decref(t);

	t = zl_store_top(s, "categories", 0, 0, 10, err, sizeof(err));
	is_int(t ? json_array_size(t) : 0, 4, "top categories");
	json_decref(t);

	t = zl_store_top(s, "apps", (base_s + 1500) * US, 0, 10, err, sizeof(err));
	{
		long long f = 0, b = 0;

		json_array_foreach(t, k, e) {
			f += jint(e, "flows");
			b += jint(e, "bytes");
		}
		is_int(f, f5, "top from a time: the last bucket's flows");
		is_int(b, b5, "top from a time: the last bucket's bytes");
	}
	json_decref(t);

	t = zl_store_top(s, "users", 0, 0, 10, err, sizeof(err));
	ok(!t && strstr(err, "hosts"), "top: unknown 'what' refused: %s", err);
}

static void test_series(struct zl_store *s)
{
	long long up[NBUCKETS] = { 0 }, down[NBUCKETS] = { 0 }, pk[NBUCKETS] = { 0 }, n[NBUCKETS] = { 0 };
	long long h1 = 0;
	struct zl_flow_record r;
	char err[256], want[48];
	json_t *t, *e;
	int i, good = 0;
	size_t k;

	for (i = 0; i < NFLOWS; i++) {
		flow(i, &r);
		up[i % NBUCKETS] += (long long)r.src2dst_bytes;
		down[i % NBUCKETS] += (long long)r.dst2src_bytes;
		pk[i % NBUCKETS] += (long long)(r.src2dst_packets + r.dst2src_packets);
		n[i % NBUCKETS]++;
		if (i % NHOSTS == 0)
			h1 += (long long)(r.src2dst_bytes + r.dst2src_bytes);
	}
	t = zl_store_series(s, base_s * US, (base_s + 1800) * US, 300, NULL, NULL, err, sizeof(err));
	ok(t != NULL, "series: 5-minute steps");
	is_int(t ? json_array_size(t) : 0, NBUCKETS, "series: one point per bucket");
	json_array_foreach(t, k, e)
		good += jint(e, "bytes_up") == up[k] && jint(e, "bytes_down") == down[k] &&
			jint(e, "packets") == pk[k] && jint(e, "flows") == n[k];
	is_int(good, NBUCKETS, "series: every bucket's bytes up/down, packets and flows");
	{
		time_t tt = (time_t)base_s;
		struct tm tm;

		gmtime_r(&tt, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	is_str(t ? jstr(json_array_get(t, 0), "t") : NULL, want, "series: t as RFC 3339 UTC");
	json_decref(t);

	/* 15-minute steps aligned to the epoch: the data's buckets fold in threes
	 * or split across steps depending on base_s, but the sum is the same */
	t = zl_store_series(s, base_s * US, (base_s + 1800) * US, 900, NULL, NULL, err, sizeof(err));
	{
		long long sum = 0, all = 0;

		json_array_foreach(t, k, e)
			sum += jint(e, "flows");
		for (i = 0; i < NBUCKETS; i++)
			all += n[i];
		ok(t && json_array_size(t) >= 2 && json_array_size(t) <= 3, "series: 900 s steps");
		is_int(sum, all, "series: 900 s steps keep every flow");
	}
	json_decref(t);

	t = zl_store_series(s, (base_s - 900) * US, (base_s + 1800) * US, 300, NULL, NULL, err, sizeof(err));
	is_int(t ? json_array_size(t) : 0, NBUCKETS + 3, "series: steps without traffic are zeros");
	is_int(t ? jint(json_array_get(t, 0), "flows") : -1, 0, "series: leading zero point");
	json_decref(t);

	t = zl_store_series(s, base_s * US, 0, 300, NULL, NULL, err, sizeof(err));
	k = t ? json_array_size(t) : 0;
	ok(k == (size_t)((now_s() - base_s) / 300 + 1) || k == (size_t)((now_s() - base_s) / 300 + 2),
	   "series: an open end is filled up to now (%zu points)", k);
	json_decref(t);

	t = zl_store_series(s, base_s * US, (base_s + 1800) * US, 300, "10.0.0.1", NULL, err, sizeof(err));
	{
		long long sum = 0;

		json_array_foreach(t, k, e)
			sum += jint(e, "bytes_up") + jint(e, "bytes_down");
		is_int(sum, h1, "series: one host");
	}
	json_decref(t);
	t = zl_store_series(s, base_s * US, (base_s + 1800) * US, 300, NULL, "YouTube", err, sizeof(err));
	{
		long long sum = 0;

		json_array_foreach(t, k, e)
			sum += jint(e, "flows");
		is_int(sum, 4000, "series: one app by its last part");
	}
	json_decref(t);
	t = zl_store_series(s, 0, 0, 301, NULL, NULL, err, sizeof(err));
	ok(!t && strstr(err, "300"), "series: step not a multiple of 300 refused: %s", err);
}

static void test_audit(struct zl_store *s, const char *path)
{
	char err[256];
	json_t *a;
	int64_t t0;
	sqlite3 *db;

	is_int(zl_store_audit(s, "uid 0 (root)", "reload", "ok"), 0, "audit: insert");
	sleep_ms(2);
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		t0 = (int64_t)ts.tv_sec * US + ts.tv_nsec / 1000;
	}
	is_int(zl_store_audit(s, "uid 1000 (ana)", "policy", NULL), 0, "audit: detail may be NULL");
	is_int(zl_store_audit(s, NULL, "login", "from 192.0.2.9"), 0, "audit: who may be NULL");
	is_int(zl_store_audit(s, "x", NULL, "y"), -EINVAL, "audit: action is required");
	a = zl_store_audit_list(s, 0, 0, 0, err, sizeof(err));
	is_int(a ? json_array_size(a) : 0, 3, "audit: list");
	is_str(a ? jstr(json_array_get(a, 0), "action") : NULL, "login", "audit: newest first");
	is_str(a ? jstr(json_array_get(a, 2), "who") : NULL, "uid 0 (root)", "audit: who");
	is_str(a ? jstr(json_array_get(a, 1), "detail") : NULL, "", "audit: NULL detail is empty");
	ok(a && strlen(jstr(json_array_get(a, 0), "ts")) == 27, "audit: ts as RFC 3339 with microseconds");
	json_decref(a);
	a = zl_store_audit_list(s, t0, 0, 0, err, sizeof(err));
	is_int(a ? json_array_size(a) : 0, 2, "audit: from");
	json_decref(a);
	a = zl_store_audit_list(s, 0, t0, 0, err, sizeof(err));
	is_int(a ? json_array_size(a) : 0, 1, "audit: to");
	json_decref(a);
	a = zl_store_audit_list(s, 0, 0, 1, err, sizeof(err));
	is_int(a ? json_array_size(a) : 0, 1, "audit: limit");
	json_decref(a);
	db = raw(path);
	ok(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL) != SQLITE_OK &&
	   strstr(sqlite3_errmsg(db), "append-only"), "audit: rows cannot be deleted");
	ok(sqlite3_exec(db, "UPDATE audit SET who = 'nobody'", NULL, NULL, NULL) != SQLITE_OK,
	   "audit: rows cannot be changed");
	sqlite3_close(db);
}

/* ---- the access log ---- */

#define NACCESS 250

static const char *const al_depts[] = { "财务科", "办公室", "信息中心" };
static const char *const al_owners[] = { "张三", "李四", "王五", "赵六", "钱七" };
static const char *const al_apps[] = { "TLS.Douyin", "QUIC.Douyin", "Douyin", "TLS.NotDouyin",
				       "HTTP" };
static const char *const al_domains[] = { "example.com", "a.example.com", "b.c.example.com",
					  "badexample.com", "example.com.cn", "other.org" };
static int64_t al_base_us;

/* Row i (its id is i + 1): the times are shuffled and come in threes, so
 * id order is not time order and pages end inside a run of equal times. */
static void arec(int i, struct zl_access_record *r)
{
	memset(r, 0, sizeof(*r));
	r->ts = al_base_us + (int64_t)(((i * 37) % NACCESS) / 3) * US;
	snprintf(r->client_ip, sizeof(r->client_ip), "10.1.0.%d", 1 + i % 5);
	snprintf(r->host_name, sizeof(r->host_name), "PC-%d", i % 5);
	snprintf(r->department, sizeof(r->department), "%s", al_depts[i % 3]);
	snprintf(r->owner, sizeof(r->owner), "%s", al_owners[i % 5]);
	snprintf(r->app, sizeof(r->app), "%s", al_apps[i % 5]);
	snprintf(r->category, sizeof(r->category), "Video");
	snprintf(r->domain, sizeof(r->domain), "%s", al_domains[i % 6]);
	snprintf(r->server_ip, sizeof(r->server_ip), "192.0.2.%d", i % 200);
	r->server_port = (uint16_t)(i % 2 ? 443 : 80);
	r->bytes_up = 100 + (uint64_t)i;
	r->bytes_down = 5000 + (uint64_t)i;
	snprintf(r->action, sizeof(r->action), "%s", i % 7 == 0 ? "block" : i % 7 == 1 ? "limit" : "audit");
	snprintf(r->rule, sizeof(r->rule), "policy.conf:%d", 10 + i % 4);
}

/* The search's meaning, written independently of the SQL. */
static int access_matches(const struct zl_access_record *r, const struct zl_access_query *q)
{
	const char *dot;
	size_t n, m;

	if ((q->from_us && r->ts < q->from_us) || (q->to_us && r->ts >= q->to_us))
		return 0;
	if ((q->department && strcmp(r->department, q->department)) ||
	    (q->owner && strcmp(r->owner, q->owner)) || (q->action && strcmp(r->action, q->action)))
		return 0;
	if (q->host && strcmp(r->client_ip, q->host) && strcmp(r->host_name, q->host))
		return 0;
	if (q->app && strcmp(r->app, q->app) &&
	    (strchr(q->app, '.') || !(dot = strrchr(r->app, '.')) || strcmp(dot + 1, q->app)))
		return 0;
	if (q->domain && !strncmp(q->domain, "*.", 2)) {
		n = strlen(r->domain);
		m = strlen(q->domain + 1);           /* ".example.com" */
		if (strcmp(r->domain, q->domain + 2) && (n <= m || strcmp(r->domain + n - m, q->domain + 1)))
			return 0;
	} else if (q->domain && strcmp(r->domain, q->domain)) {
		return 0;
	}
	return 1;
}

/* Page through q, 'page' rows at a time, and compare every page with the
 * rows that match, in (ts, id) descending order. */
static void access_check(struct zl_store *s, struct zl_access_query q, unsigned page,
			 const char *what)
{
	struct zl_access_record r;
	int want[NACCESS], nwant = 0, got = 0, bad = 0, pages = 0, i, k;
	char err[256];
	json_t *j, *row;
	size_t x;

	for (i = NACCESS - 1; i >= 0; i--) {
		arec(i, &r);
		if (access_matches(&r, &q))
			want[nwant++] = i;
	}
	/* newest first: by ts, then by id (i) */
	for (i = 1; i < nwant; i++)
		for (k = i; k > 0; k--) {
			struct zl_access_record a, b;

			arec(want[k - 1], &a);
			arec(want[k], &b);
			if (a.ts > b.ts || (a.ts == b.ts && want[k - 1] > want[k]))
				break;
			int t = want[k]; want[k] = want[k - 1]; want[k - 1] = t;
		}
	q.limit = page;
	for (;;) {
		if (!(j = zl_store_access_query(s, &q, err, sizeof(err)))) {
			ok(0, "access: %s: %s", what, err);
			return;
		}
		pages++;
		json_array_foreach(json_object_get(j, "rows"), x, row) {
			if (got >= nwant || jint(row, "id") != want[got] + 1)
				bad++;
			got++;
		}
		if (json_is_null(json_object_get(j, "next_before_id"))) {
			json_decref(j);
			break;
		}
		q.before_id = jint(j, "next_before_id");
		json_decref(j);
		if (pages > NACCESS)
			break;
	}
	ok(got == nwant && !bad && nwant > 0, "access: %s: %d rows in order over %d pages (want %d)",
	   what, got, pages, nwant);
}

static void test_access(void)
{
	const char *path = pathf("access.db");
	struct zl_access_query q = { 0 };
	struct zl_access_record r;
	struct zl_flow_record f;
	struct zl_store_stats st;
	struct zl_store *s;
	char err[256], want[64];
	json_t *j, *row;
	sqlite3 *db;
	int i, fails = 0;

	al_base_us = (now_s() - 7200) * US;
	s = open_store(path, 0, 0, 20);
	if (!s) {
		ok(0, "access: open");
		return;
	}
	zl_store_start(s);
	for (i = 0; i < NACCESS; i++) {
		arec(i, &r);
		fails += zl_store_put_access(s, &r) != 0;
		if (i % 10 == 0) {
			flow(i, &f);
			fails += zl_store_put_flow(s, &f) != 0;
		}
	}
	is_int(fails, 0, "access: 250 rows and 25 flows queued together");
	ok(settle(s, 10000) == 0, "access: written");
	zl_store_stats(s, &st);
	is_int(st.written, NACCESS + 25, "access: stats count both kinds");
	is_int(zl_store_put_access(s, NULL), -EINVAL, "access: NULL record refused");

	j = zl_store_access_query(s, &q, err, sizeof(err));
	is_int(json_array_size(json_object_get(j, "rows")), 100, "access: 100 rows by default");
	ok(json_is_integer(json_object_get(j, "next_before_id")), "access: next_before_id set");
	json_decref(j);
	q.limit = 1000;
	j = zl_store_access_query(s, &q, err, sizeof(err));
	is_int(json_array_size(json_object_get(j, "rows")), NACCESS, "access: all rows with a larger limit");
	ok(json_is_null(json_object_get(j, "next_before_id")), "access: next_before_id null on the last page");
	/* the newest row: the latest ts, the highest id among equals */
	for (i = 0, fails = 0; i < NACCESS; i++) {
		struct zl_access_record a, b;

		arec(i, &a);
		arec(fails, &b);
		if (a.ts >= b.ts)
			fails = i;
	}
	row = json_array_get(json_object_get(j, "rows"), 0);
	arec(fails, &r);
	is_int(jint(row, "id"), fails + 1, "access: newest row first");
	rfc3339(r.ts, want, sizeof(want));
	is_str(jstr(row, "ts"), want, "access: ts as RFC 3339 UTC");
	is_str(jstr(row, "client_ip"), r.client_ip, "access: client_ip");
	is_str(jstr(row, "host_name"), r.host_name, "access: host_name");
	is_str(jstr(row, "owner"), r.owner, "access: owner (UTF-8)");
	is_str(jstr(row, "department"), r.department, "access: department (UTF-8)");
	is_str(jstr(row, "app"), r.app, "access: app");
	is_str(jstr(row, "category"), "Video", "access: category");
	is_str(jstr(row, "domain"), r.domain, "access: domain");
	is_str(jstr(row, "server_ip"), r.server_ip, "access: server_ip");
	is_int(jint(row, "server_port"), r.server_port, "access: server_port");
	is_int(jint(row, "bytes_up"), (long long)r.bytes_up, "access: bytes_up");
	is_int(jint(row, "bytes_down"), (long long)r.bytes_down, "access: bytes_down");
	is_str(jstr(row, "action"), r.action, "access: action");
	is_str(jstr(row, "rule"), r.rule, "access: rule");
	is_int(json_object_size(row), 15, "access: 15 fields");
	json_decref(j);

	access_check(s, (struct zl_access_query){ 0 }, 7, "no filter, pages of 7");
	access_check(s, (struct zl_access_query){ 0 }, 100, "no filter, pages of 100");
	access_check(s, (struct zl_access_query){ .department = "信息中心" }, 7, "department");
	access_check(s, (struct zl_access_query){ .owner = "王五" }, 7, "owner");
	access_check(s, (struct zl_access_query){ .host = "10.1.0.2" }, 7, "host by address");
	access_check(s, (struct zl_access_query){ .host = "PC-4" }, 7, "host by name");
	access_check(s, (struct zl_access_query){ .app = "TLS.Douyin" }, 7, "app by full name");
	access_check(s, (struct zl_access_query){ .app = "Douyin" }, 7,
		     "app by last part (TLS.Douyin, QUIC.Douyin, Douyin; not TLS.NotDouyin)");
	access_check(s, (struct zl_access_query){ .app = "HTTP" }, 7, "app without a dot");
	access_check(s, (struct zl_access_query){ .domain = "a.example.com" }, 7, "domain exactly");
	access_check(s, (struct zl_access_query){ .domain = "*.example.com" }, 7,
		     "domain suffix (example.com and below; not badexample.com, example.com.cn)");
	access_check(s, (struct zl_access_query){ .domain = "*.c.example.com" }, 7, "domain suffix, 3 labels");
	access_check(s, (struct zl_access_query){ .domain = "*.org" }, 7, "domain suffix, 1 label");
	access_check(s, (struct zl_access_query){ .action = "block" }, 7, "action");
	access_check(s, (struct zl_access_query){ .from_us = al_base_us + 20 * US,
						  .to_us = al_base_us + 50 * US }, 7, "time range");
	access_check(s, (struct zl_access_query){ .department = "办公室", .app = "Douyin",
						  .action = "audit" }, 3, "three filters");
	access_check(s, (struct zl_access_query){ .host = "PC-1", .domain = "*.example.com",
						  .from_us = al_base_us + 10 * US }, 2,
		     "host, domain suffix and a start");

	q = (struct zl_access_query){ .department = "财务科", .owner = "李四" };
	j = zl_store_access_query(s, &q, err, sizeof(err));
	/* i % 3 == 0 and i % 5 == 1: i = 6, 21, ... */
	ok(j && json_array_size(json_object_get(j, "rows")) > 0, "access: department and owner together");
	json_decref(j);
	q = (struct zl_access_query){ .department = "不存在" };
	j = zl_store_access_query(s, &q, err, sizeof(err));
	is_int(j ? (long long)json_array_size(json_object_get(j, "rows")) : -1, 0, "access: no match, no rows");
	ok(j && json_is_null(json_object_get(j, "next_before_id")), "access: no match, no next page");
	json_decref(j);
	q = (struct zl_access_query){ .app = "Douyin'; DROP TABLE access_log; --" };
	j = zl_store_access_query(s, &q, err, sizeof(err));
	ok(j && json_array_size(json_object_get(j, "rows")) == 0, "access: a filter is a value, never SQL");
	json_decref(j);
	q = (struct zl_access_query){ .before_id = 1 };
	j = zl_store_access_query(s, &q, err, sizeof(err));
	arec(0, &r);
	ok(j != NULL, "access: before_id of the oldest id answers");
	json_decref(j);
	q = (struct zl_access_query){ .before_id = 100000, .limit = 20000 };
	j = zl_store_access_query(s, &q, err, sizeof(err));
	is_int(j ? (long long)json_array_size(json_object_get(j, "rows")) : -1, NACCESS,
	       "access: before_id of no row: the rows with a smaller id");
	json_decref(j);

	db = raw(path);
	is_int(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
		       "tbl_name = 'access_log'"), 9, "access: nine indexes");
	is_int(sql_int(db, "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'access_log'"), 9,
	       "access: planner statistics for each");
	is_int(sql_int(db, "SELECT count(*) FROM flows"), 25, "access: the flows beside them");
	sqlite3_close(db);
	zl_store_close(s);

	/* retention: rows through the queue, 200 days old, purged at 180 */
	s = open_store(path, 1000, 0, 20);
	zl_store_start(s);
	for (i = 0; i < 30; i++) {
		arec(i, &r);
		r.ts = (now_s() - 200 * 86400) * US + i;
		zl_store_put_access(s, &r);
	}
	settle(s, 10000);
	q = (struct zl_access_query){ .to_us = (now_s() - 100 * 86400) * US, .limit = 1000 };
	j = zl_store_access_query(s, &q, err, sizeof(err));
	is_int(j ? (long long)json_array_size(json_object_get(j, "rows")) : -1, 30,
	       "access: 30 rows 200 days old, kept at 1000 days");
	json_decref(j);
	zl_store_set_retention(s, 180);
	for (i = 0; i < 500; i++) {
		j = zl_store_access_query(s, &q, err, sizeof(err));
		fails = j ? (int)json_array_size(json_object_get(j, "rows")) : -1;
		json_decref(j);
		if (fails == 0)
			break;
		sleep_ms(20);
	}
	is_int(fails, 0, "access: purged once the retention is 180 days");
	q = (struct zl_access_query){ .limit = 1000 };
	j = zl_store_access_query(s, &q, err, sizeof(err));
	is_int(j ? (long long)json_array_size(json_object_get(j, "rows")) : -1, NACCESS,
	       "access: recent rows kept");
	json_decref(j);
	zl_store_close(s);
}

/* ---- retention ---- */

static void put_range(struct zl_store *s, int from, int n, int64_t last_us)
{
	struct zl_flow_record r;
	int i;

	for (i = from; i < from + n; i++) {
		flow(i, &r);
		r.last_us = last_us + i;
		r.first_us = r.last_us - US;
		while (zl_store_put_flow(s, &r) == -ENOSPC)
			sleep_ms(1);
	}
}

static int wait_purged(struct zl_store *s, uint64_t n, int timeout_ms)
{
	struct zl_store_stats st;
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 10) {
		zl_store_stats(s, &st);
		if (st.purged >= n)
			return 0;
		sleep_ms(10);
	}
	return -1;
}

static void test_retention(void)
{
	const char *path = pathf("ret.db");
	int64_t old_us = (now_s() - 200 * 86400) * US, new_us = (now_s() - 3600) * US;
	int64_t cutoff_s = now_s() - 180 * 86400;
	struct zl_flow_query q = { 0 };
	struct zl_store_stats st;
	struct zl_store *s;
	char sql[512];
	sqlite3 *db;

	/* flows 200 days old, kept while the retention is 1000 days */
	s = open_store(path, 1000, 0, 20);
	if (!s) {
		ok(0, "retention: open");
		return;
	}
	zl_store_start(s);
	put_range(s, 0, 100, old_us);
	put_range(s, 100, 50, new_us);
	ok(settle(s, 10000) == 0, "retention: 150 flows written");
	is_int(total_of(s, &q), 150, "retention: old flows kept under a 1000-day retention");
	db = raw(path);
	snprintf(sql, sizeof(sql), "INSERT INTO access_log (ts, client_ip) VALUES (%lld, '10.0.0.1'), "
		 "(%lld, '10.0.0.2'); INSERT INTO audit (ts, who, action, detail) VALUES "
		 "(%lld, 'old', 'reload', '');", (long long)old_us, (long long)new_us, (long long)old_us);
	is_int(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "retention: old access_log and audit rows");
	zl_store_set_retention(s, 180);
	ok(wait_purged(s, 100, 10000) == 0, "retention: shortened to 180 days, purged at once");
	zl_store_stats(s, &st);
	is_int(st.purged, 100, "retention: the 100 old flows counted as purged");
	is_int(total_of(s, &q), 50, "retention: recent flows kept");
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM agg5m WHERE bucket < %lld", (long long)cutoff_s);
	is_int(sql_int(db, sql), 0, "retention: old aggregates purged");
	is_int(sql_int(db, "SELECT sum(flows) FROM agg5m"), 50, "retention: recent aggregates kept");
	is_int(sql_int(db, "SELECT count(*) FROM access_log"), 1, "retention: old access_log rows purged");
	is_int(sql_int(db, "SELECT count(*) FROM audit WHERE who = 'old'"), 1, "retention: audit is never purged");
	ok(st.purged_rows >= 100 + 1 + 1, "retention: purged_rows counts every table (%llu)",
	   (unsigned long long)st.purged_rows);
	zl_store_close(s);

	/* more than one purge step of old rows, purged when the writer starts */
	s = open_store(path, 1000, 0, 20);
	zl_store_start(s);
	put_range(s, 0, 12000, old_us);
	ok(settle(s, 20000) == 0, "retention: 12000 old flows written");
	zl_store_close(s);
	s = open_store(path, 180, 0, 20);
	zl_store_start(s);
	ok(wait_purged(s, 12000, 20000) == 0, "retention: purged at start, in several steps");
	is_int(total_of(s, &q), 50, "retention: only the recent flows remain");
	zl_store_close(s);
	sqlite3_close(db);
}

/* ---- schema versions and bad files ---- */

static void test_migration(void)
{
	const char *path = pathf("v1.db"), *empty = pathf("empty.db"), *newer = pathf("newer.db");
	struct zl_flow_query q = { 0 };
	struct zl_store *s;
	char err[512], want[700];
	sqlite3 *db;
	json_t *a;
	int fd;

	ok(zl_store_schema_version() >= 2, "schema: at least two versions");
	ok(zl_store_schema_step(zl_store_schema_version()) == NULL, "schema: no step past the last");
	db = raw(path);
	is_int(sqlite3_exec(db, zl_store_schema_step(0), NULL, NULL, NULL), SQLITE_OK, "v1: first step alone");
	sqlite3_exec(db, "PRAGMA user_version = 1;"
		     "INSERT INTO flows (" "first_us, last_us, proto, src_ip, dst_ip, src_port, dst_port, "
		     "vlan, ip_version, iface, app, app_id, master_id, category, risks, host, end_reason, "
		     "confidence, src2dst_packets, dst2src_packets, src2dst_bytes, dst2src_bytes) VALUES "
		     "(1, 2, 'TCP', '10.1.1.1', '10.1.1.2', 1, 2, 0, 4, 1, 'HTTP', 7, 7, 'Web', '', '', "
		     "'fin', 'DPI', 1, 1, 60, 60);"
		     "INSERT INTO audit (ts, who, action, detail) VALUES (5, 'root', 'install', 'v1')",
		     NULL, NULL, NULL);
	is_int(sql_int(db, "PRAGMA user_version"), 1, "v1: database at version 1");
	sqlite3_close(db);
	s = open_store(path, 0, 0, 0);
	ok(s != NULL, "v1: opens");
	if (s) {
		is_int(total_of(s, &q), 1, "v1: its flow is kept");
		a = zl_store_audit_list(s, 0, 0, 0, err, sizeof(err));
		is_str(a ? jstr(json_array_get(a, 0), "detail") : NULL, "v1", "v1: its audit row is kept");
		json_decref(a);
		zl_store_close(s);
	}
	db = raw(path);
	is_int(sql_int(db, "PRAGMA user_version"), zl_store_schema_version(), "v1: migrated to the current version");
	is_int(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
		       "('access_log', 'incidents', 'policy_versions')"), 3, "v1: the tables of v2 exist");
	is_int(sql_int(db, "INSERT INTO policy_versions (ts, who, text) VALUES (1, 'a', 'b') "
		       "RETURNING confirmed"), 0, "v1: new tables take rows");
	sqlite3_close(db);

	fd = open(empty, O_CREAT | O_WRONLY, 0600);
	close(fd);
	s = open_store(empty, 0, 0, 0);
	ok(s != NULL, "an empty existing file becomes a database");
	zl_store_close(s);
	db = raw(empty);
	is_int(sql_int(db, "PRAGMA user_version"), zl_store_schema_version(), "migrated from empty");
	is_int(sql_int(db, "PRAGMA auto_vacuum"), 2, "incremental auto_vacuum on a new file");
	sqlite3_close(db);

	db = raw(newer);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	{
		struct zl_store_opts o = { newer, 0, 0, 0 };

		ok(zl_store_open(&o, err, sizeof(err)) == NULL, "a newer schema is refused");
		snprintf(want, sizeof(want), "%s: schema version 99 is newer than this zhulan's (%u)",
			 newer, zl_store_schema_version());
		is_str(err, want, "newer schema: message");
	}
}

static void test_bad_files(void)
{
	const char *garbage = pathf("garbage.db"), *missing = pathf("nodir/x.db");
	const char *damaged = pathf("damaged.db");
	struct zl_store_opts o = { garbage, 0, 0, 0 };
	struct zl_flow_record r;
	struct zl_store *s;
	char err[512], want[700], junk[4096];
	int fd, i;

	memset(junk, 'x', sizeof(junk));
	fd = open(garbage, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	for (i = 0; i < 4; i++)
		if (write(fd, junk, sizeof(junk)) < 0)
			break;
	close(fd);
	ok(zl_store_open(&o, err, sizeof(err)) == NULL, "a file of garbage is refused");
	snprintf(want, sizeof(want), "%s: file is not a database", garbage);
	is_str(err, want, "garbage: message names the file");

	o.path = missing;
	ok(zl_store_open(&o, err, sizeof(err)) == NULL, "a missing directory is refused");
	snprintf(want, sizeof(want), "%s: No such file or directory", missing);
	is_str(err, want, "missing directory: message names the file");

	o.path = dir;
	ok(zl_store_open(&o, err, sizeof(err)) == NULL, "a directory is refused");
	ok(!strncmp(err, dir, strlen(dir)) && strstr(err, ": "), "directory: %s", err);

	/* a database whose pages were overwritten: found by quick_check */
	s = open_store(damaged, 0, 0, 0);
	for (i = 0; s && i < 3000; i++) {
		flow(i, &r);
		zl_store_put_flow(s, &r);
	}
	zl_store_close(s);
	/* every third page past the schema's, whatever the schema's size */
	fd = open(damaged, O_WRONLY);
	for (i = 3; i < (int)(lseek(fd, 0, SEEK_END) / 4096); i += 3)
		if (pwrite(fd, junk, 512, (off_t)i * 4096 + 100) < 0)
			break;
	close(fd);
	o.path = damaged;
	ok(zl_store_open(&o, err, sizeof(err)) == NULL, "a damaged database is refused");
	snprintf(want, sizeof(want), "%s: ", damaged);
	ok(!strncmp(err, want, strlen(want)) && strstr(err, "malformed"), "damaged: %s", err);

	if (geteuid() == 0) {
		printf("ok %d # SKIP a read-only file: root can write it\n", ++tap_n);
	} else {
		const char *ro = pathf("ro.db");

		s = open_store(ro, 0, 0, 0);
		zl_store_close(s);
		chmod(ro, 0440);
		o.path = ro;
		ok(zl_store_open(&o, err, sizeof(err)) == NULL && strstr(err, "Permission denied"),
		   "a read-only file is refused: %s", err);
	}
}

static void test_overflow(void)
{
	const char *path = pathf("q.db");
	struct zl_flow_query q = { 0 };
	struct zl_flow_record r;
	struct zl_store_stats st;
	struct zl_store *s = open_store(path, 0, 8, 0);
	int i, okays = 0, full = 0;

	if (!s) {
		ok(0, "overflow: open");
		return;
	}
	for (i = 0; i < 20; i++) {
		flow(i, &r);
		int rc = zl_store_put_flow(s, &r);
		okays += rc == 0;
		full += rc == -ENOSPC;
	}
	/* a quarter of the queue is kept for access-log rows and blocks */
	is_int(okays, 6, "overflow: 6 flows fit a queue of 8 without a writer");
	is_int(full, 14, "overflow: the rest get -ENOSPC at once");
	zl_store_stats(s, &st);
	is_int(st.dropped, 14, "overflow: drops counted");
	is_int(st.queued, 6, "overflow: queued counted");
	is_int(st.pending, 6, "overflow: 6 waiting");
	zl_store_close(s);
	s = open_store(path, 0, 0, 0);
	is_int(s ? total_of(s, &q) : -1, 6, "overflow: close writes what was queued");
	zl_store_close(s);
}

/* ---- threads: producers and readers beside the writer ---- */

struct producer {
	struct zl_store *s;
	int first, n, refused;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	struct zl_flow_record r;
	int i;

	for (i = p->first; i < p->first + p->n; i++) {
		flow(i, &r);
		p->refused += zl_store_put_flow(p->s, &r) != 0;
	}
	return NULL;
}

static void test_threads(void)
{
	struct zl_store *s = open_store(pathf("mt.db"), 0, 0, 10);
	struct producer p[4];
	struct zl_flow_query q = { 0 };
	pthread_t t[4];
	int i, refused = 0, reads = 0;
	char err[256];

	if (!s) {
		ok(0, "threads: open");
		return;
	}
	zl_store_start(s);
	for (i = 0; i < 4; i++) {
		p[i] = (struct producer){ s, i * 5000, 5000, 0 };
		pthread_create(&t[i], NULL, produce, &p[i]);
	}
	for (i = 0; i < 20; i++) {
		json_t *j = zl_store_flows(s, &q, err, sizeof(err));

		reads += j != NULL;
		json_decref(j);
		j = zl_store_top(s, "hosts", 0, 0, 5, err, sizeof(err));
		json_decref(j);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		refused += p[i].refused;
	}
	is_int(refused, 0, "threads: 4 producers, 20000 records accepted");
	is_int(reads, 20, "threads: queries run while the writer writes");
	ok(settle(s, 20000) == 0, "threads: written");
	is_int(total_of(s, &q), 20000, "threads: every record stored");
	zl_store_close(s);
}

/* ---- a full disk ---- */

static void test_full_disk(void)
{
	char mnt[600], filler[700], path[700], err[512];
	struct zl_flow_query q = { .app = "Resumed.Test" };
	struct zl_flow_record r;
	struct zl_store_stats st;
	struct zl_store *s;
	char block[4096];
	int i, fd, waited;

	if (geteuid() != 0) {
		printf("ok %d # SKIP not root\n", ++tap_n);
		return;
	}
	snprintf(mnt, sizeof(mnt), "%s/small", dir);
	mkdir(mnt, 0700);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=1536k") < 0) {
		printf("ok %d # SKIP cannot mount a tmpfs: %s\n", ++tap_n, strerror(errno));
		rmdir(mnt);
		return;
	}
	snprintf(filler, sizeof(filler), "%s/filler", mnt);
	snprintf(path, sizeof(path), "%s/zl.db", mnt);
	memset(block, 0xa5, sizeof(block));
	fd = open(filler, O_CREAT | O_WRONLY, 0600);
	for (i = 0; i < 48; i++)         /* 192 KiB: the rest holds the schema's migration */
		if (write(fd, block, sizeof(block)) < 0)
			break;
	close(fd);

	s = open_store(path, 0, 4096, 20);
	ok(s != NULL, "full disk: database on a 1.5 MiB tmpfs");
	if (!s)
		goto out;
	zl_store_start(s);
	st.writable = 1;
	for (i = 0; i < 400 && st.writable; i++) {
		int k;

		for (k = 0; k < 50; k++) {
			flow(i * 50 + k, &r);
			zl_store_put_flow(s, &r);
		}
		sleep_ms(25);
		zl_store_stats(s, &st);
	}
	is_int(st.writable, 0, "full disk: writable drops to 0 (after %llu written)",
	       (unsigned long long)st.written);
	ok(st.dropped > 0, "full disk: dropped records counted (%llu)", (unsigned long long)st.dropped);
	ok(strstr(st.last_error, "full") != NULL, "full disk: last_error \"%s\"", st.last_error);
	/* an audit row may still fit in a page the database already has;
	 * once none is left it must be refused, not lost silently */
	{
		int k;
		for (k = 0; k < 2000 && (i = zl_store_audit(s, "test", "full", "disk")) == 0; k++)
			;
		ok(i == -ENOSPC, "full disk: audit refused with -ENOSPC once no page is left "
		   "(got %d after %d rows)", i, k);
	}
	{
		json_t *j = zl_store_flows(s, &(struct zl_flow_query){ .limit = 1 }, err, sizeof(err));

		ok(j != NULL, "full disk: queries still answer");
		json_decref(j);
	}

	unlink(filler);
	for (waited = 0; waited < 5000; waited += 100) {
		flow(waited, &r);
		zl_store_put_flow(s, &r);
		sleep_ms(100);
		zl_store_stats(s, &st);
		if (st.writable)
			break;
	}
	is_int(st.writable, 1, "full disk: writing resumes by itself once space is free");
	for (i = 0; i < 10; i++) {
		flow(i, &r);
		strcpy(r.app, "Resumed.Test");
		zl_store_put_flow(s, &r);
	}
	settle(s, 5000);
	is_int(total_of(s, &q), 10, "full disk: later flows are in the database");
	zl_store_close(s);
out:
	is_int(umount(mnt), 0, "full disk: tmpfs unmounted");
	rmdir(mnt);
}

static void cleanup(void)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", dir);
}

int main(void)
{
	struct zl_store *s;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	base_s = (now_s() / 300) * 300 - 3600;
	test_roundtrip();
	s = open_store(pathf("zl.db"), 0, 0, 0);
	ok(s != NULL, "reopen");
	if (s) {
		test_flows(s);
		test_top(s);
		test_series(s);
		test_audit(s, pathf("zl.db"));
		zl_store_close(s);
	}
	test_access();
	test_retention();
	test_migration();
	test_bad_files();
	test_overflow();
	test_threads();
	test_full_disk();
	cleanup();
	return done_testing();
}
