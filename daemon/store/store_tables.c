/*
 * store_tables.c - the small tables written synchronously by the control
 * thread: policy versions, behaviour blocks (new ones come through the
 * writer's queue, store_writer.c), the address book.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "log.h"
#include "addrbook.h"
#include "store-int.h"

/* ---- policy versions ---- */

static const char *const policy_states[] = { "reverted", "pending", "confirmed" };

static const char *policy_state_name(int64_t v)
{
	return v >= -1 && v <= 1 ? policy_states[v + 1] : "?";
}

int64_t zl_store_policy_add(struct zl_store *s, const char *who, const char *comment,
			    const char *text, int state, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int64_t version = -1;
	int rc;

	pthread_mutex_lock(&s->wlock);
	rc = sqlite3_prepare_v2(s->wdb, "INSERT INTO policy_versions (ts, who, comment, text, "
				"confirmed) VALUES (?, ?, ?, ?, ?)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, zl_st_now_us());
		sqlite3_bind_text(st, 2, who ? who : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, comment ? comment : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, state);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			version = sqlite3_last_insert_rowid(s->wdb);
	}
	if (version < 0)
		snprintf(err, errlen, "%s: cannot store the policy version: %s", s->path,
			 sqlite3_errmsg(s->wdb));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wlock);
	return version;
}

int zl_store_policy_set_state(struct zl_store *s, int64_t version, int state)
{
	sqlite3_stmt *st = NULL;
	int rc;

	pthread_mutex_lock(&s->wlock);
	rc = sqlite3_prepare_v2(s->wdb, "UPDATE policy_versions SET confirmed = ? WHERE version = ?",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, state);
		sqlite3_bind_int64(st, 2, version);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		zl_log_warnx("store: %s: policy version %lld not marked %s: %s", s->path,
			     (long long)version, policy_state_name(state), sqlite3_errmsg(s->wdb));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wlock);
	return rc == SQLITE_DONE ? 0 : zl_st_sql_errno(rc);
}

char *zl_store_policy_text(struct zl_store *s, int64_t version, int64_t *found, int *state,
			   char *err, size_t errlen)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *text = NULL;
	int rc;

	db = zl_st_rget(s);
	st = zl_st_rprepare(s, db, version > 0 ?
		      "SELECT version, text, confirmed FROM policy_versions WHERE version = :v" :
		      "SELECT version, text, confirmed FROM policy_versions WHERE confirmed = 1 "
		      "ORDER BY version DESC LIMIT 1", err, errlen);
	if (!st) {
		zl_st_rput(s, db);
		return NULL;
	}
	if (version > 0)
		zl_st_bind_int(st, ":v", version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 1);
		text = strdup(t ? t : "");
		if (found)
			*found = sqlite3_column_int64(st, 0);
		if (state)
			*state = sqlite3_column_int(st, 2);
	} else if (rc == SQLITE_DONE) {
		if (version > 0)
			snprintf(err, errlen, "no policy version %lld", (long long)version);
		else
			err[0] = 0;
	} else {
		snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	zl_st_rput(s, db);
	return text;
}

json_t *zl_store_policy_list(struct zl_store *s, unsigned limit, char *err, size_t errlen)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	json_t *out;
	int rc;

	db = zl_st_rget(s);
	st = zl_st_rprepare(s, db, "SELECT version, ts, who, comment, confirmed, length(text) "
		      "FROM policy_versions ORDER BY version DESC LIMIT :limit", err, errlen);
	if (!st) {
		zl_st_rput(s, db);
		return NULL;
	}
	zl_st_bind_int(st, ":limit", limit ? (limit < 10000 ? limit : 10000) : 100);
	out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_pack("{s:I, s:o, s:o, s:o, s:s, s:I}",
			"version", (json_int_t)sqlite3_column_int64(st, 0),
			"ts", zl_st_jtime(sqlite3_column_int64(st, 1), 0),
			"who", zl_st_jtext(sqlite3_column_text(st, 2)),
			"comment", zl_st_jtext(sqlite3_column_text(st, 3)),
			"state", policy_state_name(sqlite3_column_int64(st, 4)),
			"bytes", (json_int_t)sqlite3_column_int64(st, 5)));
	out = zl_st_rdone(s, db, st, rc, out, err, errlen);
	zl_st_rput(s, db);
	return out;
}

/* ---- behaviour blocks ---- */

/* STATIC: r stays put until the statement is reset (the writer's slot,
 * or the caller's array). */
void zl_st_bind_block(sqlite3_stmt *st, const struct zl_bh_record *r)
{
	BIND_FIELD(st, 1, r->client);
	BIND_FIELD(st, 2, r->server);
	sqlite3_bind_int(st, 3, r->port);
	sqlite3_bind_int64(st, 4, r->expires_us);
	BIND_FIELD(st, 5, r->rule);
	BIND_FIELD(st, 6, r->app);
	BIND_FIELD(st, 7, r->category);
	BIND_FIELD(st, 8, r->domain);
	BIND_FIELD(st, 9, r->iface);
}

