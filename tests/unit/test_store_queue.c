/*
 * test_store_queue.c - the store's queue and file against a real SQLite
 * file: the database and its -wal/-shm files are the owner's alone, a
 * flood of flows leaves room for access-log rows and blocks (and their
 * drops are counted apart), the shutdown path waits for room instead of
 * dropping, a block is queued without waiting on a locked database, and
 * traffic by the address book's department.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "store.h"
#include "tap.h"

static char dir[] = "/tmp/zl-storeq-XXXXXX";

static char *pathf(const char *name)
{
	static char p[4][600];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct zl_store *open_store(const char *path, unsigned queue, unsigned batch_ms)
{
	struct zl_store_opts o = { path, 0, queue, batch_ms };
	char err[512] = "";
	struct zl_store *s = zl_store_open(&o, err, sizeof(err));

	if (!s)
		printf("# open %s: %s\n", path, err);
	return s;
}

static int settle(struct zl_store *s, int timeout_ms)
{
	struct zl_store_stats st;
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 5) {
		zl_store_stats(s, &st);
		if (st.pending == 0 && st.written + st.dropped >= st.queued)
			return 0;
		usleep(5000);
	}
	return -1;
}

static long long sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	long long v = -1;

	sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	} else {
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
	}
	sqlite3_close(db);
	return v;
}

static void flow(int i, struct zl_flow_record *r)
{
	memset(r, 0, sizeof(*r));
	r->last_us = (int64_t)time(NULL) * 1000000 - 1000000 + i % 1000;
	r->first_us = r->last_us - 1000;
	strcpy(r->proto, "UDP");
	snprintf(r->src_ip, sizeof(r->src_ip), "192.0.2.%d", 1 + i % 3);
	snprintf(r->dst_ip, sizeof(r->dst_ip), "198.51.100.%d", i % 200);
	r->src_port = (uint16_t)(1024 + i % 60000);
	r->dst_port = 53;
	r->ip_version = 4;
	strcpy(r->app, "DNS");
	strcpy(r->category, "Network");
	strcpy(r->end_reason, "idle");
	r->src2dst_packets = 1;
	r->src2dst_bytes = 100;
}

static void access_row(int i, struct zl_access_record *r)
{
	memset(r, 0, sizeof(*r));
	r->ts = (int64_t)time(NULL) * 1000000 + i;
	strcpy(r->client_ip, "192.0.2.10");
	strcpy(r->server_ip, "198.51.100.11");
	r->server_port = 443;
	strcpy(r->app, "TLS.Douyin");
	strcpy(r->action, "block");
	strcpy(r->rule, "policy.conf:12");
}

static void block(int i, struct zl_bh_record *r)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->client, "192.0.2.10");
	snprintf(r->server, sizeof(r->server), "198.51.100.%d", i);
	r->port = 443;
	r->expires_us = (int64_t)time(NULL) * 1000000 + 600000000LL;
	strcpy(r->rule, "policy.conf:15");
	strcpy(r->app, "TLS.Douyin");
}

static unsigned mode_of(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (unsigned)(sb.st_mode & 0777) : 01000;
}

/* ---- 2b: the file is the daemon user's alone ---- */

static void test_modes(void)
{
	const char *path = pathf("m.db"), *old = pathf("old.db");
	char wal[700], shm[700];
	struct zl_flow_record r;
	struct zl_store *s;
	FILE *f;

	umask(022);
	s = open_store(path, 0, 10);
	ok(s != NULL, "modes: open");
	if (!s)
		return;
	zl_store_start(s);
	flow(1, &r);
	zl_store_put_flow(s, &r);
	settle(s, 5000);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(shm, sizeof(shm), "%s-shm", path);
	is_int(mode_of(path), 0600, "modes: a new database is 0600");
	is_int(mode_of(wal), 0600, "modes: its -wal file is 0600");
	is_int(mode_of(shm), 0600, "modes: its -shm file is 0600");
	zl_store_close(s);

	/* left group-readable by an older version */
	s = open_store(old, 0, 0);
	zl_store_close(s);
	snprintf(wal, sizeof(wal), "%s-wal", old);
	chmod(old, 0640);
	f = fopen(wal, "w");           /* a WAL left over by a crash */
	if (f)
		fclose(f);
	chmod(wal, 0644);
	s = open_store(old, 0, 0);
	ok(s != NULL, "modes: a 0640 database opens");
	is_int(mode_of(old), 0600, "modes: ... and is made 0600");
	is_int(mode_of(wal), 0600, "modes: ... and so is its -wal file");
	zl_store_close(s);
}

