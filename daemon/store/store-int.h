/*
 * store-int.h - what the store's files share (private to daemon/store/):
 * the store's state, the record queue's slots and small SQLite helpers.
 *
 *   store.c         schema and migrations, open/close, the audit trail, stats
 *   store_writer.c  the record queue and the writer thread, retention
 *   store_query.c   the queries on the read connection
 *   store_tables.c  policy versions, behaviour blocks, the address book
 *   store_ipv6.c    the IPv6 measurement's per-day counters (the writer's fold),
 *   store_ipv6_query.c  their reads, snapshots and trend
 *   store_ipv6_sites.c  the site checks' results per day
 *   store_rollup.c  the reports' half-hourly rollups (the writer's fold)
 *
 * Three locks, never nested: qlock guards the queue and the counters,
 * wlock the write connection (the writer's transactions and audit
 * inserts), rlock the pool of read connections (which are in use). A
 * reader takes a connection with zl_st_rget and gives it back with
 * zl_st_rput; it has it to itself meanwhile, so a long search on one never
 * holds up a short read on another. The connections are opened with
 * SQLITE_OPEN_NOMUTEX because these locks already serialise them.
 * (store_ipv6.c's plock, over the IPv6 prefixes, is the one taken inside
 * another: the writer's fold holds it under wlock to read them, and
 * nothing is taken while it is held.)
 */
#ifndef ZL_STORE_INT_H
#define ZL_STORE_INT_H

#include <pthread.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "store.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define DEFAULT_RETENTION_DAYS 180
#define DEFAULT_QUEUE_LEN 65536
#define DEFAULT_BATCH_MS 500
#define BATCH_MAX 4096          /* records per transaction: ~30 ms of writing */
#define PURGE_STEP 5000         /* rows per purge transaction */
#define PURGE_EVERY_MS 60000
#define RETRY_MS 1000           /* after a failed transaction */
#define BUSY_TIMEOUT_MS 5000
#define READERS 4               /* read connections: one per control API thread */
#define US 1000000LL

/*
 * Two expressions the access log is indexed on, for its searches by an
 * application's last part and by domain suffix. Built-in functions only, so
 * any connection (the sqlite3 shell too) keeps the indexes right; a query
 * must spell the expression exactly as the index does to use it, so these
 * never change. rtrim(x, replace(x, '.', '')) is x up to its last dot.
 */
#define ACCESS_APP_NAME \
	"substr(app, length(rtrim(app, replace(app, '.', ''))) + 1)"
/* The last two labels of the domain ("example.com" of "a.b.example.com"). */
#define ACCESS_DOMAIN_TAIL \
	"substr(domain, length(rtrim(rtrim(rtrim(domain, replace(domain, '.', '')), '.'), " \
	"replace(rtrim(rtrim(domain, replace(domain, '.', '')), '.'), '.', ''))) + 1)"

/*
 * The schema, one entry per version: entry i takes a database from
 * user_version i to i + 1. Never edit an entry that has shipped; append.
 */

/* Tables the retention applies to (not audit, not policy_versions). */
struct zl_st_purged {
	const char *table, *column;
	int seconds;            /* the column counts seconds (1, or a row's span: 1800) */
};
#define ZL_ST_N_PURGED 9
extern const struct zl_st_purged zl_st_purged_tables[ZL_ST_N_PURGED];

/*
 * A queue slot: the writer writes every kind in the same transactions. An
 * access-log row is queued by reference (malloc'd, freed once its batch
 * is done): its three names of ZL_NAME_SIZE bytes make it twice a flow's
 * size, and inline it would double every slot of the queue.
 */
enum record_kind { RECORD_FLOW, RECORD_ACCESS, RECORD_BLOCK };

struct record {
	enum record_kind kind;
	union {
		struct zl_flow_record flow;
		struct zl_access_record *access;
		struct zl_bh_record block;
	} u;
};

/* The share of the queue flows may not fill: kept for access-log rows
 * and blocks, which the law and the next start need. */
#define QUEUE_RESERVE(cap) ((cap) / 4)

struct zl_store {
	char *path, *wal_path;
	unsigned batch_ms;
	unsigned retention_days;        /* atomic: the control thread changes it */

	pthread_mutex_t wlock;
	sqlite3 *wdb;
	sqlite3_stmt *begin, *commit, *rollback, *ins_flow, *ins_agg, *ins_audit;
	sqlite3_stmt *ins_access, *ins_block;
	sqlite3_stmt *purge[ZL_ST_N_PURGED];

	pthread_mutex_t rlock;
	pthread_cond_t rcond;
	sqlite3 *rdb[READERS];
	unsigned rbusy;                 /* bit i: rdb[i] is taken */

	/* Slots [head, head + count) hold records; the writer owns the first
	 * 'busy' of them while it writes them, producers fill the slot after. */
	pthread_mutex_t qlock;
	pthread_cond_t qcond;           /* the writer waits on it */
	pthread_cond_t qspace;          /* producers that wait for room (shutdown only) */
	struct record *ring;
	int64_t *ring_ms;               /* when each record was queued (monotonic) */
	unsigned cap, head, count, busy, batch_max;
	unsigned flow_cap;              /* flows may fill the queue up to this */
	unsigned space_waiters;
	int stop, started, purging;
	int purge_failing;              /* the writer's: log a failing purge once */
	int64_t next_purge_ms, retry_ms;
	pthread_t writer;
	struct zl_st_v6 *v6;            /* the IPv6 counters of the batch being written */
	struct zl_st_roll *roll;        /* the rollups of the batch, the book's departments */
	uint64_t queued, written, dropped, purged, purged_rows, access_dropped;
	int writable;
	char last_error[256];
};

