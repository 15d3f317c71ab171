/*
 * store_writer.c - the record queue that capture threads fill without ever
 * waiting, and the one writer thread that drains it in batched
 * transactions (flows, access-log rows, behaviour blocks), folds flows into
 * the 5-minute aggregates, flows and access-log rows into the reports'
 * half-hourly rollups (store_rollup.c), and purges by retention.
 *
 * Flows may fill the queue only up to flow_cap (three quarters): a flood of
 * short flows from one host must not push out the access-log rows the law
 * requires, nor the blocks a restart puts back. At shutdown the live flows
 * are ended all at once; their producers wait for room (the _wait puts)
 * instead of dropping.
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

static void bind_flow(sqlite3_stmt *st, const struct zl_flow_record *r)
{
	sqlite3_bind_int64(st, 1, r->first_us);
	sqlite3_bind_int64(st, 2, r->last_us);
	BIND_FIELD(st, 3, r->proto);
	BIND_FIELD(st, 4, r->src_ip);
	BIND_FIELD(st, 5, r->dst_ip);
	sqlite3_bind_int(st, 6, r->src_port);
	sqlite3_bind_int(st, 7, r->dst_port);
	sqlite3_bind_int(st, 8, r->vlan);
	sqlite3_bind_int(st, 9, r->ip_version);
	sqlite3_bind_int(st, 10, r->iface);
	BIND_FIELD(st, 11, r->app);
	sqlite3_bind_int(st, 12, r->app_id);
	sqlite3_bind_int(st, 13, r->master_id);
	BIND_FIELD(st, 14, r->category);
	BIND_FIELD(st, 15, r->risks);
	BIND_FIELD(st, 16, r->host);
	BIND_FIELD(st, 17, r->end_reason);
	BIND_FIELD(st, 18, r->confidence);
	sqlite3_bind_int64(st, 19, zl_st_i64(r->src2dst_packets));
	sqlite3_bind_int64(st, 20, zl_st_i64(r->dst2src_packets));
	sqlite3_bind_int64(st, 21, zl_st_i64(r->src2dst_bytes));
	sqlite3_bind_int64(st, 22, zl_st_i64(r->dst2src_bytes));
}

static void bind_agg(sqlite3_stmt *st, const struct zl_flow_record *r)
{
	int64_t s = zl_st_floor_div(r->last_us, US);

	sqlite3_bind_int64(st, 1, s - (s % 300 + 300) % 300);
	BIND_FIELD(st, 2, r->src_ip);
	BIND_FIELD(st, 3, r->app);
	BIND_FIELD(st, 4, r->category);
	sqlite3_bind_int64(st, 5, zl_st_i64(r->src2dst_packets));
	sqlite3_bind_int64(st, 6, zl_st_i64(r->dst2src_packets));
	sqlite3_bind_int64(st, 7, zl_st_i64(r->src2dst_bytes));
	sqlite3_bind_int64(st, 8, zl_st_i64(r->dst2src_bytes));
}

static void bind_access(sqlite3_stmt *st, const struct zl_access_record *r)
{
	sqlite3_bind_int64(st, 1, r->ts);
	BIND_FIELD(st, 2, r->client_ip);
	BIND_FIELD(st, 3, r->host_name);
	BIND_FIELD(st, 4, r->department);
	BIND_FIELD(st, 5, r->owner);
	BIND_FIELD(st, 6, r->app);
	BIND_FIELD(st, 7, r->category);
	BIND_FIELD(st, 8, r->domain);
	BIND_FIELD(st, 9, r->server_ip);
	sqlite3_bind_int(st, 10, r->server_port);
	sqlite3_bind_int64(st, 11, zl_st_i64(r->bytes_up));
	sqlite3_bind_int64(st, 12, zl_st_i64(r->bytes_down));
	BIND_FIELD(st, 13, r->action);
	BIND_FIELD(st, 14, r->rule);
}

/* Write n queued records from slot 'first' (flows folded into agg5m too),
 * in one transaction: either all of them count or none. */
