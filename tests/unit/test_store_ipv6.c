/*
 * test_store_ipv6.c - the IPv6 measurement's counters through the real
 * writer: hosts joined by MAC (neighbour rows) and named by the address
 * book, each state, shares that equal the bytes put in, ICMPv6 and
 * outside clients left out, the services' to-do lists ranked by IPv4
 * bytes, the internal zone, a day's snapshot and the trend; then a day of
 * 2,000 hosts and 2,000 services whose snapshot must take under a second.
 * Days are local dates: it all runs in UTC and again in Asia/Shanghai
 * (UTC+8), where a flow at 23:30 and one at 00:30 local are a UTC day's
 * flows on two local dates.
 *
 * Addresses are strings in a database, no packet is sent: the small case
 * uses documentation addresses, the 2,000 hosts the benchmarking range
 * 198.18.0.0/15 (RFC 2544) and 2001:db8::/32.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "addrbook.h"
#include "dnsans.h"
#include "localday.h"
#include "store.h"
#include "store_ipv6.h"
#include "tap.h"
#include "zone.h"

#define US 1000000LL
#define DAY_US (86400 * US)

static char dir[32];

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static int settle(struct zl_store *s)
{
	struct zl_store_stats st;
	int waited;

	for (waited = 0; waited < 20000; waited += 5) {
		zl_store_stats(s, &st);
		if (st.pending == 0 && st.written + st.dropped >= st.queued)
			return st.dropped ? -1 : 0;
		sleep_ms(5);
	}
	return -1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void flow(struct zl_store *s, int64_t t, const char *proto, const char *src,
		 const char *dst, const char *app, const char *host, uint64_t bytes, int rr)
{
	struct zl_flow_record r;

	memset(&r, 0, sizeof(r));
	r.first_us = t - US;
	r.last_us = t;
	snprintf(r.proto, sizeof(r.proto), "%s", proto);
	snprintf(r.src_ip, sizeof(r.src_ip), "%s", src);
	snprintf(r.dst_ip, sizeof(r.dst_ip), "%s", dst);
	r.ip_version = strchr(src, ':') ? 6 : 4;
	snprintf(r.app, sizeof(r.app), "%s", app);
	snprintf(r.host, sizeof(r.host), "%s", host);
	r.src2dst_bytes = bytes / 4;
	r.dst2src_bytes = bytes - bytes / 4;
	r.src2dst_packets = r.dst2src_packets = 1;
	r.dns_rr = (uint8_t)rr;
	if (zl_store_put_flow(s, &r) < 0)
		printf("# put_flow refused\n");
}

static void neigh(struct zl_addrbook_neigh *n, const char *addr, unsigned mac_last)
{
	memset(n, 0, sizeof(*n));
	n->addr.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	inet_pton(n->addr.family, addr, n->addr.ip);
	n->hwaddr[0] = 0x02;
	n->hwaddr[4] = (uint8_t)(mac_last >> 8);
	n->hwaddr[5] = (uint8_t)mac_last;
}

static json_t *path(json_t *o, const char *p)
{
	char buf[200], *t, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", p);
	for (t = strtok_r(buf, ".", &save); t && o; t = strtok_r(NULL, ".", &save))
		o = json_is_array(o) ? json_array_get(o, (size_t)atoi(t)) : json_object_get(o, t);
	return o;
}

static long long jint(json_t *o, const char *p)
{
	return json_integer_value(path(o, p));
}

static const char *jstr(json_t *o, const char *p)
{
	const char *v = json_string_value(path(o, p));
	return v ? v : "(none)";
}

static json_t *find(json_t *a, const char *key, const char *val)
{
	size_t i;
	json_t *e;

	json_array_foreach(a, i, e)
		if (!strcmp(jstr(e, key), val))
			return e;
	return NULL;
}

/* The exact case: three county hosts, one outside client, the zone. */
static void small_day(struct zl_store *s, int64_t t)
{
	struct zl_addrbook_neigh nv[6];
	struct zl_addrbook_rows rows = { 0 };
	struct zl_addrbook_row r;
	char err[256];

	/* dual-stack, uses IPv6: 3000 bytes over IPv4, 1000 over IPv6 */
	flow(s, t, "TCP", "192.0.2.10", "198.51.100.10", "TLS", "both.example", 3000, 0);
	flow(s, t, "TCP", "2001:db8:10::10", "2001:db8:f::10", "TLS", "Both.Example", 1000, 0);
	flow(s, t, "UDP", "192.0.2.10", "198.51.100.53", "DNS", "both.example", 100,
	     ZL_DNS_A | ZL_DNS_AAAA);
	/* an IPv6 address, all traffic over IPv4; its ping over IPv6 is no use */
	flow(s, t, "TCP", "192.0.2.11", "198.51.100.11", "TLS.Bilibili", "v4used.example", 5000, 0);
	flow(s, t, "UDP", "192.0.2.11", "198.51.100.53", "DNS", "v4used.example", 100,
	     ZL_DNS_A | ZL_DNS_AAAA);
	flow(s, t, "ICMPV6", "2001:db8:10::11", "2001:db8:10::1", "ICMPV6", "", 200, 0);
	/* IPv4-only; its service has no AAAA */
	flow(s, t, "TCP", "192.0.2.12", "198.51.100.12", "HTTP", "noaaaa.example", 2000, 0);
	flow(s, t, "UDP", "192.0.2.12", "198.51.100.53", "DNS", "noaaaa.example", 100,
	     ZL_DNS_A | ZL_DNS_NO_AAAA);
	/* outside clients of the internal zone: not county hosts */
	flow(s, t, "TCP", "203.0.113.99", "198.51.100.200", "HTTP", "www.county.example", 700, 0);
	flow(s, t, "TCP", "2001:db8:ff::99", "2001:db8:f::200", "HTTP", "www.county.example", 300, 0);
	flow(s, t, "TCP", "203.0.113.98", "198.51.100.201", "HTTP", "v4.county.example", 100, 0);
	ok(settle(s) == 0, "flows written");
	neigh(&nv[0], "192.0.2.10", 0x10);
	neigh(&nv[1], "2001:db8:10::10", 0x10);
	neigh(&nv[2], "192.0.2.11", 0x11);
	neigh(&nv[3], "2001:db8:10::11", 0x11);
	neigh(&nv[4], "fe80::11", 0x11);
	neigh(&nv[5], "192.0.2.12", 0x12);
	is_int(zl_store_ipv6_neigh(s, nv, 6, t), 5, "neighbour rows: link-local left out");
	zl_addrbook_row_set(&r, "192.0.2.10", "fin-pc-01", "张三", "财政局", err, sizeof(err));
	zl_addrbook_rows_add(&rows, &r);
	zl_addrbook_row_set(&r, "02:00:00:00:00:11", "edu-pc-01", "李四", "教育局", err, sizeof(err));
	zl_addrbook_rows_add(&rows, &r);
	ok(zl_store_hosts_replace(s, rows.v, rows.n, err, sizeof(err)) == 0, "address book");
	zl_addrbook_rows_free(&rows);
}