/* A WHERE clause of fixed conditions with named parameters (":from"...):
 * no text from a request is ever pasted into SQL. */
struct where {
	char sql[768];
	size_t len;
};

int64_t zl_st_now_us(void);
int64_t zl_st_mono_ms(void);
int64_t zl_st_floor_div(int64_t a, int64_t b);
void zl_st_rfc3339(int64_t us, int frac, char *buf, size_t len);
int zl_st_sql_errno(int rc);
int zl_st_step_reset(sqlite3_stmt *st, char *why, size_t len);
int zl_st_exec(sqlite3 *db, const char *sql, char *why, size_t len);
int zl_st_query_int(sqlite3 *db, const char *sql, int64_t *v, char *why, size_t len);
int zl_st_query_text(sqlite3 *db, const char *sql, char *out, size_t outlen, char *why, size_t len);
void zl_st_bind_text(sqlite3_stmt *st, int i, const char *t, size_t max);
#define BIND_FIELD(st, i, f) zl_st_bind_text(st, i, f, sizeof(f))
sqlite3_int64 zl_st_i64(uint64_t v);
void zl_st_where_add(struct where *w, const char *cond);
void zl_st_where_app(struct where *w, const char *app);
void zl_st_bind_int(sqlite3_stmt *st, const char *name, int64_t v);
void zl_st_bind_str(sqlite3_stmt *st, const char *name, const char *v);
/* A read connection to oneself (waits while all are taken), and back. */
sqlite3 *zl_st_rget(struct zl_store *s);
void zl_st_rput(struct zl_store *s, sqlite3 *db);
sqlite3_stmt *zl_st_rprepare(struct zl_store *s, sqlite3 *db, const char *sql, char *err,
			     size_t errlen);
json_t *zl_st_rdone(struct zl_store *s, sqlite3 *db, sqlite3_stmt *st, int rc, json_t *out,
		    char *err, size_t errlen);
json_t *zl_st_jtext(const unsigned char *t);
json_t *zl_st_jtime(int64_t us, int frac);
json_t *zl_st_jrisks(const unsigned char *t);

/* store_tables.c: a block's row (the writer's ins_block and replace) */
#define BH_INSERT_SQL \
	"INSERT OR REPLACE INTO bh_entries (client, server, port, expires_us, rule, app, " \
	"category, domain, iface) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
void zl_st_bind_block(sqlite3_stmt *st, const struct zl_bh_record *r);

/* store_ipv6.c: the IPv6 measurement's per-day counters. The writer folds
 * each flow of a batch (zl_st_v6_add: 1 when the table should be flushed
 * now) and writes them in the batch's transaction (zl_st_v6_flush, wlock
 * held: SQLITE_DONE or an error code); zl_st_v6_maintain, once a minute
 * from the writer, snapshots finished days and purges old ones. */
struct zl_st_v6;
extern const char zl_st_ipv6_schema[];
extern const char zl_st_ipv6_sites_schema[];   /* store_ipv6_sites.c */
int zl_st_v6_new(struct zl_store *s);
void zl_st_v6_free(struct zl_store *s);
void zl_st_v6_finalize(struct zl_store *s);
int zl_st_v6_add(struct zl_store *s, const struct zl_flow_record *r);
int zl_st_v6_flush(struct zl_store *s, char *why, size_t len);
void zl_st_v6_discard(struct zl_store *s);
void zl_st_v6_maintain(struct zl_store *s);
/* store_ipv6_query.c: a day's snapshot, on the write connection, wlock held */
int zl_st_v6_snapshot_locked(struct zl_store *s, int64_t day, char *err, size_t errlen);

/* store_rollup.c: the reports' rollups (schema step 10). The writer adds
 * each flow and access-log row of a batch (-1: out of memory) and writes
 * the sums in the batch's transaction (zl_st_roll_flush, wlock held:
 * SQLITE_DONE or an error code). A flow's department is the address
 * book's, kept in memory: load_hosts (wlock held) after the book changes. */
struct zl_st_roll;
extern const char zl_st_rollup_schema[], zl_st_rollup_schema11[];
int zl_st_roll_new(struct zl_store *s, char *why, size_t len);
void zl_st_roll_finalize(struct zl_store *s);
void zl_st_roll_free(struct zl_store *s);
int zl_st_roll_load_hosts(struct zl_store *s, char *why, size_t len);
int zl_st_roll_add_flow(struct zl_store *s, const struct zl_flow_record *f);
int zl_st_roll_add_access(struct zl_store *s, const struct zl_access_record *a);
int zl_st_roll_flush(struct zl_store *s, char *why, size_t len);
void zl_st_roll_discard(struct zl_store *s);

/* store.c: the writer's statements, and the store's memory (for close) */
void zl_st_finalize_writer(struct zl_store *s);
void zl_st_free(struct zl_store *s);
void zl_st_close_readers(struct zl_store *s);

#endif