static int write_batch(struct zl_store *s, unsigned first, unsigned n, char *why, size_t len)
{
	unsigned i;
	int rc;

	pthread_mutex_lock(&s->wlock);
	rc = zl_st_step_reset(s->begin, why, len);
	for (i = 0; rc == SQLITE_DONE && i < n; i++) {
		const struct record *r = &s->ring[(first + i) % s->cap];

		if (r->kind == RECORD_ACCESS) {
			bind_access(s->ins_access, r->u.access);
			rc = zl_st_step_reset(s->ins_access, why, len);
			if (rc == SQLITE_DONE && zl_st_roll_add_access(s, r->u.access) < 0)
				rc = SQLITE_NOMEM;
			continue;
		}
		if (r->kind == RECORD_BLOCK) {
			zl_st_bind_block(s->ins_block, &r->u.block);
			rc = zl_st_step_reset(s->ins_block, why, len);
			continue;
		}
		bind_flow(s->ins_flow, &r->u.flow);
		rc = zl_st_step_reset(s->ins_flow, why, len);
		if (rc == SQLITE_DONE) {
			bind_agg(s->ins_agg, &r->u.flow);
			rc = zl_st_step_reset(s->ins_agg, why, len);
		}
		if (rc == SQLITE_DONE && zl_st_roll_add_flow(s, &r->u.flow) < 0)
			rc = SQLITE_NOMEM;
		if (rc == SQLITE_DONE && zl_st_v6_add(s, &r->u.flow))
			rc = zl_st_v6_flush(s, why, len);
	}
	if (rc == SQLITE_NOMEM)
		snprintf(why, len, "out of memory");
	if (rc == SQLITE_DONE)
		rc = zl_st_v6_flush(s, why, len);
	else
		zl_st_v6_discard(s);
	if (rc == SQLITE_DONE)
		rc = zl_st_roll_flush(s, why, len);
	else
		zl_st_roll_discard(s);
	if (rc == SQLITE_DONE)
		rc = zl_st_step_reset(s->commit, why, len);
	/* After SQLITE_FULL or IOERR SQLite may or may not have rolled back. */
	if (rc != SQLITE_DONE && !sqlite3_get_autocommit(s->wdb))
		zl_st_step_reset(s->rollback, NULL, 0);
	sqlite3_clear_bindings(s->ins_flow);
	sqlite3_clear_bindings(s->ins_agg);
	sqlite3_clear_bindings(s->ins_access);
	sqlite3_clear_bindings(s->ins_block);
	pthread_mutex_unlock(&s->wlock);
	return rc == SQLITE_DONE ? 0 : rc;
}

/* Count a batch's outcome and free its access-log rows (qlock held; the
 * slots are still the batch's). Returns 1 when writing stopped or started
 * again: the caller logs that once, after unlocking. */
static int account_batch(struct zl_store *s, unsigned first, unsigned n, int rc, const char *why)
{
	int was = s->writable;
	unsigned i;

	for (i = 0; i < n; i++) {
		struct record *r = &s->ring[(first + i) % s->cap];

		if (r->kind == RECORD_ACCESS) {
			free(r->u.access);
			r->u.access = NULL;
		}
	}
	if (rc == 0) {
		s->written += n;
		s->writable = 1;
	} else {
		for (i = 0; i < n; i++)
			s->access_dropped += s->ring[(first + i) % s->cap].kind == RECORD_ACCESS;
		s->dropped += n;
		s->writable = 0;
		s->retry_ms = zl_st_mono_ms() + RETRY_MS;
		snprintf(s->last_error, sizeof(s->last_error), "%s", why);
	}
	return was != s->writable;
}

static void log_transition(struct zl_store *s, int writable, uint64_t dropped, const char *why)
{
	if (!writable)
		zl_log_warnx("store: %s: cannot write (%s); dropping records, retrying every second",
			     s->path, why);
	else
		zl_log_warnx("store: %s: writing again; %llu records dropped so far",
			     s->path, (unsigned long long)dropped);
}

/*
 * One step of retention: at most PURGE_STEP rows from each table, each in
 * its own short transaction, so that neither the writer's batches nor an
 * audit insert wait long. Returns 1 while old rows remain.
 */