/* ---- 4: flows leave room for access-log rows and blocks ---- */

static void test_reserve(void)
{
	const char *path = pathf("r.db");
	struct zl_flow_record fr;
	struct zl_access_record ar;
	struct zl_bh_record br;
	struct zl_store_stats st;
	struct zl_store *s = open_store(path, 64, 0);
	int i, flows = 0, access = 0, rc;

	if (!s) {
		ok(0, "reserve: open");
		return;
	}
	for (i = 0; i < 1000; i++) {          /* a flood, and no writer to drain it */
		flow(i, &fr);
		flows += zl_store_put_flow(s, &fr) == 0;
	}
	is_int(flows, 48, "reserve: flows fill 48 of a queue of 64");
	for (i = 0; i < 15; i++) {
		access_row(i, &ar);
		access += zl_store_put_access(s, &ar) == 0;
	}
	is_int(access, 15, "reserve: access-log rows still enqueue after the flood");
	block(1, &br);
	is_int(zl_store_bh_put(s, &br), 0, "reserve: so does a block");
	access_row(99, &ar);
	is_int(zl_store_put_access(s, &ar), -ENOSPC, "reserve: an access row finding the queue full is refused");
	zl_store_stats(s, &st);
	is_int(st.dropped, 1000 - 48 + 1, "reserve: dropped counts every kind");
	is_int(st.access_dropped, 1, "reserve: access_dropped counts only the access row");
	is_int(st.pending, 64, "reserve: the queue is full");
	zl_store_close(s);
	is_int(sql_int(path, "SELECT count(*) FROM access_log"), 15, "reserve: the 15 rows are written at close");
	is_int(sql_int(path, "SELECT count(*) FROM flows"), 48, "reserve: and the 48 flows");
	is_int(sql_int(path, "SELECT count(*) FROM bh_entries"), 1, "reserve: and the block");

	/* the shutdown path without a writer gives up instead of hanging */
	s = open_store(path, 1024, 0);
	for (i = 0, rc = 0; s && i < 800 && rc == 0; i++) {
		flow(i, &fr);
		rc = zl_store_put_flow_wait(s, &fr);
	}
	is_int(rc, -ENOSPC, "reserve: with no writer running, a waiting put gives up when full");
	zl_store_close(s);
}

/* ---- 4: at shutdown, producers wait for the writer ---- */

struct producer {
	struct zl_store *s;
	int n, refused;
};

static void *produce_wait(void *arg)
{
	struct producer *p = arg;
	struct zl_flow_record fr;
	struct zl_access_record ar;
	int i;

	for (i = 0; i < p->n; i++) {
		flow(i, &fr);
		p->refused += zl_store_put_flow_wait(p->s, &fr) != 0;
		if (i % 20 == 0) {
			access_row(i, &ar);
			p->refused += zl_store_put_access_wait(p->s, &ar) != 0;
		}
	}
	return NULL;
}

