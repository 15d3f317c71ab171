/*
 * store_users.c - the users table (store_users.h), on the write
 * connection under wlock: the table is small, and reading where we write
 * means a change is seen by the very next request.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store-int.h"
#include "store_users.h"

#define USER_COLUMNS "name, role, hash, totp_secret, totp_pending, enrolled, must_change, " \
	"enabled, failures, totp_last_step, password_changed, locked_until, last_login, created"

static void text_col(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(out, len, "%s", t ? (const char *)t : "");
}

static void read_row(sqlite3_stmt *st, struct zl_user_row *r)
{
	memset(r, 0, sizeof(*r));
	text_col(st, 0, r->name, sizeof(r->name));
	text_col(st, 1, r->role, sizeof(r->role));
	text_col(st, 2, r->hash, sizeof(r->hash));
	text_col(st, 3, r->totp_secret, sizeof(r->totp_secret));
	text_col(st, 4, r->totp_pending, sizeof(r->totp_pending));
	r->enrolled = sqlite3_column_int(st, 5);
	r->must_change = sqlite3_column_int(st, 6);
	r->enabled = sqlite3_column_int(st, 7);
	r->failures = sqlite3_column_int(st, 8);
	r->totp_last_step = sqlite3_column_int64(st, 9);
	r->password_changed = sqlite3_column_int64(st, 10);
	r->locked_until = sqlite3_column_int64(st, 11);
	r->last_login = sqlite3_column_int64(st, 12);
	r->created = sqlite3_column_int64(st, 13);
}

static sqlite3_stmt *prepare(struct zl_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->wdb, sql, -1, &st, NULL) != SQLITE_OK) {
		zl_log_warnx("store: %s: users: %s", s->path, sqlite3_errmsg(s->wdb));
		return NULL;
	}
	return st;
}

int zl_store_user_get(struct zl_store *s, const char *name, struct zl_user_row *row)
{
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&s->wlock);
	if (!(st = prepare(s, "SELECT " USER_COLUMNS " FROM users WHERE name = :name"))) {
		pthread_mutex_unlock(&s->wlock);
		return -EIO;
	}
	zl_st_bind_str(st, ":name", name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_row(st, row);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wlock);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : zl_st_sql_errno(rc);
}

int zl_store_user_all(struct zl_store *s, struct zl_user_row **rows)
{
	struct zl_user_row *v = NULL, *nv;
	sqlite3_stmt *st;
	int rc, n = 0;

	*rows = NULL;
	pthread_mutex_lock(&s->wlock);
	if (!(st = prepare(s, "SELECT " USER_COLUMNS " FROM users ORDER BY name"))) {
		pthread_mutex_unlock(&s->wlock);
		return -EIO;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!(nv = realloc(v, (size_t)(n + 1) * sizeof(*v)))) {
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		read_row(st, &v[n++]);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wlock);
	if (rc != SQLITE_DONE) {
		free(v);
		return zl_st_sql_errno(rc);
	}
	*rows = v;
	return n;
}

int zl_store_user_add(struct zl_store *s, const struct zl_user_row *r)
{
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&s->wlock);
	if (!(st = prepare(s, "INSERT INTO users (name, role, hash, must_change, "
			   "password_changed, created) VALUES (:name, :role, :hash, :mc, :t, :t)"))) {
		pthread_mutex_unlock(&s->wlock);
		return -EIO;
	}
	zl_st_bind_str(st, ":name", r->name);
	zl_st_bind_str(st, ":role", r->role);
	zl_st_bind_str(st, ":hash", r->hash);
	zl_st_bind_int(st, ":mc", r->must_change);
	zl_st_bind_int(st, ":t", r->created);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wlock);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return -EEXIST;
	return rc == SQLITE_DONE ? 0 : zl_st_sql_errno(rc);
}

/*
 * One UPDATE of the account 'name' with up to two integers (:a, :b) and a
 * text (:t): 0, or -ENOENT when no row matched (for a guarded update:
 * the guard did not hold), or -errno.
 */