static int purge_step(struct zl_store *s)
{
	unsigned days = __atomic_load_n(&s->retention_days, __ATOMIC_RELAXED);
	int64_t cutoff = zl_st_now_us() - (int64_t)days * 86400 * US, n[ZL_ST_N_PURGED] = { 0 };
	int more = 0, rc = SQLITE_DONE;
	char why[256] = "";
	size_t i;

	pthread_mutex_lock(&s->wlock);
	for (i = 0; i < ZL_ST_N_PURGED && rc == SQLITE_DONE; i++) {
		/* a bucket goes once all of its five minutes are past the cutoff */
		/* (and a rollup's slot once all of its half hour is) */
		sqlite3_bind_int64(s->purge[i], 1, zl_st_purged_tables[i].seconds ?
				   zl_st_floor_div(cutoff, US) + 1 -
				   (zl_st_purged_tables[i].seconds > 300 ? zl_st_purged_tables[i].seconds : 300)
				   : cutoff);
		rc = zl_st_step_reset(s->purge[i], why, sizeof(why));
		if (rc == SQLITE_DONE)
			n[i] = sqlite3_changes(s->wdb);
		more |= n[i] == PURGE_STEP;
	}
	pthread_mutex_unlock(&s->wlock);
	if (rc != SQLITE_DONE && !s->purge_failing)
		zl_log_warnx("store: %s: cannot purge old rows (%s); trying every minute",
			     s->path, why);
	s->purge_failing = rc != SQLITE_DONE;
	pthread_mutex_lock(&s->qlock);
	s->purged += (uint64_t)n[0];
	for (i = 0; i < ARRAY_SIZE(n); i++)
		s->purged_rows += (uint64_t)n[i];
	pthread_mutex_unlock(&s->qlock);
	return rc == SQLITE_DONE && more;
}

/*
 * After a purge: free pages are reused by new rows, so give them back only
 * when a quarter of the file is free (the retention was shortened, traffic
 * fell), 4 MB a minute so the write lock is never held long.
 */
static void release_pages(struct zl_store *s)
{
	int64_t free_pages = 0, pages = 0;

	pthread_mutex_lock(&s->wlock);
	if (zl_st_query_int(s->wdb, "PRAGMA freelist_count", &free_pages, NULL, 0) == SQLITE_OK &&
	    zl_st_query_int(s->wdb, "PRAGMA page_count", &pages, NULL, 0) == SQLITE_OK &&
	    free_pages > 256 && free_pages * 4 > pages)
		zl_st_exec(s->wdb, "PRAGMA incremental_vacuum(1024)", NULL, 0);
	pthread_mutex_unlock(&s->wlock);
}

static void wait_until(struct zl_store *s, int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	pthread_cond_timedwait(&s->qcond, &s->qlock, &ts);
}

/*
 * The writer's loop, run by the writer thread, or by zl_store_close when no
 * thread was started. A batch is due when batch_max records wait or the
 * oldest has waited batch_ms; after a failure, not before retry_ms. Once
 * stopping, it writes (or drops) what is queued and returns.
 */
static void writer_run(struct zl_store *s)
{
	char why[256];

	pthread_mutex_lock(&s->qlock);
	for (;;) {
		int64_t now = zl_st_mono_ms(), wake = now + PURGE_EVERY_MS, due;
		int batch = 0, purge = 0, rc;
		unsigned n, first;

		if (s->count) {
			due = s->count >= s->batch_max || s->space_waiters ? now :
			      s->ring_ms[s->head] + s->batch_ms;
			if (!s->writable && due < s->retry_ms)
				due = s->retry_ms;
			batch = s->stop || due <= now;
			if (!batch)
				wake = due;
		} else if (s->stop) {
			break;
		}
		if (!s->stop && (s->purging || s->next_purge_ms <= now)) {
			if (!s->purging)
				s->next_purge_ms = now + PURGE_EVERY_MS;
			purge = 1;
		} else if (s->next_purge_ms < wake) {
			wake = s->next_purge_ms;
		}
		if (!batch && !purge) {
			wait_until(s, wake);
			continue;
		}
		if (batch) {
			n = s->busy = s->count < s->batch_max ? s->count : s->batch_max;
			first = s->head;
			pthread_mutex_unlock(&s->qlock);
			rc = write_batch(s, first, n, why, sizeof(why));
			pthread_mutex_lock(&s->qlock);
			s->head = (s->head + n) % s->cap;
			s->count -= n;
			s->busy = 0;
			if (s->space_waiters)
				pthread_cond_broadcast(&s->qspace);
			if (account_batch(s, first, n, rc, why)) {
				int writable = s->writable;
				uint64_t dropped = s->dropped;

				pthread_mutex_unlock(&s->qlock);
				log_transition(s, writable, dropped, why);
				pthread_mutex_lock(&s->qlock);
			}
		}
		if (purge) {
			pthread_mutex_unlock(&s->qlock);
			rc = purge_step(s);
			if (!rc)
				release_pages(s);
			zl_st_v6_maintain(s);
			pthread_mutex_lock(&s->qlock);
			s->purging = rc;
		}
	}
	pthread_mutex_unlock(&s->qlock);
}

