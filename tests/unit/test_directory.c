/*
 * test_directory.c - the address book in force (directory.c) over a real
 * store: an import in which every row is bad leaves the book and the hosts
 * table as they were and says why, by line; imports while the neighbour
 * table is read again on another thread (zl_dir_tick) never touch a book
 * the tick has freed (run under ASan: --enable-sanitizers).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "addrbook.h"
#include "directory.h"
#include "log.h"
#include "store.h"
#include "tap.h"

static const char good[] = "address,name,owner,department\n"
			   "192.0.2.10,fin-pc-01,张三,财政局\n"
			   "192.0.2.74,edu-pc-01,李四,教育局\n";
static const char bad[] = "address,name,owner,department\n"
			  "192.0.2.300,bad-pc,赵六,卫健局\n"
			  "192.0.2.11,fin-pc-02\n";

static size_t hosts_listed(struct zl_dir *d)
{
	json_t *l = zl_dir_list(d);
	size_t n = json_array_size(json_object_get(l, "hosts"));

	json_decref(l);
	return n;
}

static int has_message(json_t *out, const char *want)
{
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(out, "messages"), i, m)
		if (json_string_value(m) && !strcmp(json_string_value(m), want))
			return 1;
	return 0;
}

static void test_all_rows_bad(struct zl_store *s)
{
	struct zl_dir *d = zl_dir_new(), *again = zl_dir_new();
	struct zl_addrbook_rows rows = { 0 };
	json_t *out = NULL;
	unsigned st;

	zl_dir_open(d, s);
	st = zl_dir_import(d, "hosts.csv", good, strlen(good), "test", &out);
	is_int(st, 200, "a good book is imported");
	json_decref(out);
	st = zl_dir_import(d, "hosts.csv", bad, strlen(bad), "test", &out);
	is_int(st, 422, "a CSV whose every row is bad is refused");
	is_str(json_string_value(json_object_get(out, "error")),
	       "no valid row: the address book was not changed", "... and says the book stayed");
	ok(has_message(out, "hosts.csv: line 2: \"192.0.2.300\" is not an IPv4/IPv6 address or a MAC"),
	   "... naming the bad address by its line");
	ok(has_message(out, "hosts.csv: line 3: expected 4 fields (address,name,owner,department), "
			    "found 2"), "... and the short row by its line");
	is_int(json_integer_value(json_object_get(out, "refused")), 2, "... 2 rows refused");
	json_decref(out);
	is_int(hosts_listed(d), 2, "the book in force keeps its 2 hosts");
	is_int(zl_store_hosts_load(s, &rows), 2, "the hosts table keeps its 2 rows");
	zl_addrbook_rows_free(&rows);
	zl_dir_open(again, s);
	is_int(hosts_listed(again), 2, "a restart loads the 2 hosts");
	zl_dir_free(again);
	zl_dir_free(d);
}

/* ---- imports against neighbour refreshes ---- */

#define IMPORTS 300

struct ticker {
	struct zl_dir *d;
	volatile int stop;
	unsigned long ticks;
};

static void *tick_loop(void *arg)
{
	struct ticker *tk = arg;

	while (!tk->stop) {
		zl_dir_tick(tk->d);
		tk->ticks++;
	}
	return NULL;
}

/*
 * An import publishes its book and lets the build lock go; a tick may then
 * replace that book and free it at once. The import's answer (its count of
 * hosts, in the audit detail and the reply) used to be read from the book
 * after the unlock: ASan reports a heap use after free within a few
 * hundred imports. The count must come from before the unlock.
 */
static void test_import_while_ticking(struct zl_store *s)
{
	struct ticker tk = { zl_dir_new(), 0, 0 };
	pthread_t th;
	json_t *out = NULL;
	int i, fails = 0;

	zl_dir_open(tk.d, s);
	pthread_create(&th, NULL, tick_loop, &tk);
	for (i = 0; i < IMPORTS; i++) {
		if (zl_dir_import(tk.d, "hosts.csv", good, strlen(good), "test", &out) != 200 ||
		    json_integer_value(json_object_get(out, "imported")) != 2)
			fails++;
		json_decref(out);
	}
	tk.stop = 1;
	pthread_join(th, NULL);
	is_int(fails, 0, "%d imports while another thread ticked %lu times: each says 2 hosts",
	       IMPORTS, tk.ticks);
	is_int(hosts_listed(tk.d), 2, "... and the book holds them");
	zl_dir_free(tk.d);
}

int main(void)
{
	char dir[] = "/tmp/zl-dir-XXXXXX", path[64], err[512] = "";
	struct zl_store_opts o;
	struct zl_store *s;

	zl_log_init("test_directory", 0);   /* the imports' lines to syslog */
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/zhulan.db", dir);
	memset(&o, 0, sizeof(o));
	o.path = path;
	s = zl_store_open(&o, err, sizeof(err));
	ok(s != NULL, "store opens %s", err);
	if (s) {
		zl_store_start(s);
		test_all_rows_bad(s);
		test_import_while_ticking(s);
		zl_store_close(s);
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/zhulan.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/zhulan.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