static void test_shutdown_wait(void)
{
	const char *path = pathf("w.db");
	struct zl_store *s = open_store(path, 4096, 500);
	struct producer p[2];
	struct zl_store_stats st;
	pthread_t t[2];
	double t0, dt;
	int i, n = 60000;

	if (!s) {
		ok(0, "wait: open");
		return;
	}
	zl_store_start(s);
	t0 = now_s();
	for (i = 0; i < 2; i++) {
		p[i] = (struct producer){ s, n / 2, 0 };
		pthread_create(&t[i], NULL, produce_wait, &p[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ok(settle(s, 60000) == 0, "wait: written");
	dt = now_s() - t0;
	zl_store_stats(s, &st);
	is_int(p[0].refused + p[1].refused, 0, "wait: %d flows and %d access rows through a queue "
	       "of 4096, none refused", n, n / 20);
	is_int(st.dropped, 0, "wait: nothing dropped");
	printf("# the writer: %.0f records/s (%d flows, 1 access row in 21, 2 producers, %.2f s)\n",
	       (n + n / 20) / dt, n, dt);
	zl_store_close(s);
	is_int(sql_int(path, "SELECT count(*) FROM flows"), n, "wait: every flow is in the file");
	is_int(sql_int(path, "SELECT count(*) FROM access_log"), n / 20, "wait: every access row too");
}

/* ---- 5: a block never waits on SQLite ---- */

static void test_block_locked(void)
{
	const char *path = pathf("b.db");
	struct zl_store *s = open_store(path, 0, 10);
	struct zl_bh_record br, *v = NULL;
	sqlite3 *lock = NULL;
	double t0, dt;
	size_t n;
	int rc;

	if (!s) {
		ok(0, "block: open");
		return;
	}
	zl_store_start(s);
	sqlite3_open(path, &lock);
	/* the writer may be in its own start-up transaction: wait for it */
	sqlite3_busy_timeout(lock, 10000);
	ok(sqlite3_exec(lock, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK,
	   "block: another connection holds the database's write lock");
	block(7, &br);
	t0 = now_s();
	rc = zl_store_bh_put(s, &br);
	dt = now_s() - t0;
	is_int(rc, 0, "block: a block is accepted while the database is locked");
	ok(dt < 0.05, "block: ... at once (%.1f ms), not after the busy timeout", dt * 1000);
	usleep(300000);
	is_int(sql_int(path, "SELECT count(*) FROM bh_entries"), 0, "block: not written while locked");
	sqlite3_exec(lock, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(lock);
	ok(settle(s, 10000) == 0, "block: written once the lock is gone");
	n = zl_store_bh_load(s, 0, &v);
	ok(n == 1 && !strcmp(v[0].server, "198.51.100.7") && !strcmp(v[0].rule, "policy.conf:15"),
	   "block: the row is in bh_entries (%zu)", n);
	free(v);
	zl_store_close(s);
}

/* ---- top departments ---- */

static void test_departments(void)
{
	const char *path = pathf("d.db");
	struct zl_store *s = open_store(path, 0, 10);
	struct zl_flow_record fr;
	sqlite3 *db = NULL;
	char err[256];
	json_t *t;
	int i;

	if (!s) {
		ok(0, "departments: open");
		return;
	}
	sqlite3_open(path, &db);
	sqlite3_busy_timeout(db, 5000);
	sqlite3_exec(db, "INSERT INTO hosts (address, name, owner, department, imported) VALUES "
		     "('192.0.2.1', 'fin-pc-01', '张三', '财政局', 0), "
		     "('192.0.2.2', 'fin-pc-02', '李四', '财政局', 0), "
		     "('', 'laptop', '王五', '教育局', 0)", NULL, NULL, NULL);
	sqlite3_close(db);
	zl_store_start(s);
	for (i = 0; i < 300; i++) {    /* 192.0.2.1, .2 and .3 in turn, 100 bytes each */
		flow(i, &fr);
		zl_store_put_flow(s, &fr);
	}
	settle(s, 10000);
	t = zl_store_top(s, "departments", 0, 0, 10, err, sizeof(err));
	ok(t && json_array_size(t) == 2, "departments: two rows (%s)", t ? "" : err);
	if (t && json_array_size(t) == 2) {
		json_t *a = json_array_get(t, 0), *b = json_array_get(t, 1);
		is_str(json_string_value(json_object_get(a, "name")), "财政局", "departments: 财政局 first");
		is_int(json_integer_value(json_object_get(a, "flows")), 200, "departments: its two hosts' flows");
		is_int(json_integer_value(json_object_get(a, "bytes")), 20000, "departments: and bytes");
		is_str(json_string_value(json_object_get(b, "name")), "", "departments: unregistered as \"\"");
		is_int(json_integer_value(json_object_get(b, "flows")), 100, "departments: 192.0.2.3's flows");
	}
	json_decref(t);
	zl_store_close(s);
}

int main(void)
{
	char cmd[700];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_modes();
	test_reserve();
	test_shutdown_wait();
	test_block_locked();
	test_departments();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", dir);
	return done_testing();
}