static void check_small(struct zl_store *s, int64_t day, const char *source)
{
	char err[256];
	json_t *o = zl_store_ipv6_summary(s, day, NULL, err, sizeof(err)), *d;

	ok(o != NULL, "summary (%s)", o ? source : err);
	is_str(jstr(o, "source"), source, "summary from the %s", source);
	is_int(jint(o, "county.hosts.total"), 3, "3 county hosts (outside clients not counted)");
	is_int(jint(o, "county.hosts.dual_stack_active"), 1, "one dual-stack active");
	is_int(jint(o, "county.hosts.ipv6_idle"), 1, "one with an IPv6 address and no IPv6 use");
	is_int(jint(o, "county.hosts.ipv4_only"), 1, "one IPv4-only");
	is_int(jint(o, "county.hosts.ipv6_only"), 0, "no IPv6-only");
	is_int(jint(o, "county.bytes.ipv6"), 1000, "IPv6 bytes as put in (ICMPv6 not counted)");
	is_int(jint(o, "county.bytes.ipv4"), 3000 + 5000 + 2000 + 300, "IPv4 bytes as put in");
	ok(json_real_value(path(o, "county.bytes.ipv6_share")) == 8.84,
	   "IPv6 share of bytes 1000/11300 = 8.84%% (got %g)",
	   json_real_value(path(o, "county.bytes.ipv6_share")));
	ok(json_real_value(path(o, "county.dual_stack_use_share")) == 50.0,
	   "half the dual-stack hosts use IPv6");
	is_int(jint(o, "todo.aaaa_over_ipv4"), 2, "two services with AAAA used over IPv4");
	is_int(jint(o, "todo.no_aaaa"), 1, "one service without AAAA");
	is_int(jint(o, "internal.servers"), 3, "three internal servers");
	is_int(jint(o, "internal.serving_ipv6"), 1, "one serves over IPv6");
	d = find(json_object_get(o, "departments"), "department", "财政局");
	is_int(d ? jint(d, "hosts.dual_stack_active") : -1, 1, "财政局: its host is active");
	d = find(json_object_get(o, "departments"), "department", "教育局");
	is_int(d ? jint(d, "hosts.ipv6_idle") : -1, 1, "教育局: its host (a MAC row) is idle");
	json_decref(o);
}