static void *writer_main(void *arg)
{
	writer_run(arg);
	return NULL;
}

int zl_store_start(struct zl_store *s)
{
	int rc;

	if (!s)
		return -EINVAL;
	if (s->started)
		return -EALREADY;
	rc = pthread_create(&s->writer, NULL, writer_main, s);
	if (rc)
		return -rc;
	s->started = 1;
	return 0;
}

void zl_store_close(struct zl_store *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->qlock);
	s->stop = 1;
	pthread_cond_signal(&s->qcond);
	pthread_cond_broadcast(&s->qspace);
	pthread_mutex_unlock(&s->qlock);
	if (s->started)
		pthread_join(s->writer, NULL);
	else
		writer_run(s);
	zl_st_finalize_writer(s);
	zl_st_close_readers(s);
	/* Leave a small file: closing the last connection checkpoints and
	 * removes the WAL. */
	zl_st_exec(s->wdb, "PRAGMA optimize", NULL, 0);
	zl_st_free(s);
}

/* Room for one more record of this kind (qlock held). */
static int has_room(const struct zl_store *s, enum record_kind kind)
{
	return s->count < (kind == RECORD_FLOW ? s->flow_cap : s->cap);
}

/*
 * Copy a record of any kind into the next slot. With 'wait' (the shutdown
 * path), wait for room while the writer is running and writing; live
 * capture never waits.
 */
static int enqueue(struct zl_store *s, enum record_kind kind, const void *r, int wait)
{
	struct zl_access_record *copy = NULL;
	int64_t t;
	unsigned slot;
	int rc = 0;

	if (kind == RECORD_ACCESS && (copy = malloc(sizeof(*copy))))
		*copy = *(const struct zl_access_record *)r;
	pthread_mutex_lock(&s->qlock);
	while (wait && !has_room(s, kind) && !s->stop && s->started && s->writable) {
		s->space_waiters++;
		pthread_cond_signal(&s->qcond);
		pthread_cond_wait(&s->qspace, &s->qlock);
		s->space_waiters--;
	}
	if (kind == RECORD_ACCESS && !copy) {
		s->dropped++;
		s->access_dropped++;
		rc = -ENOMEM;
	} else if (!has_room(s, kind) || s->stop) {
		s->dropped++;
		s->access_dropped += kind == RECORD_ACCESS;
		rc = s->stop ? -ESHUTDOWN : -ENOSPC;
		free(copy);
	} else {
		t = zl_st_mono_ms();
		slot = (s->head + s->count) % s->cap;
		s->ring[slot].kind = kind;
		if (kind == RECORD_FLOW)
			s->ring[slot].u.flow = *(const struct zl_flow_record *)r;
		else if (kind == RECORD_ACCESS)
			s->ring[slot].u.access = copy;
		else
			s->ring[slot].u.block = *(const struct zl_bh_record *)r;
		s->ring_ms[slot] = t;
		s->count++;
		s->queued++;
		/* the writer sleeps without a deadline only when the queue is
		 * empty; a producer waiting for room needs a batch now */
		if (s->count == 1 || s->count == s->batch_max || s->space_waiters)
			pthread_cond_signal(&s->qcond);
	}
	pthread_mutex_unlock(&s->qlock);
	return rc;
}

int zl_store_put_flow(struct zl_store *s, const struct zl_flow_record *r)
{
	return s && r ? enqueue(s, RECORD_FLOW, r, 0) : -EINVAL;
}

int zl_store_put_access(struct zl_store *s, const struct zl_access_record *r)
{
	return s && r ? enqueue(s, RECORD_ACCESS, r, 0) : -EINVAL;
}

int zl_store_put_flow_wait(struct zl_store *s, const struct zl_flow_record *r)
{
	return s && r ? enqueue(s, RECORD_FLOW, r, 1) : -EINVAL;
}

int zl_store_put_access_wait(struct zl_store *s, const struct zl_access_record *r)
{
	return s && r ? enqueue(s, RECORD_ACCESS, r, 1) : -EINVAL;
}

int zl_store_bh_put(struct zl_store *s, const struct zl_bh_record *r)
{
	return s && r ? enqueue(s, RECORD_BLOCK, r, 0) : -EINVAL;
}
