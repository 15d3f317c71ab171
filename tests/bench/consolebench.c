/*
 * consolebench.c - the dashboard's data for the console benchmark of
 * `make bench` (console.sh).
 *
 *   consolebench gen PATH    a database with the current schema holding a
 *                            county's 5-minute aggregates (agg5m) from 30
 *                            days before now to 2 days after (so that a
 *                            cached copy still has a full "last 24 hours"
 *                            for two days), and its address book
 *   consolebench time PATH   the dashboard's store queries (zl_store_series,
 *                            zl_store_top) on it, in ms
 *
 * The county: 2,000 client hosts in 30 departments, each using its own
 * set of 15 to 40 of 200 applications (Zipf-skewed). On a working day
 * (08:30-18:00 in UTC+8, with a dip at noon) about 400 hosts are active in
 * a bucket, each using about 20 of its applications; in the evening, at
 * night and at weekends 40 to 80 hosts (servers, machines left on) with a
 * few applications each. That is about a million rows a working day,
 * some 25 million in all.
 *
 * Rows go in in primary-key order (bucket, host, app) in one transaction
 * through one prepared statement, without the host index, which is then
 * built with one sort.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"

#define NHOSTS 2000
#define NDEPTS 30
#define NAPPS 200
#define MAXAPPS 40
#define STEP 300
#define DAYS_BEFORE 30

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double unif(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

/* 0..n-1, small values likelier (about Zipf with s = 1) */
static int skewed(int n)
{
	double x = unif();

	return (int)((double)n * x * x * x);
}

struct host {
	char ip[24];
	int dept;
	int napps;
	int apps[MAXAPPS];     /* indexes into app[], sorted by name */
	double weight;         /* how much traffic it makes */
};

static struct host hosts[NHOSTS];
static int host_order[NHOSTS];     /* hosts sorted by address text */
static char app[NAPPS][32];
static const char *app_cat[NAPPS];

static const char *const named[] = {
	"TLS.Douyin", "QUIC.WeChat", "TLS.QQ", "TLS.Baidu", "TLS.Taobao", "TLS.Bilibili",
	"QUIC.Kuaishou", "TLS.Weibo", "TLS.JD", "TLS.Zhihu", "TLS.Alipay", "TLS.Meituan",
	"TLS.Xiaohongshu", "TLS.Toutiao", "HTTP.Kugou", "TLS.iQIYI", "DNS", "NTP",
	"TLS.Microsoft", "TLS.WindowsUpdate",
};
static const char *const cats[] = { "Video", "Chat", "Web", "Shopping", "Cloud", "Network" };

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int cmp_host(const void *a, const void *b)
{
	return strcmp(hosts[*(const int *)a].ip, hosts[*(const int *)b].ip);
}

static void world(void)
{
	char *names[NAPPS], tmp[NAPPS][32];
	int i, j, k;

	for (i = 0; i < NAPPS; i++) {
		if (i < (int)(sizeof(named) / sizeof(named[0])))
			snprintf(tmp[i], sizeof(tmp[i]), "%s", named[i]);
		else
			snprintf(tmp[i], sizeof(tmp[i]), "%s.App%03d",
				 i % 3 ? "TLS" : "QUIC", i);
		names[i] = tmp[i];
	}
	/* app[] in name order, so that a host's sorted indexes are in the
	 * primary key's order; popularity is the original index's */
	int rank_of[NAPPS];
	qsort(names, NAPPS, sizeof(names[0]), cmp_str);
	for (i = 0; i < NAPPS; i++) {
		snprintf(app[i], sizeof(app[i]), "%s", names[i]);
		rank_of[i] = (int)((names[i] - tmp[0]) / sizeof(tmp[0]));
		app_cat[i] = cats[rank_of[i] % 6];
	}
	int by_rank[NAPPS];
	for (i = 0; i < NAPPS; i++)
		by_rank[rank_of[i]] = i;
	for (i = 0; i < NHOSTS; i++) {
		struct host *h = &hosts[i];
		char used[NAPPS] = { 0 };

		h->dept = skewed(NDEPTS);
		snprintf(h->ip, sizeof(h->ip), "10.%d.%d.%d", h->dept, i / 250, 1 + i % 250);
		h->napps = 15 + (int)(next() % (MAXAPPS - 15 + 1));
		for (j = 0; j < h->napps; j++) {
			do
				k = by_rank[skewed(NAPPS)];
			while (used[k]);
			used[k] = 1;
			h->apps[j] = k;
		}
		qsort(h->apps, (size_t)h->napps, sizeof(int), cmp_int);
		h->weight = 0.2 + 3 * unif() * unif();
		host_order[i] = i;
	}
	qsort(host_order, NHOSTS, sizeof(int), cmp_host);
}

