/*
 * reportgen.c - a month for the report's tests and benchmark.
 *
 *   reportgen fill DB YYYY-MM FLOWS TOTALS.json
 *       a store (the daemon's own write path: zl_store_put_flow_wait,
 *       zl_store_put_access_wait, zl_store_hosts_replace,
 *       zl_store_ipv6_site_put) with FLOWS flows in the month and FLOWS/4
 *       in the month before, access-log rows, an address book, named
 *       services and site checks; writes the true totals the report must show
 *   reportgen bench DB DAYS HOSTS
 *       agg5m rows for the DAYS days before today (what tens of millions
 *       of flows fold into) and an address book (a person per host),
 *       written straight into the tables like
 *       accessbench writes its access log (the writer would take hours)
 *   reportgen render DB FORMAT OUT (--month YYYY-MM | --from US --to US)
 *       [--lang en] [--persons] [--ipv6-targets TRAFFIC,PORTALS]
 *       build and render a report; the time it took on stderr; the IPv6
 *       targets as zhulan.conf's ipv6_target_* (absent: the defaults). FORMAT
 *       all: PDF, XLSX and CSV in turn into OUT.pdf, OUT.xlsx, OUT.csv
 *   reportgen rollup DB
 *       the reports' rollups made again from agg5m and access_log (after
 *       bench, which writes around the writer); the time it took
 *   reportgen capture DB SECONDS RATE FROM_US TO_US
 *       the capture path's side of the store (zl_store_put_flow, which
 *       never waits) at RATE flows a second for SECONDS, first alone, then
 *       while reports of [FROM_US, TO_US) are built one after the other:
 *       flows dropped and the longest put of each
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "addrbook.h"
#include "conf.h"
#include "dnsans.h"
#include "report.h"
#include "store.h"
#include "store_ipv6.h"
#include "store_report.h"

#define US 1000000LL

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* a 30-character department (90 bytes): reports must carry it whole */
#define WJ "县卫生健康局疾病预防控制中心暨公共卫生应急指挥调度管理办公室"

struct host {
	const char *addr, *name, *owner, *dept;   /* dept NULL: not in the book */
};

static const struct host hosts[] = {
	{ "192.0.2.10", "cz-pc1", "王伟", "财政局" }, { "192.0.2.11", "cz-pc2", "李娜", "财政局" },
	{ "2001:db8:1::10", "cz-pc1", "王伟", "财政局" }, { "192.0.2.20", "jy-pc1", "张敏", "教育局" },
	{ "192.0.2.21", "jy-pc2", "刘洋", "教育局" }, { "2001:db8:2::21", "jy-pc2", "刘洋", "教育局" },
	{ "198.51.100.10", "wj-pc1", "陈静", WJ }, { "198.51.100.11", "wj-pc2", "杨强", WJ },
	{ "203.0.113.5", NULL, NULL, NULL },
};
#define NHOSTS (sizeof(hosts) / sizeof(hosts[0]))

static const char *const apps[][2] = {
	{ "TLS.Douyin", "Video" }, { "TLS.WeChat", "Chat" }, { "HTTP.Baidu", "Web" },
	{ "TLS.Bilibili", "Video" }, { "QUIC.TencentGames", "Game" }, { "DNS", "Network" },
	{ "TLS.DingTalk", "Collaborative" }, { "TLS.Taobao", "Shopping" },
	{ "=HYPERLINK(\"x\")", "Web" },
};
#define NAPPS (sizeof(apps) / sizeof(apps[0]))
static const char *const ent[] = { "Video", "Streaming", "Game", "Music", "SocialNetwork", "Shopping" };

static int is_ent(const char *cat)
{
	size_t i;

	for (i = 0; i < sizeof(ent) / sizeof(ent[0]); i++)
		if (!strcmp(cat, ent[i]))
			return 1;
	return 0;
}