static int bh_insert(sqlite3_stmt *st, const struct zl_bh_record *r)
{
	zl_st_bind_block(st, r);
	return zl_st_step_reset(st, NULL, 0) == SQLITE_DONE ? 0 : -1;
}

int zl_store_bh_replace(struct zl_store *s, const struct zl_bh_record *v, size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = 0;

	if (!s)
		return -1;
	pthread_mutex_lock(&s->wlock);
	if (zl_st_exec(s->wdb, "BEGIN; DELETE FROM bh_entries", NULL, 0) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->wdb, BH_INSERT_SQL, -1, &st, NULL) != SQLITE_OK)
		rc = -1;
	for (i = 0; !rc && i < n; i++)
		rc = bh_insert(st, &v[i]);
	sqlite3_finalize(st);
	if (zl_st_exec(s->wdb, rc ? "ROLLBACK" : "COMMIT", NULL, 0) != SQLITE_OK)
		rc = -1;
	if (rc < 0)
		zl_log_warnx("store: %s: behaviour blocks not saved: %s", s->path, sqlite3_errmsg(s->wdb));
	pthread_mutex_unlock(&s->wlock);
	return rc;
}

size_t zl_store_bh_load(struct zl_store *s, int64_t now, struct zl_bh_record **out)
{
	sqlite3 *db;
	char err[256];
	sqlite3_stmt *st;
	struct zl_bh_record *v = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	if (!s)
		return 0;
	db = zl_st_rget(s);
	st = zl_st_rprepare(s, db, "SELECT client, server, port, expires_us, rule, app, category, domain, "
		      "iface FROM bh_entries WHERE expires_us > :now", err, sizeof(err));
	if (!st) {
		zl_st_rput(s, db);
		zl_log_warnx("store: %s", err);
		return 0;
	}
	zl_st_bind_int(st, ":now", now);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct zl_bh_record *r;
		if (n == cap) {
			struct zl_bh_record *w = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*w));
			if (!w)
				break;
			v = w;
		}
		r = &v[n++];
		memset(r, 0, sizeof(*r));
#define COL(i, f) snprintf(r->f, sizeof(r->f), "%s", (const char *)sqlite3_column_text(st, i) ?: "")
		COL(0, client);
		COL(1, server);
		r->port = (uint16_t)sqlite3_column_int(st, 2);
		r->expires_us = sqlite3_column_int64(st, 3);
		COL(4, rule);
		COL(5, app);
		COL(6, category);
		COL(7, domain);
		COL(8, iface);
#undef COL
	}
	sqlite3_finalize(st);
	zl_st_rput(s, db);
	*out = v;
	return n;
}

/* ---- the address book ---- */

int zl_store_hosts_replace(struct zl_store *s, const struct zl_addrbook_row *v, size_t n,
			   char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int64_t t = zl_st_now_us();
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&s->wlock);
	if (zl_st_exec(s->wdb, "BEGIN; DELETE FROM hosts", NULL, 0) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->wdb, "INSERT INTO hosts (address, mac, name, owner, department, "
			       "imported) VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		rc = -1;
	for (i = 0; !rc && i < n; i++) {
		sqlite3_bind_text(st, 1, v[i].address, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, v[i].mac, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, v[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, v[i].owner, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, v[i].department, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, t);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc < 0)
		snprintf(err, errlen, "%s: cannot store the address book: %s", s->path,
			 sqlite3_errmsg(s->wdb));
	if (zl_st_exec(s->wdb, rc ? "ROLLBACK" : "COMMIT", NULL, 0) != SQLITE_OK && !rc) {
		snprintf(err, errlen, "%s: cannot store the address book: %s", s->path,
			 sqlite3_errmsg(s->wdb));
		rc = -1;
	}
	/* the departments the writer's rollups give the flows from now on */
	if (!rc && zl_st_roll_load_hosts(s, err, errlen) < 0)
		rc = -1;
	pthread_mutex_unlock(&s->wlock);
	return rc;
}

int zl_store_hosts_load(struct zl_store *s, struct zl_addrbook_rows *rows)
{
	sqlite3 *db;
	char err[256];
	sqlite3_stmt *st;
	int n = 0;

	db = zl_st_rget(s);
	st = zl_st_rprepare(s, db, "SELECT address, mac, name, owner, department FROM hosts ORDER BY id",
		      err, sizeof(err));
	if (!st) {
		zl_st_rput(s, db);
		zl_log_warnx("store: %s", err);
		return -1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct zl_addrbook_row r;
		const char *a = (const char *)sqlite3_column_text(st, 0);
		const char *m = (const char *)sqlite3_column_text(st, 1);
		if (zl_addrbook_row_set(&r, a && *a ? a : m ? m : "",
					(const char *)sqlite3_column_text(st, 2),
					(const char *)sqlite3_column_text(st, 3),
					(const char *)sqlite3_column_text(st, 4), err, sizeof(err)) < 0)
			continue;
		if (zl_addrbook_rows_add(rows, &r) < 0)
			break;
		n++;
	}
	sqlite3_finalize(st);
	zl_st_rput(s, db);
	return n;
}