static int update(struct zl_store *s, const char *sql, const char *name, int64_t a,
		  int64_t b, const char *t)
{
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&s->wlock);
	if (!(st = prepare(s, sql))) {
		pthread_mutex_unlock(&s->wlock);
		return -EIO;
	}
	zl_st_bind_str(st, ":name", name);
	zl_st_bind_int(st, ":a", a);
	zl_st_bind_int(st, ":b", b);
	zl_st_bind_str(st, ":t", t);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		rc = sqlite3_changes(s->wdb) ? 0 : -ENOENT;
	else
		rc = zl_st_sql_errno(rc);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wlock);
	return rc;
}

int zl_store_user_password(struct zl_store *s, const char *name, const char *hash,
			   int must_change, int64_t now)
{
	return update(s, "UPDATE users SET hash = :t, must_change = :a, password_changed = :b, "
		      "failures = 0, locked_until = 0 WHERE name = :name", name, must_change, now, hash);
}

int zl_store_user_enable(struct zl_store *s, const char *name, int enabled)
{
	return update(s, "UPDATE users SET enabled = :a WHERE name = :name", name, enabled, 0, NULL);
}

int zl_store_user_totp_pending(struct zl_store *s, const char *name, const char *secret)
{
	return update(s, "UPDATE users SET totp_pending = :t WHERE name = :name", name, 0, 0, secret);
}

int zl_store_user_totp_enrol(struct zl_store *s, const char *name, int64_t step)
{
	return update(s, "UPDATE users SET totp_secret = totp_pending, totp_pending = '', "
		      "enrolled = 1, totp_last_step = :a WHERE name = :name AND totp_pending != ''",
		      name, step, 0, NULL);
}

int zl_store_user_totp_reset(struct zl_store *s, const char *name)
{
	return update(s, "UPDATE users SET totp_secret = '', totp_pending = '', enrolled = 0 "
		      "WHERE name = :name", name, 0, 0, NULL);
}

int zl_store_user_totp_use(struct zl_store *s, const char *name, int64_t step)
{
	int rc = update(s, "UPDATE users SET totp_last_step = :a WHERE name = :name "
			"AND totp_last_step < :a", name, step, 0, NULL);

	return rc == 0 ? 1 : rc == -ENOENT ? 0 : rc;
}

int zl_store_user_failed(struct zl_store *s, const char *name, int64_t now, int max,
			 int64_t lock_s, int64_t *locked_until)
{
	sqlite3_stmt *st;
	int rc, failures = 0;

	*locked_until = 0;
	pthread_mutex_lock(&s->wlock);
	/* a lock that has run out starts a new count; the max-th failure locks */
	st = prepare(s, "UPDATE users SET "
		     "failures = CASE WHEN locked_until != 0 AND locked_until <= :now THEN 1 "
		     "ELSE failures + 1 END, "
		     "locked_until = CASE WHEN locked_until > :now THEN locked_until "
		     "WHEN (CASE WHEN locked_until != 0 THEN 1 ELSE failures + 1 END) >= :max "
		     "THEN :now + :lock ELSE 0 END "
		     "WHERE name = :name RETURNING failures, locked_until");
	if (!st) {
		pthread_mutex_unlock(&s->wlock);
		return -EIO;
	}
	zl_st_bind_str(st, ":name", name);
	zl_st_bind_int(st, ":now", now);
	zl_st_bind_int(st, ":max", max);
	zl_st_bind_int(st, ":lock", lock_s);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		failures = sqlite3_column_int(st, 0);
		*locked_until = sqlite3_column_int64(st, 1);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wlock);
	if (rc != SQLITE_DONE)
		return zl_st_sql_errno(rc);
	return failures ? failures : -ENOENT;
}

int zl_store_user_login(struct zl_store *s, const char *name, int64_t now)
{
	return update(s, "UPDATE users SET failures = 0, locked_until = 0, last_login = :a "
		      "WHERE name = :name", name, now, 0, NULL);
}