/* Mon-Fri 08:30-12:00, 14:00-17:30 local: the report's default, written again. */
static int working(int64_t us)
{
	time_t t = (time_t)(us / US);
	struct tm tm;
	int m;

	localtime_r(&t, &tm);
	m = tm.tm_hour * 60 + tm.tm_min;
	return tm.tm_wday >= 1 && tm.tm_wday <= 5 &&
	       ((m >= 510 && m < 720) || (m >= 840 && m < 1050));
}

static void add(json_t *o, const char *group, const char *name, const char *field, int64_t v)
{
	json_t *g = json_object_get(o, group), *e;

	if (!g)
		json_object_set_new(o, group, g = json_object());
	if (!(e = json_object_get(g, name)))
		json_object_set_new(g, name, e = json_object());
	json_object_set_new(e, field, json_integer(json_integer_value(json_object_get(e, field)) + v));
}

static void addt(json_t *o, const char *field, int64_t v)
{
	json_object_set_new(o, field, json_integer(json_integer_value(json_object_get(o, field)) + v));
}

/* Services for section 5's to-do list: Baidu has no AAAA record, Taobao
 * one (and is still reached over IPv4); their DNS answers say so. */
static void service(struct zl_flow_record *f, long i)
{
	if (!strcmp(f->app, "HTTP.Baidu") && !strchr(f->src_ip, ':'))   /* no AAAA: IPv4 alone */
		snprintf(f->host, sizeof(f->host), "www.baidu.example");
	else if (!strcmp(f->app, "TLS.Taobao"))
		snprintf(f->host, sizeof(f->host), "www.taobao.example");
	else if (!strcmp(f->app, "DNS")) {
		snprintf(f->host, sizeof(f->host), i % 2 ? "www.baidu.example" : "www.taobao.example");
		f->dns_rr = i % 2 ? ZL_DNS_A | ZL_DNS_NO_AAAA : ZL_DNS_A | ZL_DNS_AAAA;
	}
}

/* Site checks for section 5 (the national criteria, sitecheck.h): one site
 * ready all month, one that broke (its last check fails two criteria),
 * one checked only the month before. Their verdicts into t["sites"]. */
static int site_checks(struct zl_store *s, int64_t from, int64_t pfrom, json_t *t)
{
	static const char *const ids[][3] = {
		{ "aaaa", "AAAA record", "AAAA 记录" }, { "ns", "Name servers over IPv6", "域名服务器 IPv6" },
		{ "home6", "Homepage over IPv6", "首页 IPv6 访问" }, { "content", "Same content", "内容一致性" },
		{ "links2", "Second-level links", "二级链接" }, { "links3", "Third-level links", "三级链接" },
		{ "perf", "Degradation", "性能劣化比" },
	};
	static const struct { const char *url; int day, fail1, fail2, cur; } checks[] = {
		{ "https://www.example.gov.cn/", 2, -1, -1, 1 },
		{ "https://www.example.gov.cn/", 9, -1, -1, 1 },
		{ "https://jyj.example.gov.cn/", 3, -1, -1, 1 },
		{ "https://jyj.example.gov.cn/", 20, 5, 6, 1 },
		{ "https://old.example.gov.cn/", 4, 0, -1, 0 },
		/* 20:00 local on the last day before the month: not the month's,
		 * though it is its first UTC date's in a zone east of UTC */
		{ "https://old.example.gov.cn/", -1, 0, -1, 0 },
	};
	json_t *sites = json_object(), *res, *c;
	char err[256];
	size_t i, k;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		int ready = checks[i].fail1 < 0;
		res = json_pack("{s:s, s:b, s:[]}", "url", checks[i].url, "ready", ready, "criteria");
		for (k = 0; k < 7; k++) {
			c = json_pack("{s:s, s:s, s:s, s:b}", "id", ids[k][0], "name", ids[k][1],
				      "name_zh", ids[k][2], "ok", (int)k != checks[i].fail1 &&
				      (int)k != checks[i].fail2);
			json_array_append_new(json_object_get(res, "criteria"), c);
		}
		if (zl_store_ipv6_site_put(s, checks[i].url, res, checks[i].day < 0 ? from - 4 * 3600 * US :
					   (checks[i].cur ? from : pfrom) +
					   (int64_t)checks[i].day * 86400 * US + 12 * 3600 * US,
					   err, sizeof(err)) < 0) {
			fprintf(stderr, "reportgen: %s\n", err);
			return -1;
		}
		json_decref(res);
		if (checks[i].cur) {
			json_t *e = json_object_get(sites, checks[i].url);
			if (!e)
				json_object_set_new(sites, checks[i].url, e = json_pack("{s:i, s:i}", "days", 0,
											"ready_days", 0));
			json_object_set_new(e, "days", json_integer(json_integer_value(json_object_get(e, "days")) + 1));
			json_object_set_new(e, "ready_days", json_integer(json_integer_value(
				json_object_get(e, "ready_days")) + ready));
			json_object_set_new(e, "ready", json_boolean(ready));
		}
	}
	json_object_set_new(t, "sites", sites);
	return 0;
}

