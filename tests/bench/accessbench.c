/*
 * accessbench.c - the access-log benchmark of `make bench` (accesslog.sh).
 *
 *   accessbench gen PATH ROWS     a database with the current schema and
 *                                 ROWS access-log rows over 30 days
 *   accessbench time PATH         the first page of typical searches
 *                                 through zl_store_access_query, in ms
 *
 * The data set is a county: about 3,000 client hosts in 30 departments
 * (a few large bureaus, many small offices), 200 applications and 5,000
 * domains under 800 registered names, every choice Zipf-skewed; 93% of
 * rows are "audit", 5% "block", 0.5% "limit" (the rest "audit" too).
 *
 * Generation inserts without the secondary indexes, in ts order, in one
 * transaction through one prepared statement, then builds each index of
 * the schema (as the schema writes it) with a sort, which is several
 * times faster than keeping nine indexes up to date row by row.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"

#define US 1000000LL
#define DAYS 30
#define NDEPTS 30
#define NHOSTS 3000
#define NAPPS 200
#define NDOMAINS 5000
#define NSITES 800

static const char *const depts[NDEPTS] = {
	"县公安局", "县人民医院", "县教育局", "县政府办公室", "县财政局", "县税务局",
	"县市场监督管理局", "县自然资源局", "县住房和城乡建设局", "县交通运输局",
	"县农业农村局", "县水利局", "县卫生健康委员会", "县民政局", "县人力资源和社会保障局",
	"县生态环境局", "县应急管理局", "县审计局", "县统计局", "县文化和旅游局",
	"县医疗保障局", "县退役军人事务局", "县司法局", "县信访局", "县档案馆",
	"县科学技术协会", "县妇女联合会", "县气象局", "县地震局", "县史志办",
};
static const char *const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗";
static const char *const given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华";
static const char *const masters[] = { "TLS", "QUIC", "HTTP", "DNS" };
static const char *const known_apps[] = {
	"Douyin", "WeChat", "QQ", "Baidu", "Taobao", "Bilibili", "Kuaishou", "Weibo",
	"JD", "Zhihu", "Alipay", "Meituan", "Xiaohongshu", "Toutiao", "Kugou", "iQIYI",
};

static uint64_t rng = 88172645463325252ULL;

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

/* Zipf(s) over n ranks: a cumulative table, searched by bisection. */
struct zipf {
	int n;
	double *cdf;
};

static void zipf_init(struct zipf *z, int n, double s)
{
	double sum = 0;
	int i;

	z->n = n;
	z->cdf = malloc(sizeof(double) * (size_t)n);
	for (i = 0; i < n; i++)
		z->cdf[i] = sum += 1 / pow(i + 1, s);
	for (i = 0; i < n; i++)
		z->cdf[i] /= sum;
}

static int zipf(const struct zipf *z)
{
	double u = unif();
	int lo = 0, hi = z->n - 1;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The n-th UTF-8 character (3 bytes each) of a string of CJK characters. */
static void cjk(char *out, const char *pool, int n)
{
	memcpy(out, pool + 3 * n, 3);
	out[3] = 0;
}

struct host {
	char ip[24], name[24], owner[16];
	int dept;
};

static struct host hosts[NHOSTS];
static char apps[NAPPS][32];
static char domains[NDOMAINS][64];
static int domain_app[NDOMAINS];

static void world(void)
{
	struct zipf dz;
	int i, nsur = (int)strlen(surnames) / 3, ngiv = (int)strlen(given) / 3;
	char a[4], b[4], c[4];

	zipf_init(&dz, NDEPTS, 1.0);
	for (i = 0; i < NHOSTS; i++) {
		struct host *h = &hosts[i];

		h->dept = zipf(&dz);
		snprintf(h->ip, sizeof(h->ip), "10.%d.%d.%d", h->dept, i / 250, 1 + i % 250);
		snprintf(h->name, sizeof(h->name), "D%02d-PC%04d", h->dept, i);
		/* every host has a person; two-character and three-character names */
		cjk(a, surnames, i % nsur);
		cjk(b, given, (i / nsur) % ngiv);
		cjk(c, given, (i / nsur / ngiv) % ngiv);
		snprintf(h->owner, sizeof(h->owner), "%s%s%s", a, b, i < nsur * ngiv ? "" : c);
	}
	for (i = 0; i < NAPPS; i++)
		if (i < 16)
			snprintf(apps[i], sizeof(apps[i]), "%s.%s", masters[i % 2], known_apps[i]);
		else
			snprintf(apps[i], sizeof(apps[i]), "%s.App%03d", masters[i % 4], i);
	for (i = 0; i < NDOMAINS; i++) {
		int site = i % NSITES;
		const char *tld = site % 3 ? "com" : "cn";

		if (site == 0)
			snprintf(domains[i], sizeof(domains[i]), "s%d.douyin.com", i / NSITES);
		else if (site == 1)
			snprintf(domains[i], sizeof(domains[i]), "s%d.qq.com", i / NSITES);
		else
			snprintf(domains[i], sizeof(domains[i]), "%s%d.site%d.%s",
				 i < NSITES ? "www" : "api", i / NSITES, site, tld);
		/* popular domains belong to popular applications */
		domain_app[i] = site < 16 ? site : 16 + (int)((unsigned)site * 2654435761u % (NAPPS - 16));
	}
}

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "accessbench: %s: %s\n", sql, msg);
		sqlite3_free(msg);
		exit(1);
	}
	return 0;
}

