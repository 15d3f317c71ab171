/*
 * directory.c - the address book in force (see directory.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrbook.h"
#include "directory.h"
#include "log.h"

struct zl_dir {
	pthread_rwlock_t lock;        /* guards book (the pointer and its use) */
	pthread_mutex_t build;        /* one import or refresh at a time */
	struct zl_addrbook *book;
	struct zl_store *store;
};

struct zl_dir *zl_dir_new(void)
{
	struct zl_dir *d = calloc(1, sizeof(*d));

	if (d) {
		pthread_rwlock_init(&d->lock, NULL);
		pthread_mutex_init(&d->build, NULL);
	}
	return d;
}

void zl_dir_free(struct zl_dir *d)
{
	if (!d)
		return;
	zl_addrbook_free(d->book);
	pthread_rwlock_destroy(&d->lock);
	pthread_mutex_destroy(&d->build);
	free(d);
}

/* Publish a new book (with the neighbour table read) and free the old. */
static void publish(struct zl_dir *d, struct zl_addrbook *b)
{
	struct zl_addrbook *old;
	char err[256];

	if (b && zl_addrbook_neigh_refresh(b, err, sizeof(err)) < 0)
		zl_log_warnx("address book: %s", err);
	pthread_rwlock_wrlock(&d->lock);
	old = d->book;
	d->book = b;
	pthread_rwlock_unlock(&d->lock);
	zl_addrbook_free(old);
}

void zl_dir_open(struct zl_dir *d, struct zl_store *s)
{
	struct zl_addrbook_rows rows = { 0 };
	struct zl_addrbook *b;

	if (!d)
		return;
	d->store = s;
	pthread_mutex_lock(&d->build);
	if (zl_store_hosts_load(s, &rows) > 0) {
		b = zl_addrbook_new(rows.v, rows.n);
		if (b)
			publish(d, b);
		zl_log_info("address book: %zu hosts", rows.n);
	}
	pthread_mutex_unlock(&d->build);
	zl_addrbook_rows_free(&rows);
}

unsigned zl_dir_import(struct zl_dir *d, const char *name, const char *csv, size_t len,
		       const char *who, json_t **out)
{
	struct zl_addrbook_rows rows = { 0 };
	struct zl_addrbook_errors errs = { 0 };
	struct zl_addrbook *b;
	char err[256], detail[512];
	json_t *msgs = json_array();
	size_t i, count;
	int rc;

	pthread_mutex_lock(&d->build);
	rc = zl_addrbook_parse_csv(csv, len, &rows, &errs);
	for (i = 0; i < errs.n; i++) {
		char m[400];
		snprintf(m, sizeof(m), "%s: %s%s", name, errs.v[i].warning ? "warning: " : "",
			 errs.v[i].text);
		json_array_append_new(msgs, json_string(m));
	}
	/* a file of bad rows only (a wrong file, a broken export) would
	 * otherwise empty the book */
	if (rc == 0 && !rows.n && errs.n_errors) {
		pthread_mutex_unlock(&d->build);
		*out = json_pack("{s:s, s:I, s:o}", "error",
				 "no valid row: the address book was not changed",
				 "refused", (json_int_t)errs.n_errors, "messages", msgs);
		zl_addrbook_rows_free(&rows);
		zl_addrbook_errors_free(&errs);
		return 422;
	}
	if (rc < 0 || !(b = zl_addrbook_new(rows.v, rows.n))) {
		pthread_mutex_unlock(&d->build);
		*out = json_pack("{s:s, s:o}", "error", rc == -EINVAL ? "not a CSV" : "out of memory",
				 "messages", msgs);
		zl_addrbook_rows_free(&rows);
		zl_addrbook_errors_free(&errs);
		return rc == -EINVAL ? 400 : 500;
	}
	if (zl_store_hosts_replace(d->store, rows.v, rows.n, err, sizeof(err)) < 0) {
		pthread_mutex_unlock(&d->build);
		zl_addrbook_free(b);
		*out = json_pack("{s:s, s:o}", "error", err, "messages", msgs);
		zl_addrbook_rows_free(&rows);
		zl_addrbook_errors_free(&errs);
		return 500;
	}
	/* b is the book in force once published: after the unlock a
	 * neighbour refresh (zl_dir_tick) may replace and free it */
	count = zl_addrbook_count(b);
	publish(d, b);
	pthread_mutex_unlock(&d->build);
	snprintf(detail, sizeof(detail), "%s: %zu hosts imported, %zu rows refused", name,
		 count, errs.n_errors);
	zl_store_audit(d->store, who, "hosts import", detail);
	zl_log_info("address book: %s", detail);
	*out = json_pack("{s:I, s:I, s:I, s:o}", "imported", (json_int_t)count,
			 "refused", (json_int_t)errs.n_errors, "warnings", (json_int_t)errs.n_warnings,
			 "messages", msgs);
	zl_addrbook_rows_free(&rows);
	zl_addrbook_errors_free(&errs);
	return 200;
}

json_t *zl_dir_list(struct zl_dir *d)
{
	json_t *a = json_array();
	size_t i, j;

	pthread_rwlock_rdlock(&d->lock);
	for (i = 0; d->book && i < zl_addrbook_count(d->book); i++) {
		const struct zl_addrbook_row *r = zl_addrbook_at(d->book, i);
		const struct zl_addrbook_ip *seen;
		size_t n = zl_addrbook_row_neigh(d->book, r, &seen);
		json_t *at = json_array();
		for (j = 0; j < n; j++) {
			char buf[INET6_ADDRSTRLEN];
			inet_ntop(seen[j].family, seen[j].ip, buf, sizeof(buf));
			json_array_append_new(at, json_string(buf));
		}
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}",
			"address", r->address, "mac", r->mac, "name", r->name, "owner", r->owner,
			"department", r->department, "seen_at", at));
	}
	pthread_rwlock_unlock(&d->lock);
	return json_pack("{s:o}", "hosts", a);
}

int zl_dir_lookup(void *ud, int family, const uint8_t *addr, struct zl_bh_who *w)
{
	struct zl_dir *d = ud;
	const struct zl_addrbook_row *r;
	int found = 0;

	pthread_rwlock_rdlock(&d->lock);
	if (d->book && (r = zl_addrbook_lookup_ip(d->book, family, addr))) {
		zl_text_copy(w->host, sizeof(w->host), r->name);
		zl_text_copy(w->owner, sizeof(w->owner), r->owner);
		zl_text_copy(w->department, sizeof(w->department), r->department);
		found = 1;
	}
	pthread_rwlock_unlock(&d->lock);
	return found;
}

void zl_dir_tick(struct zl_dir *d)
{
	struct zl_addrbook *b;
	char err[256];

	if (!d || pthread_mutex_trylock(&d->build) != 0)
		return;
	pthread_rwlock_rdlock(&d->lock);
	b = d->book ? zl_addrbook_neigh_rebuild(d->book, err, sizeof(err)) : NULL;
	pthread_rwlock_unlock(&d->lock);
	if (b) {
		pthread_rwlock_wrlock(&d->lock);
		zl_addrbook_free(d->book);
		d->book = b;
		pthread_rwlock_unlock(&d->lock);
	}
	pthread_mutex_unlock(&d->build);
}
