/*
 * store_fixture.c - the store tests' shared data set and helpers (see
 * store_fixture.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_fixture.h"

const char *apps[NAPPS] = { "TLS.YouTube", "DNS.Google", "HTTP", "TLS.Douyin",
			    "QUIC.YouTube" };
static const char *cats[NAPPS] = { "Media", "Network", "Web", "Video", "Media" };

char dir[] = "/tmp/zl-store-XXXXXX";
int64_t base_s;

char *pathf(const char *name)
{
	static char p[4][600];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

void flow(int i, struct zl_flow_record *r)
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

void rfc3339(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / US);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06dZ", (int)(us % US));
}

struct zl_store *open_store(const char *path, unsigned retention, unsigned queue,
			    unsigned batch_ms)
{
	struct zl_store_opts o = { path, retention, queue, batch_ms };
	char err[512] = "";
	struct zl_store *s = zl_store_open(&o, err, sizeof(err));

	if (!s)
		printf("# open %s: %s\n", path, err);
	return s;
}

int settle(struct zl_store *s, int timeout_ms)
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

long long sql_int(sqlite3 *db, const char *sql)
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

sqlite3 *raw(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		printf("# sqlite3_open %s: %s\n", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	return db;
}

long long total_of(struct zl_store *s, const struct zl_flow_query *q0)
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

long long jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int fixture_init(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return -1;
	}
	base_s = (now_s() / 300) * 300 - 3600;
	return 0;
}

void fixture_cleanup(void)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", dir);
}