static double secs(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int64_t start_us(void)
{
	return ((int64_t)time(NULL) / 86400 - DAYS) * 86400 * US;
}

static int gen(const char *path, long rows)
{
	struct zl_store_opts o = { path, 3650, 0, 0 };
	char err[512], *idx_name[32], *idx_sql[32], *stat_sql[32];
	struct zipf hz, domz;
	sqlite3_stmt *st, *ins;
	sqlite3 *db;
	int nidx = 0, nstat = 0, i;
	int64_t t0 = start_us(), span = (int64_t)DAYS * 86400 * US;
	double t = secs();
	long r;

	struct zl_store *s = zl_store_open(&o, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "accessbench: %s\n", err);
		return 1;
	}
	zl_store_close(s);
	world();
	zipf_init(&hz, NHOSTS, 0.8);
	zipf_init(&domz, NDOMAINS, 1.05);
	sqlite3_open(path, &db);
	exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
	     "PRAGMA cache_size = -1048576; PRAGMA threads = 2");
	/* the schema's own index definitions and statistics, to put back */
	sqlite3_prepare_v2(db, "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
			   "AND tbl_name = 'access_log' AND sql IS NOT NULL", -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW && nidx < 32) {
		idx_name[nidx] = strdup((const char *)sqlite3_column_text(st, 0));
		idx_sql[nidx++] = strdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, "SELECT printf('INSERT INTO sqlite_stat1 VALUES (%Q, %Q, %Q)', "
			   "tbl, idx, stat) FROM sqlite_stat1 WHERE tbl = 'access_log'", -1, &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW && nstat < 32)
		stat_sql[nstat++] = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	exec(db, "BEGIN");
	for (i = 0; i < nidx; i++) {
		char drop[128];

		snprintf(drop, sizeof(drop), "DROP INDEX %s", idx_name[i]);
		exec(db, drop);
	}
	sqlite3_prepare_v2(db, "INSERT INTO access_log (ts, client_ip, host_name, department, "
			   "owner, app, category, domain, server_ip, server_port, bytes_up, "
			   "bytes_down, action, rule) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
			   "?, ?)", -1, &ins, NULL);
	for (r = 0; r < rows; r++) {
		const struct host *h = &hosts[zipf(&hz)];
		int d = zipf(&domz), a = domain_app[d];
		unsigned act = (unsigned)(next() % 1000);
		char sip[24], rule[32];

		snprintf(sip, sizeof(sip), "203.0.%d.%d", (d / 250) % 256, 1 + d % 250);
		snprintf(rule, sizeof(rule), "policy.conf:%d", 10 + (int)(next() % 40));
		sqlite3_bind_int64(ins, 1, t0 + (int64_t)((double)span * ((double)r + unif()) / (double)rows));
		sqlite3_bind_text(ins, 2, h->ip, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, h->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, depts[h->dept], -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, h->owner, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, apps[a], -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 7, a % 5 == 0 ? "Video" : a % 5 == 1 ? "Chat" :
				  a % 5 == 2 ? "Web" : a % 5 == 3 ? "Shopping" : "Cloud", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(ins, 8, domains[d], -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 9, sip, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(ins, 10, d % 10 ? 443 : 80);
		sqlite3_bind_int64(ins, 11, 200 + (int64_t)(next() % 20000));
		sqlite3_bind_int64(ins, 12, 1000 + (int64_t)(next() % (act < 100 ? 5000000 : 200000)));
		sqlite3_bind_text(ins, 13, act < 50 ? "block" : act < 55 ? "limit" : "audit", -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(ins, 14, rule, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			fprintf(stderr, "accessbench: insert: %s\n", sqlite3_errmsg(db));
			return 1;
		}
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	fprintf(stderr, "accessbench: %ld rows inserted in %.0f s\n", rows, secs() - t);
	for (i = 0; i < nidx; i++) {
		double ti = secs();

		exec(db, idx_sql[i]);
		fprintf(stderr, "accessbench: index %s: %.0f s\n", idx_name[i], secs() - ti);
		free(idx_name[i]);
		free(idx_sql[i]);
	}
	exec(db, "DELETE FROM sqlite_stat1 WHERE tbl = 'access_log'");
	for (i = 0; i < nstat; i++) {
		exec(db, stat_sql[i]);
		free(stat_sql[i]);
	}
	exec(db, "COMMIT; PRAGMA journal_mode = WAL");
	sqlite3_close(db);
	fprintf(stderr, "accessbench: generated in %.0f s\n", secs() - t);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of 5 runs of q, in ms; *rows and *next from the last run. */
static double run(struct zl_store *s, const struct zl_access_query *q, size_t *rows,
		  int64_t *next_id, char *err, size_t errlen)
{
	double ms[5];
	int i;

	for (i = 0; i < 5; i++) {
		double t = secs();
		json_t *j = zl_store_access_query(s, q, err, errlen);

		ms[i] = (secs() - t) * 1000;
		if (!j)
			return -1;
		*rows = json_array_size(json_object_get(j, "rows"));
		*next_id = json_integer_value(json_object_get(j, "next_before_id"));
		json_decref(j);
	}
	qsort(ms, 5, sizeof(ms[0]), cmp_double);
	return ms[2];
}

static int timing(const char *path)
{
	struct zl_store_opts o = { path, 3650, 0, 0 };
	int64_t day = start_us() + 15LL * 86400 * US, next_id;
	char err[512], label[128];
	struct zl_store *s;
	size_t rows, i;
	double ms;

	world();
	const struct {
		const char *what;
		struct zl_access_query q;
		int page2;
	} cases[] = {
		{ "no filter", { 0 }, 1 },
		{ "department (largest)", { .department = depts[0] }, 1 },
		{ "department (smallest)", { .department = depts[NDEPTS - 1] }, 1 },
		{ "department (none such)", { .department = "县不存在局" }, 0 },
		{ "host: busiest client address", { .host = hosts[0].ip }, 1 },
		{ "host: quiet host name", { .host = hosts[NHOSTS - 1].name }, 1 },
		{ "owner (busiest)", { .owner = "王伟" }, 1 },
		{ "owner (quiet)", { .owner = "赵杰" }, 0 },
		{ "app last part: Douyin", { .app = "Douyin" }, 1 },
		{ "app full name: QUIC.WeChat", { .app = "QUIC.WeChat" }, 0 },
		{ "app (rare)", { .app = apps[domain_app[NDOMAINS - 1]] }, 1 },
		{ "domain (common)", { .domain = "s0.douyin.com" }, 0 },
		{ "domain (rare)", { .domain = domains[NDOMAINS - 1] }, 1 },
		{ "domain suffix *.qq.com", { .domain = "*.qq.com" }, 1 },
		{ "domain suffix *.site797.com (rare)", { .domain = "*.site797.com" }, 0 },
		{ "domain suffix *.cn (one label)", { .domain = "*.cn" }, 0 },
		{ "action audit", { .action = "audit" }, 0 },
		{ "action limit (0.5%)", { .action = "limit" }, 1 },
		{ "3 filters: dept + app + block", { .department = depts[1], .app = "Douyin",
						     .action = "block" }, 1 },
		{ "3 filters, rare match: dept + app + limit", { .department = depts[20],
						     .app = "Douyin", .action = "limit" }, 0 },
		{ "1 day + department", { .from_us = day, .to_us = day + 86400 * US,
					  .department = depts[5] }, 1 },
		{ "1 day + host + app", { .from_us = day, .to_us = day + 86400 * US,
					  .host = hosts[0].ip, .app = "WeChat" }, 0 },
	};

	s = zl_store_open(&o, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "accessbench: %s\n", err);
		return 1;
	}
	printf("%-46s %9s %6s\n", "first page of 100, newest first", "ms (med)", "rows");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct zl_access_query q = cases[i].q;

		ms = run(s, &q, &rows, &next_id, err, sizeof(err));
		if (ms < 0)
			printf("%-46s %s\n", cases[i].what, err);
		else
			printf("%-46s %9.2f %6zu\n", cases[i].what, ms, rows);
		if (cases[i].page2 && ms >= 0 && next_id > 0) {
			q.before_id = next_id;
			ms = run(s, &q, &rows, &next_id, err, sizeof(err));
			snprintf(label, sizeof(label), "  second page (before_id)");
			printf("%-46s %9.2f %6zu\n", label, ms, rows);
		}
	}
	zl_store_close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "gen"))
		return gen(argv[2], atol(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "time"))
		return timing(argv[2]);
	fprintf(stderr, "usage: accessbench gen PATH ROWS | time PATH\n");
	return 2;
}