static int fill(const char *db, const char *month, long nflows, const char *out)
{
	struct zl_store_opts so = { .path = db, .retention_days = 400 };
	struct zl_addrbook_rows rows = { 0 };
	struct zl_addrbook_row row;
	int64_t from, to, pfrom, span, pspan;
	struct zl_store *s;
	json_t *t = json_object(), *prev = json_object();
	char err[512], day[16];
	long i;
	size_t k;

	if (zl_report_month(month, &from, &to) < 0) {
		fprintf(stderr, "reportgen: %s: expected YYYY-MM\n", month);
		return 2;
	}
	span = to - from;
	{
		int64_t pto;
		char ym[16];
		zl_report_prev_month(from, ym, sizeof(ym), &pfrom, &pto);
		pspan = pto - pfrom;
	}
	if (!(s = zl_store_open(&so, err, sizeof(err))) || zl_store_start(s) < 0) {
		fprintf(stderr, "reportgen: %s\n", err);
		return 1;
	}
	for (k = 0; k < NHOSTS; k++)
		if (hosts[k].dept && zl_addrbook_row_set(&row, hosts[k].addr, hosts[k].name,
							 hosts[k].owner, hosts[k].dept, err, sizeof(err)) == 0)
			zl_addrbook_rows_add(&rows, &row);
	if (zl_store_hosts_replace(s, rows.v, rows.n, err, sizeof(err)) < 0) {
		fprintf(stderr, "reportgen: %s\n", err);
		return 1;
	}
	for (i = 0; i < nflows + nflows / 4; i++) {
		struct zl_flow_record f = { 0 };
		const struct host *h = &hosts[next() % NHOSTS];
		size_t a = next() % NAPPS;
		int cur = i < nflows;
		int64_t last = cur ? from + (int64_t)(next() % (uint64_t)span) :
			pfrom + (int64_t)(next() % (uint64_t)pspan);
		json_t *o = cur ? t : prev;
		const char *dept = h->dept ? h->dept : "（未登记）";
		time_t tt = (time_t)(last / US);
		struct tm tm;

		f.first_us = last - 1000;
		f.last_us = last;
		snprintf(f.proto, sizeof(f.proto), "TCP");
		snprintf(f.src_ip, sizeof(f.src_ip), "%s", h->addr);
		snprintf(f.dst_ip, sizeof(f.dst_ip), strchr(h->addr, ':') ? "2001:db8:ff::1" : "203.0.113.80");
		f.ip_version = strchr(h->addr, ':') ? 6 : 4;
		f.src_port = 40000;
		f.dst_port = 443;
		snprintf(f.app, sizeof(f.app), "%s", apps[a][0]);
		snprintf(f.category, sizeof(f.category), "%s", apps[a][1]);
		service(&f, i);
		f.src2dst_bytes = 100 + next() % 100000;
		f.dst2src_bytes = 100 + next() % 5000000;
		f.src2dst_packets = f.dst2src_packets = 10;
		if (zl_store_put_flow_wait(s, &f) < 0) {
			fprintf(stderr, "reportgen: the store refused a flow\n");
			return 1;
		}
		addt(o, "up", (int64_t)f.src2dst_bytes);
		addt(o, "down", (int64_t)f.dst2src_bytes);
		addt(o, "flows", 1);
		if (f.ip_version == 6)
			addt(o, "v6", (int64_t)(f.src2dst_bytes + f.dst2src_bytes));
		if (!cur)
			continue;
		if (f.ip_version == 6)
			add(t, "departments", dept, "v6", (int64_t)(f.src2dst_bytes + f.dst2src_bytes));
		add(t, "departments", dept, "up", (int64_t)f.src2dst_bytes);
		add(t, "departments", dept, "down", (int64_t)f.dst2src_bytes);
		add(t, "categories", f.category, "up", (int64_t)f.src2dst_bytes);
		add(t, "categories", f.category, "down", (int64_t)f.dst2src_bytes);
		add(t, "apps", f.app, "up", (int64_t)f.src2dst_bytes);
		add(t, "apps", f.app, "down", (int64_t)f.dst2src_bytes);
		add(t, "apps", f.app, "flows", 1);
		localtime_r(&tt, &tm);
		strftime(day, sizeof(day), "%m-%d", &tm);
		add(t, "days", day, "up", (int64_t)f.src2dst_bytes);
		add(t, "days", day, "down", (int64_t)f.dst2src_bytes);
		if (working(last) && is_ent(f.category))
			add(t, "entertainment", dept, "bytes", (int64_t)(f.src2dst_bytes + f.dst2src_bytes));
		/* the persons' version: a person's working hours, entertainment among them */
		if (working(last) && h->owner) {
			add(t, "persons_work", h->owner, "work", (int64_t)(f.src2dst_bytes + f.dst2src_bytes));
			add(t, "persons_work", h->owner, "ent", is_ent(f.category) ?
			    (int64_t)(f.src2dst_bytes + f.dst2src_bytes) : 0);
		}
	}
	/* the access log: blocks, audits and limits, in both months */
	for (i = 0; i < nflows / 5; i++) {
		struct zl_access_record r = { 0 };
		const struct host *h = &hosts[next() % (NHOSTS - 1)];
		size_t a = next() % NAPPS;
		int cur = i % 5 != 0;
		static const char *const actions[] = { "audit", "audit", "audit", "block", "limit" };
		const char *act = actions[next() % 5];

		r.ts = cur ? from + (int64_t)(next() % (uint64_t)span) :
			pfrom + (int64_t)(next() % (uint64_t)pspan);
		snprintf(r.client_ip, sizeof(r.client_ip), "%s", h->addr);
		snprintf(r.server_ip, sizeof(r.server_ip), "203.0.113.80");
		r.server_port = 443;
		snprintf(r.host_name, sizeof(r.host_name), "%s", h->name);
		snprintf(r.department, sizeof(r.department), "%s", h->dept);
		snprintf(r.owner, sizeof(r.owner), "%s", h->owner);
		snprintf(r.app, sizeof(r.app), "%s", apps[a][0]);
		snprintf(r.category, sizeof(r.category), "%s", apps[a][1]);
		snprintf(r.domain, sizeof(r.domain), "www.example.com");
		snprintf(r.action, sizeof(r.action), "%s", act);
		snprintf(r.rule, sizeof(r.rule), "policy.conf:%d", 10 + (int)(a % 3));
		r.bytes_up = 1000;
		r.bytes_down = 20000;
		if (zl_store_put_access_wait(s, &r) < 0) {
			fprintf(stderr, "reportgen: the store refused an access row\n");
			return 1;
		}
		addt(cur ? t : prev, act, 1);
		if (cur && !strcmp(act, "block")) {
			add(t, "blocked_rules", r.rule, "n", 1);
			add(t, "blocked_departments", r.department, "n", 1);
			add(t, "blocked_apps", r.app, "n", 1);
			add(t, "blocked_persons", r.owner, r.department, 1);
		}
	}
	if (site_checks(s, from, pfrom, t) < 0)
		return 1;
	zl_store_close(s);
	json_object_set_new(t, "prev", prev);
	if (json_dump_file(t, out, JSON_INDENT(1) | JSON_SORT_KEYS) < 0) {
		fprintf(stderr, "reportgen: %s: cannot write\n", out);
		return 1;
	}
	json_decref(t);
	free(rows.v);
	return 0;
}