static void check_lists(struct zl_store *s, int64_t day)
{
	char err[256];
	json_t *o = zl_store_ipv6_hosts(s, day, NULL, err, sizeof(err)), *h, *v4;

	ok(o != NULL, "hosts");
	h = find(json_object_get(o, "hosts"), "host", "02:00:00:00:00:10");
	ok(h != NULL, "the dual-stack host is its MAC");
	is_int(h ? json_array_size(json_object_get(h, "addresses")) : 0, 2, "with both addresses");
	is_str(h ? jstr(h, "name") : "", "fin-pc-01", "named by the book");
	is_str(h ? jstr(h, "state") : "", "dual_stack_active", "dual-stack active");
	ok(h && json_real_value(json_object_get(h, "bytes_ipv6_share")) == 24.39,
	   "its IPv6 share of bytes 1000/4100 = 24.39%%");
	json_decref(o);

	o = zl_store_ipv6_services(s, day, day, 100, err, sizeof(err));
	ok(o != NULL, "services");
	v4 = path(o, "todo.aaaa_over_ipv4");
	is_int(json_array_size(v4), 2, "two on the AAAA-over-IPv4 list");
	is_str(jstr(v4, "0.name"), "v4used.example", "the most IPv4 bytes first");
	is_str(jstr(v4, "0.app"), "TLS.Bilibili", "with its application");
	is_str(jstr(v4, "1.name"), "both.example", "then the other (names folded to lower case)");
	ok(json_is_true(path(v4, "1.reached_over_ipv6")), "which was reached over IPv6 too");
	is_str(jstr(o, "todo.no_aaaa.0.name"), "noaaaa.example", "the one without AAAA");
	is_str(jstr(o, "todo.no_aaaa.0.aaaa"), "no", "aaaa: no");
	h = find(json_object_get(o, "apps"), "app", "Bilibili");
	ok(h && jint(h, "services") == 1 && jint(h, "with_aaaa") == 1 && jint(h, "bytes_ipv4") == 5000,
	   "grouped by application: Bilibili (of TLS.Bilibili), one name with AAAA, 5000 bytes");
	h = find(json_object_get(o, "apps"), "app", "TLS");
	ok(h && jint(h, "services") == 1 && json_real_value(json_object_get(h, "bytes_ipv6_share")) == 25.0,
	   "TLS: both.example, a quarter over IPv6");
	h = find(json_object_get(o, "apps"), "app", "HTTP");
	ok(h && jint(h, "without_aaaa") == 1, "HTTP: the name without AAAA");
	is_int(json_array_size(path(o, "internal")), 2, "two internal names");
	is_str(jstr(o, "internal.0.name"), "www.county.example", "internal by bytes");
	ok(json_is_true(path(o, "internal.0.reached_over_ipv6")), "served over IPv6");
	ok(!find(json_object_get(o, "services"), "name", "www.county.example"),
	   "internal names are not external services");
	json_decref(o);
}