/* Share of the county's hosts active in the bucket starting at t (unix s)
 * and the chance that an active host uses each of its applications. */
static void activity(int64_t t, int64_t now, double *hosts_share, double *app_share)
{
	int64_t local = t + 8 * 3600;
	/* the day of generation is a Wednesday (3), whatever the calendar
	 * says, so that the last 24 hours hold a working day's traffic */
	int dow = (int)(((local / 86400 - (now + 8 * 3600) / 86400 + 3) % 7 + 7) % 7);
	int min = (int)(local % 86400 / 60);

	if (dow >= 1 && dow <= 5 && min >= 8 * 60 + 30 && min < 18 * 60) {
		int noon = min >= 12 * 60 && min < 13 * 60 + 30;
		*hosts_share = noon ? 0.12 : 0.2;
		*app_share = noon ? 0.45 : 0.6;
	} else if (min >= 18 * 60 && min < 23 * 60) {
		*hosts_share = 0.04;
		*app_share = 0.3;
	} else {
		*hosts_share = 0.02;
		*app_share = 0.2;
	}
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "consolebench: %s: %s\n", sql, msg);
		sqlite3_free(msg);
		exit(1);
	}
}

static double secs(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int gen(const char *path)
{
	struct zl_store_opts o = { path, 3650, 0, 0 };
	char err[512];
	sqlite3_stmt *ins, *book;
	sqlite3 *db;
	int64_t now = time(NULL), b0 = (now - DAYS_BEFORE * 86400) / STEP * STEP,
		b1 = now / STEP * STEP, b;
	long rows = 0;
	double t = secs();
	int i, j;
	struct zl_store *s = zl_store_open(&o, err, sizeof(err));

	if (!s) {
		fprintf(stderr, "consolebench: %s\n", err);
		return 1;
	}
	zl_store_close(s);
	world();
	sqlite3_open(path, &db);
	exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -524288");
	exec(db, "BEGIN; DROP INDEX agg5m_host");
	sqlite3_prepare_v2(db, "INSERT INTO hosts (address, name, owner, department, imported) "
			   "VALUES (?, ?, '', ?, 0)", -1, &book, NULL);
	for (i = 0; i < NHOSTS; i++) {
		char name[32], dept[32];

		snprintf(name, sizeof(name), "D%02d-PC%04d", hosts[i].dept, i);
		snprintf(dept, sizeof(dept), "Department %02d", hosts[i].dept);
		sqlite3_bind_text(book, 1, hosts[i].ip, -1, SQLITE_STATIC);
		sqlite3_bind_text(book, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(book, 3, dept, -1, SQLITE_TRANSIENT);
		sqlite3_step(book);
		sqlite3_reset(book);
	}
	sqlite3_finalize(book);
	sqlite3_prepare_v2(db, "INSERT INTO agg5m (bucket, host, app, category, packets_up, "
			   "packets_down, bytes_up, bytes_down, flows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   -1, &ins, NULL);
	for (b = b0; b < b1; b += STEP) {
		double hs, as;

		activity(b, now, &hs, &as);
		for (i = 0; i < NHOSTS; i++) {
			const struct host *h = &hosts[host_order[i]];

			if (unif() >= hs * (0.5 + h->weight / 2))
				continue;
			for (j = 0; j < h->napps; j++) {
				int a = h->apps[j];
				int64_t down, up, pk;

				if (unif() >= as)
					continue;
				down = (int64_t)(h->weight * (1000 + (double)(next() % 2000000)) *
						 (!strcmp(app_cat[a], "Video") ? 8 : 1));
				up = down / 12 + (int64_t)(next() % 20000);
				pk = down / 1200 + 2;
				sqlite3_bind_int64(ins, 1, b);
				sqlite3_bind_text(ins, 2, h->ip, -1, SQLITE_STATIC);
				sqlite3_bind_text(ins, 3, app[a], -1, SQLITE_STATIC);
				sqlite3_bind_text(ins, 4, app_cat[a], -1, SQLITE_STATIC);
				sqlite3_bind_int64(ins, 5, pk / 2 + 1);
				sqlite3_bind_int64(ins, 6, pk);
				sqlite3_bind_int64(ins, 7, up);
				sqlite3_bind_int64(ins, 8, down);
				sqlite3_bind_int64(ins, 9, 1 + (int64_t)(next() % 12));
				if (sqlite3_step(ins) != SQLITE_DONE) {
					fprintf(stderr, "consolebench: insert: %s\n", sqlite3_errmsg(db));
					return 1;
				}
				sqlite3_reset(ins);
				rows++;
			}
		}
	}
	sqlite3_finalize(ins);
	fprintf(stderr, "consolebench: %ld agg5m rows (%ld buckets) in %.0f s\n", rows,
		(long)((b1 - b0) / STEP), secs() - t);
	exec(db, "CREATE INDEX agg5m_host ON agg5m(host, bucket); COMMIT; PRAGMA journal_mode = WAL");
	sqlite3_close(db);
	fprintf(stderr, "consolebench: generated in %.0f s\n", secs() - t);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct query {
	const char *what;
	const char *top;           /* NULL: a series */
	int64_t span_s;
	unsigned step;
	int runs;                  /* 5 (the median), or 1 for a slow one */
};

static int timing(const char *path)
{
	static const struct query qs[] = {
		{ "series, last 24 h, step 300 (the chart)", NULL, 86400, 300, 5 },
		{ "top apps, last 10 min", "apps", 600, 0, 5 },
		{ "top categories, last 10 min", "categories", 600, 0, 5 },
		{ "top departments, last 10 min", "departments", 600, 0, 5 },
		{ "top hosts, last 10 min", "hosts", 600, 0, 5 },
		{ "top apps, last 24 h", "apps", 86400, 0, 5 },
		{ "top departments, last 24 h", "departments", 86400, 0, 5 },
		{ "series, last 7 days, step 3600 (once)", NULL, 7 * 86400, 3600, 1 },
	};
	struct zl_store_opts o = { path, 3650, 0, 0 };
	char err[512];
	struct zl_store *s = zl_store_open(&o, err, sizeof(err));
	size_t i;
	int r;

	if (!s) {
		fprintf(stderr, "consolebench: %s\n", err);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("%-44s %9s %7s\n", "store query (median of 5 runs)", "ms", "points");
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double ms[5];
		size_t n = 0;
		int64_t to = (int64_t)time(NULL) * 1000000, from = to - qs[i].span_s * 1000000;

		for (r = 0; r < qs[i].runs; r++) {
			double t = secs();
			json_t *j = qs[i].top ?
				zl_store_top(s, qs[i].top, from, to, 8, err, sizeof(err)) :
				zl_store_series(s, from, to, qs[i].step, NULL, NULL, err, sizeof(err));

			ms[r] = (secs() - t) * 1000;
			if (!j) {
				printf("%-44s %s\n", qs[i].what, err);
				break;
			}
			n = json_array_size(j);
			json_decref(j);
		}
		if (r < qs[i].runs)
			continue;
		qsort(ms, (size_t)r, sizeof(ms[0]), cmp_double);
		printf("%-44s %9.1f %7zu\n", qs[i].what, ms[r / 2], n);
	}
	zl_store_close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "gen"))
		return gen(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "time"))
		return timing(argv[2]);
	fprintf(stderr, "usage: consolebench gen PATH | time PATH\n");
	return 2;
}
