/*
 * test_store_writer.c - the store's writer against real SQLite files:
 * retention, migration from v1, damaged and missing files, a full queue,
 * producers and readers on threads beside the writer, and (as root) a full
 * disk that empties again.
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

#include "store_fixture.h"
#include "tap.h"

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
	for (i = 0; i < 64; i++)         /* 256 KiB */
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

int main(void)
{
	if (fixture_init() < 0)
		return 1;
	test_retention();
	test_migration();
	test_bad_files();
	test_overflow();
	test_threads();
	test_full_disk();
	fixture_cleanup();
	return done_testing();
}