/* 2,000 hosts with both families and a MAC, 2,000 services: a day's snapshot. */
static void bench_day(struct zl_store *s, int64_t t)
{
	struct zl_addrbook_neigh *nv = calloc(4000, sizeof(*nv));
	char v4[48], v6[48], name[64], err[256];
	double t0, dt;
	int i;

	for (i = 0; i < 2000; i++) {
		snprintf(v4, sizeof(v4), "198.18.%d.%d", i / 250, i % 250 + 1);
		snprintf(v6, sizeof(v6), "2001:db8:1:%x::%x", i / 250 + 1, i % 250 + 1);
		snprintf(name, sizeof(name), "svc%d.example", i);
		flow(s, t, "TCP", v4, "198.51.100.10", "TLS", name, 10000, 0);
		flow(s, t, "TCP", v4, "198.51.100.11", "TLS", name, 10000, 0);
		if (i % 3 == 0)
			flow(s, t, "TCP", v6, "2001:db8:f::10", "TLS", name, 5000, 0);
		flow(s, t, "UDP", v4, "198.51.100.53", "DNS", name, 100,
		     i % 2 ? ZL_DNS_A | ZL_DNS_AAAA : ZL_DNS_A | ZL_DNS_NO_AAAA);
		neigh(&nv[2 * i], v4, (unsigned)i + 0x100);
		neigh(&nv[2 * i + 1], v6, (unsigned)i + 0x100);
		if (i % 500 == 499)
			settle(s);
	}
	ok(settle(s) == 0, "2,000 hosts' flows written");
	is_int(zl_store_ipv6_neigh(s, nv, 4000, t), 4000, "4,000 neighbour rows");
	/* a county's address book: half the hosts by address, half by MAC,
	 * in 20 departments */
	{
		struct zl_addrbook_rows rows = { 0 };
		struct zl_addrbook_row r;
		char key[48], host[32], dept[32];

		for (i = 0; i < 2000; i++) {
			if (i % 2)
				snprintf(key, sizeof(key), "198.18.%d.%d", i / 250, i % 250 + 1);
			else
				snprintf(key, sizeof(key), "02:00:00:00:%02x:%02x", (i + 0x100) >> 8,
					 (i + 0x100) & 0xff);
			snprintf(host, sizeof(host), "pc-%d", i);
			snprintf(dept, sizeof(dept), "dept-%d", i % 20);
			zl_addrbook_row_set(&r, key, host, "", dept, err, sizeof(err));
			zl_addrbook_rows_add(&rows, &r);
		}
		ok(zl_store_hosts_replace(s, rows.v, rows.n, err, sizeof(err)) == 0,
		   "an address book of 2,000 hosts");
		zl_addrbook_rows_free(&rows);
	}
	t0 = now_s();
	ok(zl_store_ipv6_snapshot(s, zl_localday_of(t), err, sizeof(err)) == 0, "snapshot: %s",
	   err[0] ? err : "taken");
	dt = now_s() - t0;
	ok(dt < 1.0, "a day's snapshot over 2,000 hosts takes under a second (%.3f s)", dt);
	printf("# snapshot of 2,000 hosts and 2,000 services: %.3f s\n", dt);
	free(nv);
}

/*
 * A flow that ends at 23:30 local counts on that date, one at 00:30 on the
 * next (in Shanghai both are in one UTC day, 15:30 and 16:30): days 10 and
 * 9 back, away from the other cases' days.
 */
static void check_local_dates(struct zl_store *s, int64_t today)
{
	int64_t midnight = zl_localday_start_us(today - 9);
	struct zl_addrbook_neigh nv;
	char err[256], want[16];
	json_t *o;

	flow(s, midnight - 1800 * US, "TCP", "192.0.2.30", "198.51.100.10", "TLS", "late.example",
	     1000, 0);
	flow(s, midnight + 1800 * US, "TCP", "192.0.2.31", "198.51.100.10", "TLS", "early.example",
	     1000, 0);
	ok(settle(s) == 0, "flows at 23:30 and 00:30 local written");
	/* county hosts: the neighbour table showed them at those times */
	neigh(&nv, "192.0.2.30", 0x30);
	zl_store_ipv6_neigh(s, &nv, 1, midnight - 1800 * US);
	neigh(&nv, "192.0.2.31", 0x31);
	zl_store_ipv6_neigh(s, &nv, 1, midnight + 1800 * US);
	o = zl_store_ipv6_hosts(s, today - 10, NULL, err, sizeof(err));
	zl_localday_text(today - 10, want, sizeof(want));
	is_str(jstr(o, "day"), want, "hosts of the local date %s", want);
	is_int(json_array_size(json_object_get(o, "hosts")), 1, "one host on %s", want);
	is_str(jstr(o, "hosts.0.host"), "02:00:00:00:00:30", "the 23:30 flow's, on its local date");
	json_decref(o);
	o = zl_store_ipv6_hosts(s, today - 9, NULL, err, sizeof(err));
	zl_localday_text(today - 9, want, sizeof(want));
	is_int(json_array_size(json_object_get(o, "hosts")), 1, "one host on %s", want);
	is_str(jstr(o, "hosts.0.host"), "02:00:00:00:00:31", "the 00:30 flow's, on the next local date");
	json_decref(o);
}

