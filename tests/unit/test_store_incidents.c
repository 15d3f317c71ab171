/*
 * test_store_incidents.c - incidents in a real SQLite store: a record
 * written and updated, the list's filters and paging, the review
 * workflow's allowed and refused transitions with their notes, open counts
 * by severity, suppressed counts, and the retention taking old incidents
 * with their notes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "incident.h"
#include "store.h"
#include "store_incidents.h"
#include "tap.h"

#define US 1000000LL

static char dir[] = "/tmp/zl-sti-XXXXXX";

static int64_t now_us(void)
{
	return (int64_t)time(NULL) * US;
}

static void row(struct zl_incident_row *r, const char *type, int sev, const char *src,
		const char *dept, int64_t last_us)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->type, sizeof(r->type), "%s", type);
	r->severity = sev;
	r->first_us = last_us - 12 * US;
	r->last_us = last_us;
	r->count = 1;
	snprintf(r->src_ip, sizeof(r->src_ip), "%s", src);
	snprintf(r->dst_ip, sizeof(r->dst_ip), "198.51.100.10");
	snprintf(r->src_department, sizeof(r->src_department), "%s", dept);
	snprintf(r->proto, sizeof(r->proto), "TCP");
	snprintf(r->evidence, sizeof(r->evidence), "[]");
	snprintf(r->sentence_en, sizeof(r->sentence_en), "host %s did %s", src, type);
	snprintf(r->sentence_zh, sizeof(r->sentence_zh), "主机 %s", src);
}

static json_t *list(struct zl_store *s, const char *status, const char *type, int sev,
		    const char *dept, unsigned limit, unsigned offset)
{
	struct zl_incident_query q = { status, type, dept, sev, 0, limit, offset };
	char err[256];
	json_t *j = zl_store_incidents(s, &q, err, sizeof(err));

	if (!j)
		fprintf(stderr, "# list: %s\n", err);
	return j;
}

static size_t n_listed(json_t *j)
{
	return json_array_size(json_object_get(j, "incidents"));
}

struct opened {
	int n;
	char srcs[400];
};

static void on_open(const struct zl_incident_row *r, void *ud)
{
	struct opened *k = ud;
	size_t l = strlen(k->srcs);

	k->n++;
	snprintf(k->srcs + l, sizeof(k->srcs) - l, "%s ", r->src_ip);
}

static long long sql_int(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_open(db, &h) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return v;
}

int main(void)
{
	struct zl_store_opts o = { 0 };
	struct zl_incident_row r, r2, old;
	struct zl_store_stats st;
	char path[600], err[256], from[32];
	struct zl_store *s;
	json_t *j;
	int found, i;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/z.db", dir);
	o.path = path;
	s = zl_store_open(&o, err, sizeof(err));
	ok(s != NULL, "store opens: %s", s ? "" : err);
	if (!s)
		return done_testing();

	row(&r, "scan", ZL_SEV_MEDIUM, "192.0.2.10", "财政局", now_us());
	is_int(zl_store_incident_put(s, &r), 0, "a new incident is written");
	ok(r.id > 0, "... and gets its id (%lld)", (long long)r.id);
	is_str(r.status, "new", "... with the status new");
	r.count = 997;
	r.last_us += 5 * US;
	is_int(zl_store_incident_put(s, &r), 0, "an update of it is written");
	j = zl_store_incident(s, r.id, &found, err, sizeof(err));
	ok(j && found, "it reads back");
	is_int(json_integer_value(json_object_get(j, "count")), 997, "... with the updated count");
	is_str(json_string_value(json_object_get(json_object_get(j, "src"), "department")), "财政局",
	       "... its source's department");
	is_str(json_string_value(json_object_get(j, "severity")), "medium", "... and its severity's name");
	json_decref(j);
	j = zl_store_incident(s, 9999, &found, err, sizeof(err));
	ok(!j && !found && !err[0], "no such incident: NULL, not found, no error");

	row(&r2, "blocklist", ZL_SEV_HIGH, "192.0.2.74", "教育局", now_us() - 3600 * US);
	zl_store_incident_put(s, &r2);
	for (i = 0; i < 5; i++) {
		row(&old, "bruteforce", ZL_SEV_LOW, "192.0.2.75", "教育局", now_us() - (100 + i) * US);
		zl_store_incident_put(s, &old);
	}
	j = list(s, NULL, NULL, -1, NULL, 0, 0);
	is_int(n_listed(j), 7, "the list holds all seven");
	is_int(json_integer_value(json_object_get(json_array_get(json_object_get(j, "incidents"), 0), "id")),
	       r.id, "... the latest last event first");
	json_decref(j);
	j = list(s, NULL, "bruteforce", -1, NULL, 2, 0);
	ok(n_listed(j) == 2 && json_is_true(json_object_get(j, "more")), "type and paging: 2 and more");
	json_decref(j);
	j = list(s, NULL, "bruteforce", -1, NULL, 2, 4);
	ok(n_listed(j) == 1 && json_is_false(json_object_get(j, "more")), "the last page: 1, no more");
	json_decref(j);
	j = list(s, NULL, NULL, ZL_SEV_HIGH, NULL, 0, 0);
	is_int(n_listed(j), 1, "severity high: one");
	json_decref(j);
	j = list(s, NULL, NULL, -1, "教育局", 0, 0);
	is_int(n_listed(j), 6, "department 教育局: six");
	json_decref(j);

	/* the workflow */
	is_int(zl_store_incident_change(s, r.id, "resolved", NULL, NULL, "sam", from, sizeof(from)),
	       0, "new -> resolved is allowed");
	is_int(zl_store_incident_change(s, r.id, "acknowledged", NULL, NULL, "sam", from, sizeof(from)),
	       -EINVAL, "resolved -> acknowledged is refused");
	is_str(from, "resolved", "... saying what it is");
	is_int(zl_store_incident_change(s, r2.id, "acknowledged", "sam", "looking", "alice", from,
					sizeof(from)), 0, "new -> acknowledged with an assignee and a note");
	is_int(zl_store_incident_change(s, r2.id, NULL, NULL, "asked 李四", "sam", from, sizeof(from)),
	       0, "a note alone");
	is_int(zl_store_incident_change(s, r2.id, "false_positive", NULL, NULL, "sam", from,
					sizeof(from)), 0, "acknowledged -> false_positive");
	is_int(zl_store_incident_change(s, 9999, "resolved", NULL, NULL, "sam", from, sizeof(from)),
	       -ENOENT, "no such incident: -ENOENT");
	j = zl_store_incident(s, r2.id, &found, err, sizeof(err));
	is_str(json_string_value(json_object_get(j, "status")), "false_positive", "the status is kept");
	is_str(json_string_value(json_object_get(j, "assignee")), "sam", "... and the assignee");
	is_int(json_array_size(json_object_get(j, "notes")), 3, "three notes, one per change");
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(j, "notes"), 1), "text")),
	       "asked 李四", "... in order, with their text");
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(j, "notes"), 0), "who")),
	       "alice", "... and who made them");
	json_decref(j);
	j = zl_store_incident_counts(s, err, sizeof(err));
	ok(j && json_integer_value(json_object_get(j, "low")) == 5 &&
	   json_integer_value(json_object_get(j, "medium")) == 0 &&
	   json_integer_value(json_object_get(j, "high")) == 0, "open counts by severity: resolved and "
	   "false positives are not open");
	json_decref(j);
	j = list(s, "new", NULL, -1, NULL, 0, 0);
	is_int(n_listed(j), 5, "status new: five");
	json_decref(j);

	/* what the incidents thread reads back at start */
	row(&old, "scan", ZL_SEV_MEDIUM, "192.0.2.12", "财政局", now_us() - 60 * US);
	zl_store_incident_put(s, &old);
	zl_store_incident_change(s, old.id, "acknowledged", NULL, NULL, "sam", from, sizeof(from));
	row(&old, "scan", ZL_SEV_MEDIUM, "192.0.2.13", "财政局", now_us() - 2 * 86400 * US);
	zl_store_incident_put(s, &old);
	{
		struct opened k = { 0, "" };
		is_int(zl_store_incidents_open(s, now_us() - 86400 * US, 100, on_open, &k, err,
					       sizeof(err)), 6,
		       "open incidents of the last day: five new and one acknowledged");
		is_str(k.srcs, "192.0.2.75 192.0.2.75 192.0.2.75 192.0.2.75 192.0.2.75 192.0.2.12 ",
		       "... oldest last event first; not resolved, false positive or older ones");
		k.n = 0;
		is_int(zl_store_incidents_open(s, now_us() - 86400 * US, 2, on_open, &k, err,
					       sizeof(err)), 2, "... at most max");
	}

	/* suppressed counts add up per day and type */
	zl_store_incident_suppressed(s, now_us(), "scan", 10);
	zl_store_incident_suppressed(s, now_us(), "scan", 5);
	zl_store_incident_suppressed(s, now_us() - 3 * 86400 * US, "scan", 100);
	j = zl_store_incident_suppressed_sum(s, now_us() - 3600 * US, err, sizeof(err));
	is_int(json_integer_value(json_object_get(j, "scan")), 15, "suppressed since today: 15");
	json_decref(j);
	j = zl_store_incident_suppressed_sum(s, 0, err, sizeof(err));
	is_int(json_integer_value(json_object_get(j, "scan")), 115, "suppressed, all kept: 115");
	json_decref(j);

	/* retention: an incident last seen 200 days ago goes, with its notes */
	row(&old, "scan", ZL_SEV_MEDIUM, "192.0.2.11", "财政局", now_us() - 200 * 86400 * US);
	zl_store_incident_put(s, &old);
	zl_store_incident_change(s, old.id, "acknowledged", NULL, "old", "sam", from, sizeof(from));
	zl_store_incident_suppressed(s, now_us() - 200 * 86400 * US, "risk", 7);
	zl_store_start(s);
	for (i = 0; i < 100; i++) {
		zl_store_stats(s, &st);
		if (sql_int(path, "SELECT count(*) FROM incidents WHERE src_ip = '192.0.2.11'") == 0)
			break;
		usleep(100000);
	}
	is_int(sql_int(path, "SELECT count(*) FROM incidents WHERE src_ip = '192.0.2.11'"), 0,
	       "retention: the 200-day-old incident is purged");
	is_int(sql_int(path, "SELECT count(*) FROM incident_notes WHERE text = 'old'"), 0,
	       "... and its notes with it");
	is_int(sql_int(path, "SELECT count(*) FROM incident_notes"), 5, "the other notes stay");
	is_int(sql_int(path, "SELECT count(*) FROM incident_suppressed WHERE type = 'risk'"), 0,
	       "old suppressed counts are purged too");
	is_int(sql_int(path, "SELECT count(*) FROM incidents"), 9, "the other incidents stay");
	zl_store_close(s);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
	return done_testing();
}