/* agg5m rows for the benchmark: HOSTS hosts in 30 departments, 200
 * applications; in a working hour most hosts are active with a few
 * applications each, at night a tenth. */
static int bench(const char *path, int days, int nhosts)
{
	int64_t t0 = ((int64_t)time(NULL) / 86400 - days) * 86400, b;
	sqlite3 *db;
	sqlite3_stmt *st;
	long rows = 0;
	char host[64], app[32], cat[32], owner[32];
	int h, k;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 1;
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; BEGIN", NULL, NULL, NULL);
	for (h = 0; h < nhosts; h++) {
		snprintf(host, sizeof(host), "10.%d.%d.%d", h / 65536, h / 256 % 256, h % 256);
		snprintf(cat, sizeof(cat), "县局%02d", h % 30);
		snprintf(owner, sizeof(owner), "人员%05d", h);
		sqlite3_prepare_v2(db, "INSERT INTO hosts (address, name, owner, department, imported) "
				   "VALUES (?, '', ?, ?, 0)", -1, &st, NULL);
		sqlite3_bind_text(st, 1, host, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, owner, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, cat, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO agg5m (bucket, host, app, category, packets_up, "
			   "packets_down, bytes_up, bytes_down, flows) VALUES (?, ?, ?, ?, 10, 10, ?, ?, ?)",
			   -1, &st, NULL);
	for (b = t0; b < t0 + (int64_t)days * 86400; b += 300) {
		int hour = (int)(b % 86400 / 3600), busy = hour >= 1 && hour <= 10;  /* 09-18 UTC+8 */
		for (h = 0; h < nhosts; h++) {
			if (next() % 100 >= (busy ? 60u : 6u))
				continue;
			for (k = 0; k < 3; k++) {
				unsigned a = (unsigned)(next() % 200);
				snprintf(host, sizeof(host), "10.%d.%d.%d", h / 65536, h / 256 % 256, h % 256);
				snprintf(app, sizeof(app), "TLS.App%03u", a);
				snprintf(cat, sizeof(cat), "%s", ent[a % 6]);
				sqlite3_bind_int64(st, 1, b);
				sqlite3_bind_text(st, 2, host, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(st, 3, app, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(st, 4, a % 7 ? cat : "Web", -1, SQLITE_TRANSIENT);
				sqlite3_bind_int64(st, 5, (int64_t)(next() % 100000));
				sqlite3_bind_int64(st, 6, (int64_t)(next() % 2000000));
				sqlite3_bind_int64(st, 7, 1 + (int64_t)(next() % 8));
				sqlite3_step(st);
				sqlite3_reset(st);
				rows++;
			}
		}
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	printf("%ld agg5m rows over %d days from %lld\n", rows, days, (long long)t0);
	return 0;
}

static int render(int argc, char **argv)
{
	struct zl_store_opts so = { .path = argv[2], .retention_days = 400 };
	struct zl_report_opts o = { .by = "reportgen", .work_days = 0x3e };
	int fmt = zl_report_format_parse(argv[3]), i, k, all = !strcmp(argv[3], "all");
	struct timespec a, b;
	struct zl_store *s;
	char err[512];
	json_t *m;
	FILE *f;

	o.n_work_ranges = zl_conf_parse_hours("08:30-12:00,14:00-17:30", o.work_ranges, 4);
	for (i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "--month") && i + 1 < argc) {
			if (zl_report_month(argv[++i], &o.from_us, &o.to_us) < 0)
				return 2;
		} else if (!strcmp(argv[i], "--from") && i + 1 < argc) {
			o.from_us = strtoll(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--to") && i + 1 < argc) {
			o.to_us = strtoll(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--lang") && i + 1 < argc) {
			o.lang = argv[++i];
		} else if (!strcmp(argv[i], "--persons")) {
			o.persons = 1;
		} else if (!strcmp(argv[i], "--ipv6-targets") && i + 1 < argc &&
			   sscanf(argv[++i], "%u,%u", &o.ipv6_target_traffic,
				  &o.ipv6_target_portals) == 2) {
			o.ipv6_targets = 1;
		} else {
			fprintf(stderr, "reportgen: %s?\n", argv[i]);
			return 2;
		}
	}
	if (all)
		fmt = ZL_REPORT_PDF;
	if (fmt < 0 || !(s = zl_store_open(&so, err, sizeof(err)))) {
		fprintf(stderr, "reportgen: %s\n", fmt < 0 ? "format?" : err);
		return 2;
	}
	/* "all": each format in turn (OUT.pdf, OUT.xlsx, OUT.csv), one open */
	for (k = all ? 0 : fmt; k <= (all ? 2 : fmt); k++) {
		char out[512];
		snprintf(out, sizeof(out), all ? "%s.%s" : "%s", argv[4], zl_report_format_name(k));
		clock_gettime(CLOCK_MONOTONIC, &a);
		m = zl_report_build(s, &o, err, sizeof(err));
		if (!m || !(f = fopen(out, "wb")) || zl_report_render(m, k, f, err, sizeof(err)) < 0) {
			fprintf(stderr, "reportgen: %s\n", err);
			return 1;
		}
		fclose(f);
		clock_gettime(CLOCK_MONOTONIC, &b);
		fprintf(stderr, "report %s built and rendered in %.0f ms\n", zl_report_format_name(k),
			(double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
		if (getenv("REPORTGEN_MODEL"))
			json_dump_file(m, getenv("REPORTGEN_MODEL"), JSON_INDENT(1));
		json_decref(m);
	}
	zl_store_close(s);
	zl_report_cleanup();
	return 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int rollup(const char *path)
{
	struct zl_store_opts so = { .path = path, .retention_days = 400 };
	struct zl_store *s;
	sqlite3 *db;
	sqlite3_stmt *st;
	char err[512];
	double t = now_s();
	int rc = 0, version = 0;

	/* a database of an older schema: opening it back-fills them */
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	if (!(s = zl_store_open(&so, err, sizeof(err)))) {
		fprintf(stderr, "reportgen: %s\n", err);
		return 1;
	}
	if (version && (unsigned)version < zl_store_schema_version()) {
		printf("opened (quick_check) and migrated from schema %d (steps 10 and 11 back-fill the "
		       "rollups) in %.1f s\n", version, now_s() - t);
	} else {
		t = now_s();
		rc = zl_store_rollup_rebuild(s, err, sizeof(err));
		if (rc < 0)
			fprintf(stderr, "reportgen: %s\n", err);
		else
			printf("rollups made from the tables in %.1f s\n", now_s() - t);
	}
	zl_store_close(s);
	return rc < 0;
}

struct builder {
	struct zl_store *s;
	struct zl_report_opts o;
	volatile int stop;
	int reports;
};

static void *build_loop(void *ud)
{
	struct builder *b = ud;
	char err[512];
	json_t *m;

	while (!b->stop) {
		FILE *f = fopen("/dev/null", "wb");
		if ((m = zl_report_build(b->s, &b->o, err, sizeof(err))) && f)
			zl_report_render(m, ZL_REPORT_PDF, f, err, sizeof(err));
		if (f)
			fclose(f);
		json_decref(m);
		b->reports++;
	}
	return NULL;
}

/* RATE flows a second for SECONDS through the non-waiting put: drops and
 * the longest put (ms). */
static void offer(struct zl_store *s, int seconds, long rate, uint64_t *dropped, double *worst)
{
	double t0 = now_s(), t, a;
	long i, n = (long)seconds * rate;
	struct zl_flow_record f = { 0 };

	*dropped = 0;
	*worst = 0;
	snprintf(f.proto, sizeof(f.proto), "TCP");
	snprintf(f.dst_ip, sizeof(f.dst_ip), "203.0.113.80");
	snprintf(f.app, sizeof(f.app), "TLS.WeChat");
	snprintf(f.category, sizeof(f.category), "Chat");
	f.ip_version = 4;
	f.dst_port = 443;
	for (i = 0; i < n; i++) {
		while ((t = now_s()) < t0 + (double)i / (double)rate)
			;
		snprintf(f.src_ip, sizeof(f.src_ip), "10.9.%d.%d", (int)(i / 250 % 250), (int)(i % 250));
		f.src_port = (uint16_t)(1024 + i % 60000);
		f.last_us = f.first_us = (int64_t)time(NULL) * US;
		f.src2dst_bytes = f.dst2src_bytes = 1000;
		a = now_s();
		if (zl_store_put_flow(s, &f) < 0)
			(*dropped)++;
		if (now_s() - a > *worst)
			*worst = now_s() - a;
	}
	*worst *= 1e3;
}

static int capture(char **argv)
{
	struct zl_store_opts so = { .path = argv[2], .retention_days = 400 };
	struct builder b = { .o = { .by = "reportgen", .work_days = 0x3e } };
	int seconds = atoi(argv[3]);
	long rate = atol(argv[4]);
	uint64_t d0, d1;
	double w0, w1;
	pthread_t t;
	char err[512];

	b.o.n_work_ranges = zl_conf_parse_hours("08:30-12:00,14:00-17:30", b.o.work_ranges, 4);
	b.o.from_us = strtoll(argv[5], NULL, 10);
	b.o.to_us = strtoll(argv[6], NULL, 10);
	if (!(b.s = zl_store_open(&so, err, sizeof(err))) || zl_store_start(b.s) < 0) {
		fprintf(stderr, "reportgen: %s\n", err);
		return 1;
	}
	offer(b.s, seconds, rate, &d0, &w0);
	pthread_create(&t, NULL, build_loop, &b);
	offer(b.s, seconds, rate, &d1, &w1);
	b.stop = 1;
	pthread_join(t, NULL);
	printf("capture path, %ld flows/s for %d s: alone %llu dropped, longest put %.2f ms; "
	       "while %d reports were built: %llu dropped, longest put %.2f ms\n", rate, seconds,
	       (unsigned long long)d0, w0, b.reports, (unsigned long long)d1, w1);
	zl_store_close(b.s);
	zl_report_cleanup();
	return d1 > d0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "rollup"))
		return rollup(argv[2]);
	if (argc == 7 && !strcmp(argv[1], "capture"))
		return capture(argv);
	if (argc == 6 && !strcmp(argv[1], "fill"))
		return fill(argv[2], argv[3], atol(argv[4]), argv[5]);
	if (argc == 5 && !strcmp(argv[1], "bench"))
		return bench(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc >= 5 && !strcmp(argv[1], "render"))
		return render(argc, argv);
	fprintf(stderr, "usage: reportgen fill DB YYYY-MM FLOWS TOTALS.json | bench DB DAYS HOSTS |\n"
		"       render DB pdf|xlsx|csv|all OUT (--month M | --from US --to US) [--lang en] [--persons]\n"
		"              [--ipv6-targets TRAFFIC,PORTALS] |\n"
		"       rollup DB | capture DB SECONDS RATE FROM_US TO_US\n");
	return 2;
}