static void run(const char *tz, int bench)
{
	struct zl_store_opts o = { 0 };
	struct zl_store *s;
	int64_t now, today;
	char db[600], err[256];
	json_t *tr, *sum;

	zone(tz);
	snprintf(dir, sizeof(dir), "/tmp/zl-store6-XXXXXX");
	if (!mkdtemp(dir))
		return;
	snprintf(db, sizeof(db), "%s/z.db", dir);
	o.path = db;
	o.batch_ms = 20;
	s = zl_store_open(&o, err, sizeof(err));
	ok(s != NULL, "open: %s", s ? "ok" : err);
	if (!s)
		return;
	ok(zl_store_ipv6_prefixes(s, NULL, "198.51.100.200/31, 2001:db8:f::200", err, sizeof(err)) == 0,
	   "internal zone");
	ok(zl_store_ipv6_prefixes(s, NULL, "198.51.100.0/33", err, sizeof(err)) < 0 &&
	   strstr(err, "ipv6_internal"), "a bad prefix refused: %s", err);
	zl_store_start(s);
	now = (int64_t)time(NULL) * US;
	today = zl_localday_of(now);
	tr = zl_store_ipv6_trend(s, 30, NULL, err, sizeof(err));
	zl_localday_text(today, db, sizeof(db));
	is_str(jstr(tr, "today"), db, "the trend's window ends today, the local date %s", db);
	json_decref(tr);
	snprintf(db, sizeof(db), "%s/z.db", dir);

	small_day(s, now - DAY_US);        /* yesterday */
	check_small(s, today - 1, "counters");
	check_lists(s, today - 1);
	ok(zl_store_ipv6_snapshot(s, today - 1, err, sizeof(err)) == 0, "snapshot of yesterday");
	check_small(s, today - 1, "snapshot");

	small_day(s, now);                 /* today, from the counters */
	check_small(s, today, "counters");
	tr = zl_store_ipv6_trend(s, 30, NULL, err, sizeof(err));
	is_int(json_array_size(json_object_get(tr, "trend")), 2, "trend: yesterday and today");
	is_str(jstr(tr, "trend.0.source"), "snapshot", "yesterday from its snapshot");
	is_str(jstr(tr, "trend.1.source"), "counters", "today from the counters");
	json_decref(tr);
	tr = zl_store_ipv6_trend(s, 30, "财政局", err, sizeof(err));
	is_int(jint(tr, "trend.0.hosts.total"), 1, "trend of a department");
	json_decref(tr);
	sum = zl_store_ipv6_summary(s, today, "教育局", err, sizeof(err));
	is_int(json_array_size(json_object_get(sum, "departments")), 1, "summary of one department");
	json_decref(sum);

	check_local_dates(s, today);
	if (!bench)
		goto reopen;
	bench_day(s, now - 2 * DAY_US);
	sum = zl_store_ipv6_summary(s, today - 2, NULL, err, sizeof(err));
	is_int(jint(sum, "county.hosts.total"), 2000, "2,000 hosts in the snapshot");
	is_int(jint(sum, "county.hosts.dual_stack_active"), 667, "a third of them active");
	is_int(jint(sum, "county.hosts.ipv6_idle"), 1333, "the rest idle");
	is_int(jint(sum, "todo.no_aaaa"), 1000, "1,000 services without AAAA");
	is_int(json_array_size(json_object_get(sum, "departments")), 20, "in 20 departments");
	json_decref(sum);

	/* a day whose snapshot is missing gets one when the writer starts */
reopen:
	zl_store_close(s);
	{
		sqlite3 *raw;
		char sql[100];

		snprintf(sql, sizeof(sql), "DELETE FROM ipv6_daily WHERE day = %lld", (long long)(today - 1));
		ok(sqlite3_open(db, &raw) == SQLITE_OK && sqlite3_exec(raw, sql, 0, 0, 0) == SQLITE_OK,
		   "yesterday's snapshot removed");
		sqlite3_close(raw);
	}
	s = zl_store_open(&o, err, sizeof(err));
	sum = zl_store_ipv6_summary(s, today - 1, NULL, err, sizeof(err));
	is_str(jstr(sum, "source"), "counters", "before the writer starts: from the counters");
	json_decref(sum);
	zl_store_start(s);
	for (int i = 0; i < 400; i++) {
		sum = zl_store_ipv6_summary(s, today - 1, NULL, err, sizeof(err));
		if (!strcmp(jstr(sum, "source"), "snapshot"))
			break;
		json_decref(sum);
		sum = NULL;
		sleep_ms(5);
	}
	is_str(sum ? jstr(sum, "source") : "none", "snapshot", "the writer took the missing snapshot at start");
	is_int(jint(sum, "county.hosts.total"), 3, "with the day's hosts");
	json_decref(sum);
	zl_store_close(s);
	snprintf(db, sizeof(db), "rm -rf %s", dir);
	ok(system(db) == 0, "test directory removed");
}

int main(void)
{
	run("UTC", 1);
	run("Asia/Shanghai", 0);
	return done_testing();
}
