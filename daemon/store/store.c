/*
 * store.c - SQLite behind store.h: schema and migrations, the record
 * queue, the writer thread, retention, and the queries.
 *
 * Three locks, never nested: qlock guards the queue and the counters,
 * wlock the write connection (the writer's transactions and audit
 * inserts), rlock the read connection. The connections are opened with
 * SQLITE_OPEN_NOMUTEX because these locks already serialise them.
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
static const char *const schema[] = {
	/* 1: flows, their 5-minute aggregates, the audit trail */
	"CREATE TABLE flows ("
	" id INTEGER PRIMARY KEY,"
	" first_us INTEGER NOT NULL, last_us INTEGER NOT NULL,"
	" proto TEXT NOT NULL, src_ip TEXT NOT NULL, dst_ip TEXT NOT NULL,"
	" src_port INTEGER NOT NULL, dst_port INTEGER NOT NULL, vlan INTEGER NOT NULL,"
	" ip_version INTEGER NOT NULL, iface INTEGER NOT NULL,"
	" app TEXT NOT NULL, app_id INTEGER NOT NULL, master_id INTEGER NOT NULL,"
	" category TEXT NOT NULL, risks TEXT NOT NULL, host TEXT NOT NULL,"
	" end_reason TEXT NOT NULL, confidence TEXT NOT NULL,"
	" src2dst_packets INTEGER NOT NULL, dst2src_packets INTEGER NOT NULL,"
	" src2dst_bytes INTEGER NOT NULL, dst2src_bytes INTEGER NOT NULL);"
	"CREATE INDEX flows_last ON flows(last_us);"
	"CREATE INDEX flows_src ON flows(src_ip, last_us);"
	"CREATE INDEX flows_dst ON flows(dst_ip, last_us);"
	"CREATE INDEX flows_app ON flows(app, last_us);"
	/* host is the flow's source address. The primary key's index also
	 * serves lookups by bucket, so there is no separate one. */
	"CREATE TABLE agg5m ("
	" bucket INTEGER NOT NULL, host TEXT NOT NULL, app TEXT NOT NULL,"
	" category TEXT NOT NULL,"
	" packets_up INTEGER NOT NULL, packets_down INTEGER NOT NULL,"
	" bytes_up INTEGER NOT NULL, bytes_down INTEGER NOT NULL, flows INTEGER NOT NULL,"
	" PRIMARY KEY (bucket, host, app));"
	"CREATE INDEX agg5m_host ON agg5m(host, bucket);"
	/* AUTOINCREMENT: an audit id once shown is never reused */
	"CREATE TABLE audit ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,"
	" who TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);"
	"CREATE INDEX audit_ts ON audit(ts);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;",

	/* 2: reserved for the access log, incidents and policy history */
	"CREATE TABLE access_log ("
	" id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, client_ip TEXT NOT NULL,"
	" host_name TEXT NOT NULL DEFAULT '', department TEXT NOT NULL DEFAULT '',"
	" app TEXT NOT NULL DEFAULT '', category TEXT NOT NULL DEFAULT '',"
	" domain TEXT NOT NULL DEFAULT '', server_ip TEXT NOT NULL DEFAULT '',"
	" server_port INTEGER NOT NULL DEFAULT 0,"
	" bytes_up INTEGER NOT NULL DEFAULT 0, bytes_down INTEGER NOT NULL DEFAULT 0,"
	" action TEXT NOT NULL DEFAULT '', rule TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX access_log_ts ON access_log(ts);"
	"CREATE INDEX access_log_client ON access_log(client_ip, ts);"
	"CREATE TABLE incidents ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL,"
	" kind TEXT NOT NULL, severity INTEGER NOT NULL DEFAULT 0,"
	" src_ip TEXT NOT NULL DEFAULT '', dst_ip TEXT NOT NULL DEFAULT '',"
	" summary TEXT NOT NULL DEFAULT '', count INTEGER NOT NULL DEFAULT 1,"
	" state TEXT NOT NULL DEFAULT 'open');"
	"CREATE INDEX incidents_last ON incidents(last_ts);"
	"CREATE TABLE policy_versions ("
	" version INTEGER PRIMARY KEY, ts INTEGER NOT NULL, who TEXT NOT NULL,"
	" comment TEXT NOT NULL DEFAULT '', text TEXT NOT NULL,"
	" confirmed INTEGER NOT NULL DEFAULT 0);",

	/* 3: behaviour management: the person in each access-log row, the
	 * address book, and the kernel's behaviour-set entries (restored at
	 * start) */
	"ALTER TABLE access_log ADD COLUMN owner TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE hosts ("
	" id INTEGER PRIMARY KEY, address TEXT NOT NULL DEFAULT '', mac TEXT NOT NULL DEFAULT '',"
	" name TEXT NOT NULL DEFAULT '', owner TEXT NOT NULL DEFAULT '',"
	" department TEXT NOT NULL DEFAULT '', imported INTEGER NOT NULL);"
	"CREATE TABLE bh_entries ("
	" client TEXT NOT NULL, server TEXT NOT NULL, port INTEGER NOT NULL,"
	" expires_us INTEGER NOT NULL, rule TEXT NOT NULL DEFAULT '',"
	" app TEXT NOT NULL DEFAULT '', category TEXT NOT NULL DEFAULT '',"
	" domain TEXT NOT NULL DEFAULT '', iface TEXT NOT NULL DEFAULT '',"
	" PRIMARY KEY (client, server, port)) WITHOUT ROWID;",

	/*
	 * 4: searching the access log. A search shows the newest rows first,
	 * 100 at a time: an index (column, ts) serves "column = ? [AND ts in
	 * a range] ORDER BY ts DESC" by walking back from the newest row,
	 * whatever the table's size; the rowid is its last column, so id
	 * breaks ties in the same walk. SQLite uses one index per search, and
	 * without statistics it cannot tell department (tens of values, a
	 * large share each) from owner (thousands): the sqlite_stat1 rows
	 * below say the usual proportions (N rows; rows per value), so a
	 * search with several filters walks the most selective one. Their
	 * count is large so that PRAGMA optimize does not re-analyse (a full
	 * read of the table) at every close; a real ANALYZE replaces them.
	 */
	"CREATE INDEX access_log_department ON access_log(department, ts);"
	"CREATE INDEX access_log_host_name ON access_log(host_name, ts);"
	"CREATE INDEX access_log_owner ON access_log(owner, ts);"
	"CREATE INDEX access_log_app_name ON access_log(" ACCESS_APP_NAME ", ts);"
	"CREATE INDEX access_log_domain ON access_log(domain, ts);"
	"CREATE INDEX access_log_domain_tail ON access_log(" ACCESS_DOMAIN_TAIL ", ts);"
	"CREATE INDEX access_log_action ON access_log(action, ts);"
	"ANALYZE sqlite_schema;"      /* creates sqlite_stat1, analyses nothing */
	"DELETE FROM sqlite_stat1 WHERE tbl = 'access_log';"
	"INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES"
	" ('access_log', 'access_log_ts', '100000000 1'),"
	" ('access_log', 'access_log_client', '100000000 30000 1'),"
	" ('access_log', 'access_log_department', '100000000 2000000 1'),"
	" ('access_log', 'access_log_host_name', '100000000 30000 1'),"
	" ('access_log', 'access_log_owner', '100000000 30000 1'),"
	" ('access_log', 'access_log_app_name', '100000000 300000 1'),"
	" ('access_log', 'access_log_domain', '100000000 10000 1'),"
	" ('access_log', 'access_log_domain_tail', '100000000 30000 1'),"
	" ('access_log', 'access_log_action', '100000000 30000000 1');"
	"ANALYZE sqlite_schema;",     /* this connection loads them now */
};

/* Tables the retention applies to (not audit, not policy_versions). */
static const struct {
	const char *table, *column;
	int seconds;            /* the column counts seconds, not microseconds */
} purged_tables[] = {
	{ "flows", "last_us", 0 }, { "agg5m", "bucket", 1 }, { "access_log", "ts", 0 },
};

/* A queue slot: the writer writes either kind in the same transactions. */
enum record_kind { RECORD_FLOW, RECORD_ACCESS };

struct record {
	enum record_kind kind;
	union {
		struct zl_flow_record flow;
		struct zl_access_record access;
	} u;
};

struct zl_store {
	char *path, *wal_path;
	unsigned batch_ms;
	unsigned retention_days;        /* atomic: the control thread changes it */

	pthread_mutex_t wlock;
	sqlite3 *wdb;
	sqlite3_stmt *begin, *commit, *rollback, *ins_flow, *ins_agg, *ins_audit;
	sqlite3_stmt *ins_access;
	sqlite3_stmt *purge[ARRAY_SIZE(purged_tables)];

	pthread_mutex_t rlock;
	sqlite3 *rdb;

	/* Slots [head, head + count) hold records; the writer owns the first
	 * 'busy' of them while it writes them, producers fill the slot after. */
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct record *ring;
	int64_t *ring_ms;               /* when each record was queued (monotonic) */
	unsigned cap, head, count, busy, batch_max;
	int stop, started, purging;
	int purge_failing;              /* the writer's: log a failing purge once */
	int64_t next_purge_ms, retry_ms;
	pthread_t writer;
	uint64_t queued, written, dropped, purged, purged_rows;
	int writable;
	char last_error[256];
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * US + ts.tv_nsec / 1000;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* RFC 3339 UTC, with microseconds when 'frac'. */
static void rfc3339(int64_t us, int frac, char *buf, size_t len)
{
	int64_t s = floor_div(us, US);
	time_t t = (time_t)s;
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac)
		snprintf(buf + n, len - n, ".%06dZ", (int)(us - s * US));
	else
		snprintf(buf + n, len - n, "Z");
}

static int sql_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_BUSY: case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_NOMEM: return -ENOMEM;
	case SQLITE_READONLY: return -EROFS;
	case SQLITE_PERM: case SQLITE_AUTH: return -EACCES;
	case SQLITE_CANTOPEN: return -ENOENT;
	case SQLITE_CONSTRAINT: case SQLITE_MISMATCH: case SQLITE_RANGE:
	case SQLITE_TOOBIG: return -EINVAL;
	case SQLITE_CORRUPT: case SQLITE_NOTADB: return -EBADMSG;
	}
	return -EIO;
}

/* Step a statement that returns no rows and reset it; on an error copy
 * the connection's message (before reset can change it). */
static int step_reset(sqlite3_stmt *st, char *why, size_t len)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW && why)
		snprintf(why, len, "%s", sqlite3_errmsg(sqlite3_db_handle(st)));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

static int exec(sqlite3 *db, const char *sql, char *why, size_t len)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK && why)
		snprintf(why, len, "%s", sqlite3_errmsg(db));
	return rc;
}

/* The first column of the first row of 'sql', as an integer or as text. */
static int query_int(sqlite3 *db, const char *sql, int64_t *v, char *why, size_t len)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*v = sqlite3_column_int64(st, 0);
		rc = rc == SQLITE_ROW ? SQLITE_OK : rc == SQLITE_DONE ? SQLITE_EMPTY : rc;
	}
	if (rc != SQLITE_OK && why)
		snprintf(why, len, "%s", rc == SQLITE_EMPTY ? "no result" : sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

static int query_text(sqlite3 *db, const char *sql, char *out, size_t outlen,
		      char *why, size_t len)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
		rc = rc == SQLITE_ROW ? SQLITE_OK : rc == SQLITE_DONE ? SQLITE_EMPTY : rc;
	}
	if (rc != SQLITE_OK && why)
		snprintf(why, len, "%s", rc == SQLITE_EMPTY ? "no result" : sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

unsigned zl_store_schema_version(void)
{
	return ARRAY_SIZE(schema);
}

const char *zl_store_schema_step(unsigned i)
{
	return i < ARRAY_SIZE(schema) ? schema[i] : NULL;
}

/* Apply the missing steps, each with its version bump in one transaction;
 * the version is read inside it, so two processes never apply a step twice. */
static int migrate(sqlite3 *db, char *why, size_t len)
{
	const int64_t want = ARRAY_SIZE(schema);
	char sql[64];
	int64_t v;

	for (;;) {
		if (exec(db, "BEGIN IMMEDIATE", why, len) != SQLITE_OK)
			return -1;
		if (query_int(db, "PRAGMA user_version", &v, why, len) != SQLITE_OK)
			goto fail;
		if (v == want)
			return exec(db, "COMMIT", why, len) == SQLITE_OK ? 0 : -1;
		if (v < 0 || v > want) {
			snprintf(why, len, "schema version %lld is newer than this zhulan's (%lld)",
				 (long long)v, (long long)want);
			goto fail;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)v + 1);
		if (exec(db, schema[v], why, len) != SQLITE_OK ||
		    exec(db, sql, why, len) != SQLITE_OK ||
		    exec(db, "COMMIT", why, len) != SQLITE_OK)
			goto fail;
	}
fail:
	if (!sqlite3_get_autocommit(db))
		exec(db, "ROLLBACK", NULL, 0);
	return -1;
}

/*
 * Settings and checks on the write connection. quick_check reads every
 * page (seconds on a big file) but a damaged file found now is a message;
 * found by the writer, it is months of silently dropped records.
 */
static int setup_writer(sqlite3 *db, char *why, size_t len)
{
	char mode[16], check[200], *nl;
	int64_t pages;

	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	if (query_text(db, "PRAGMA quick_check(1)", check, sizeof(check), why, len) != SQLITE_OK)
		return -1;
	if (strcmp(check, "ok")) {
		while ((nl = strchr(check, '\n')))
			*nl = ' ';
		snprintf(why, len, "database disk image is malformed (quick_check: %s)", check);
		return -1;
	}
	if (query_int(db, "PRAGMA page_count", &pages, why, len) != SQLITE_OK)
		return -1;
	/* Only possible before the first table: lets us give pages back to the
	 * file system after the retention is shortened. */
	if (pages == 0 && exec(db, "PRAGMA auto_vacuum = INCREMENTAL", why, len) != SQLITE_OK)
		return -1;
	if (query_text(db, "PRAGMA journal_mode = WAL", mode, sizeof(mode), why, len) != SQLITE_OK)
		return -1;
	if (strcmp(mode, "wal")) {
		snprintf(why, len, "cannot use write-ahead logging (journal mode stays %s)", mode);
		return -1;
	}
	/*
	 * NORMAL: in WAL mode a power cut may lose the last transactions but
	 * never corrupts the file. mmap stays off: a write fault on a full disk
	 * through a mapping is SIGBUS, not an error code. Flows land on random
	 * pages of the address and app indexes, so the cache and a checkpoint
	 * every 10000 pages (40 MB of WAL, not 4) let a page changed by many
	 * batches be written back once: measured about a third faster with a
	 * million rows in the table. journal_size_limit truncates the WAL after
	 * a checkpoint, so a big purge does not leave a big file behind.
	 */
	return exec(db, "PRAGMA synchronous = NORMAL;"
		    "PRAGMA foreign_keys = ON;"
		    "PRAGMA mmap_size = 0;"
		    "PRAGMA cache_size = -32768;"
		    "PRAGMA wal_autocheckpoint = 10000;"
		    "PRAGMA journal_size_limit = 67108864;", why, len) == SQLITE_OK ? 0 : -1;
}

#define FLOW_COLUMNS \
	"first_us, last_us, proto, src_ip, dst_ip, src_port, dst_port, vlan, " \
	"ip_version, iface, app, app_id, master_id, category, risks, host, " \
	"end_reason, confidence, src2dst_packets, dst2src_packets, " \
	"src2dst_bytes, dst2src_bytes"

#define ACCESS_COLUMNS \
	"ts, client_ip, host_name, department, owner, app, category, domain, " \
	"server_ip, server_port, bytes_up, bytes_down, action, rule"

static int prepare_writer(struct zl_store *s, char *why, size_t len)
{
	const struct { sqlite3_stmt **st; const char *sql; } w[] = {
		{ &s->begin, "BEGIN IMMEDIATE" },
		{ &s->commit, "COMMIT" },
		{ &s->rollback, "ROLLBACK" },
		{ &s->ins_flow, "INSERT INTO flows (" FLOW_COLUMNS ") VALUES (?, ?, ?, ?, ?, "
		  "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" },
		{ &s->ins_agg, "INSERT INTO agg5m (bucket, host, app, category, packets_up, "
		  "packets_down, bytes_up, bytes_down, flows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) "
		  "ON CONFLICT (bucket, host, app) DO UPDATE SET category = excluded.category, "
		  "packets_up = packets_up + excluded.packets_up, "
		  "packets_down = packets_down + excluded.packets_down, "
		  "bytes_up = bytes_up + excluded.bytes_up, "
		  "bytes_down = bytes_down + excluded.bytes_down, flows = flows + 1" },
		{ &s->ins_audit, "INSERT INTO audit (ts, who, action, detail) VALUES (?, ?, ?, ?)" },
		{ &s->ins_access, "INSERT INTO access_log (" ACCESS_COLUMNS ") VALUES (?, ?, ?, "
		  "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" },
	};
	char sql[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(w); i++)
		if (sqlite3_prepare_v3(s->wdb, w[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
				       w[i].st, NULL) != SQLITE_OK)
			goto fail;
	for (i = 0; i < ARRAY_SIZE(purged_tables); i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE rowid IN (SELECT rowid FROM %s "
			 "WHERE %s < ? LIMIT %d)", purged_tables[i].table,
			 purged_tables[i].table, purged_tables[i].column, PURGE_STEP);
		if (sqlite3_prepare_v3(s->wdb, sql, -1, SQLITE_PREPARE_PERSISTENT,
				       &s->purge[i], NULL) != SQLITE_OK)
			goto fail;
	}
	return 0;
fail:
	snprintf(why, len, "%s", sqlite3_errmsg(s->wdb));
	return -1;
}

static void finalize_writer(struct zl_store *s)
{
	sqlite3_stmt **all[] = { &s->begin, &s->commit, &s->rollback, &s->ins_flow,
				 &s->ins_agg, &s->ins_audit, &s->ins_access };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(all); i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
	for (i = 0; i < ARRAY_SIZE(s->purge); i++) {
		sqlite3_finalize(s->purge[i]);
		s->purge[i] = NULL;
	}
}

/* Create the file ourselves: SQLite would leave its mode to the umask, and
 * errno says better than SQLite why a path cannot be opened. */
static int create_file(const char *path, char *why, size_t len)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

	if (fd >= 0) {
		if (fchmod(fd, 0640) < 0)
			snprintf(why, len, "%s", strerror(errno));
	} else if (errno == EEXIST) {
		fd = open(path, O_RDWR | O_CLOEXEC);
	}
	if (fd < 0) {
		snprintf(why, len, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, len, "not a regular file");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void store_free(struct zl_store *s)
{
	finalize_writer(s);
	sqlite3_close(s->rdb);
	sqlite3_close(s->wdb);
	pthread_mutex_destroy(&s->wlock);
	pthread_mutex_destroy(&s->rlock);
	pthread_mutex_destroy(&s->qlock);
	pthread_cond_destroy(&s->qcond);
	free(s->ring);
	free(s->ring_ms);
	free(s->path);
	free(s->wal_path);
	free(s);
}

struct zl_store *zl_store_open(const struct zl_store_opts *o, char *err, size_t errlen)
{
	struct zl_store *s;
	pthread_condattr_t ca;
	char why[256] = "";

	if (!o || !o->path || !*o->path) {
		snprintf(err, errlen, "database: no path given");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s) {
		s->path = strdup(o->path);
		s->wal_path = malloc(strlen(o->path) + 5);
	}
	if (!s || !s->path || !s->wal_path) {
		snprintf(err, errlen, "%s: out of memory", o->path);
		if (s) {
			free(s->path);
			free(s->wal_path);
		}
		free(s);
		return NULL;
	}
	sprintf(s->wal_path, "%s-wal", o->path);
	pthread_mutex_init(&s->wlock, NULL);
	pthread_mutex_init(&s->rlock, NULL);
	pthread_mutex_init(&s->qlock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->qcond, &ca);
	pthread_condattr_destroy(&ca);
	s->retention_days = o->retention_days ? o->retention_days : DEFAULT_RETENTION_DAYS;
	s->batch_ms = o->batch_ms ? o->batch_ms : DEFAULT_BATCH_MS;
	s->cap = o->queue_len ? o->queue_len : DEFAULT_QUEUE_LEN;
	s->batch_max = s->cap < BATCH_MAX ? s->cap : BATCH_MAX;
	s->writable = 1;

	if (create_file(s->path, why, sizeof(why)) < 0)
		goto fail;
	if (sqlite3_open_v2(s->path, &s->wdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(why, sizeof(why), "%s", s->wdb ? sqlite3_errmsg(s->wdb) : "out of memory");
		goto fail;
	}
	if (setup_writer(s->wdb, why, sizeof(why)) < 0 || migrate(s->wdb, why, sizeof(why)) < 0 ||
	    prepare_writer(s, why, sizeof(why)) < 0)
		goto fail;
	/* Opened after the writer, so the WAL and its index already exist. */
	if (sqlite3_open_v2(s->path, &s->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(why, sizeof(why), "%s", s->rdb ? sqlite3_errmsg(s->rdb) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->rdb, BUSY_TIMEOUT_MS);
	s->ring = calloc(s->cap, sizeof(*s->ring));
	s->ring_ms = calloc(s->cap, sizeof(*s->ring_ms));
	if (!s->ring || !s->ring_ms) {
		snprintf(why, sizeof(why), "cannot allocate a queue of %u records", s->cap);
		goto fail;
	}
	return s;
fail:
	snprintf(err, errlen, "%s: %s", s->path, why);
	store_free(s);
	return NULL;
}

/* ---- the writer ---- */

static void bind_text(sqlite3_stmt *st, int i, const char *t, size_t max)
{
	/* STATIC: the slot stays put until the statement is reset */
	sqlite3_bind_text(st, i, t, (int)strnlen(t, max), SQLITE_STATIC);
}

#define BIND_FIELD(st, i, f) bind_text(st, i, f, sizeof(f))

static sqlite3_int64 i64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (sqlite3_int64)v;
}

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
	sqlite3_bind_int64(st, 19, i64(r->src2dst_packets));
	sqlite3_bind_int64(st, 20, i64(r->dst2src_packets));
	sqlite3_bind_int64(st, 21, i64(r->src2dst_bytes));
	sqlite3_bind_int64(st, 22, i64(r->dst2src_bytes));
}

static void bind_agg(sqlite3_stmt *st, const struct zl_flow_record *r)
{
	int64_t s = floor_div(r->last_us, US);

	sqlite3_bind_int64(st, 1, s - (s % 300 + 300) % 300);
	BIND_FIELD(st, 2, r->src_ip);
	BIND_FIELD(st, 3, r->app);
	BIND_FIELD(st, 4, r->category);
	sqlite3_bind_int64(st, 5, i64(r->src2dst_packets));
	sqlite3_bind_int64(st, 6, i64(r->dst2src_packets));
	sqlite3_bind_int64(st, 7, i64(r->src2dst_bytes));
	sqlite3_bind_int64(st, 8, i64(r->dst2src_bytes));
}

/* Not inlined: inlined into write_batch, GCC 12 takes the union's other
 * member for this one (flow's end_reason[12] for rule[64]) and warns
 * falsely (-Wstringop-overread). */
__attribute__((noinline))
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
	sqlite3_bind_int64(st, 11, i64(r->bytes_up));
	sqlite3_bind_int64(st, 12, i64(r->bytes_down));
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
	rc = step_reset(s->begin, why, len);
	for (i = 0; rc == SQLITE_DONE && i < n; i++) {
		const struct record *r = &s->ring[(first + i) % s->cap];

		if (r->kind == RECORD_ACCESS) {
			bind_access(s->ins_access, &r->u.access);
			rc = step_reset(s->ins_access, why, len);
			continue;
		}
		bind_flow(s->ins_flow, &r->u.flow);
		rc = step_reset(s->ins_flow, why, len);
		if (rc == SQLITE_DONE) {
			bind_agg(s->ins_agg, &r->u.flow);
			rc = step_reset(s->ins_agg, why, len);
		}
	}
	if (rc == SQLITE_DONE)
		rc = step_reset(s->commit, why, len);
	/* After SQLITE_FULL or IOERR SQLite may or may not have rolled back. */
	if (rc != SQLITE_DONE && !sqlite3_get_autocommit(s->wdb))
		step_reset(s->rollback, NULL, 0);
	sqlite3_clear_bindings(s->ins_flow);
	sqlite3_clear_bindings(s->ins_agg);
	sqlite3_clear_bindings(s->ins_access);
	pthread_mutex_unlock(&s->wlock);
	return rc == SQLITE_DONE ? 0 : rc;
}

/* Count a batch's outcome (qlock held). Returns 1 when writing stopped
 * or started again: the caller logs that once, after unlocking. */
static int account_batch(struct zl_store *s, unsigned n, int rc, const char *why)
{
	int was = s->writable;

	if (rc == 0) {
		s->written += n;
		s->writable = 1;
	} else {
		s->dropped += n;
		s->writable = 0;
		s->retry_ms = mono_ms() + RETRY_MS;
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
	int64_t cutoff = now_us() - (int64_t)days * 86400 * US, n[ARRAY_SIZE(purged_tables)] = { 0 };
	int more = 0, rc = SQLITE_DONE;
	char why[256] = "";
	size_t i;

	pthread_mutex_lock(&s->wlock);
	for (i = 0; i < ARRAY_SIZE(purged_tables) && rc == SQLITE_DONE; i++) {
		/* a bucket goes once all of its five minutes are past the cutoff */
		sqlite3_bind_int64(s->purge[i], 1, purged_tables[i].seconds ?
				   floor_div(cutoff, US) - 299 : cutoff);
		rc = step_reset(s->purge[i], why, sizeof(why));
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
	if (query_int(s->wdb, "PRAGMA freelist_count", &free_pages, NULL, 0) == SQLITE_OK &&
	    query_int(s->wdb, "PRAGMA page_count", &pages, NULL, 0) == SQLITE_OK &&
	    free_pages > 256 && free_pages * 4 > pages)
		exec(s->wdb, "PRAGMA incremental_vacuum(1024)", NULL, 0);
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
		int64_t now = mono_ms(), wake = now + PURGE_EVERY_MS, due;
		int batch = 0, purge = 0, rc;
		unsigned n, first;

		if (s->count) {
			due = s->count >= s->batch_max ? now : s->ring_ms[s->head] + s->batch_ms;
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
			if (account_batch(s, n, rc, why)) {
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
	pthread_mutex_unlock(&s->qlock);
	if (s->started)
		pthread_join(s->writer, NULL);
	else
		writer_run(s);
	finalize_writer(s);
	sqlite3_close(s->rdb);
	s->rdb = NULL;
	/* Leave a small file: closing the last connection checkpoints and
	 * removes the WAL. */
	exec(s->wdb, "PRAGMA optimize", NULL, 0);
	store_free(s);
}

/* Copy a record of either kind into the next slot. */
static int enqueue(struct zl_store *s, enum record_kind kind, const void *r)
{
	int64_t t = mono_ms();
	unsigned slot;
	int rc = 0;

	pthread_mutex_lock(&s->qlock);
	if (s->count == s->cap || s->stop) {
		s->dropped++;
		rc = s->stop ? -ESHUTDOWN : -ENOSPC;
	} else {
		slot = (s->head + s->count) % s->cap;
		s->ring[slot].kind = kind;
		if (kind == RECORD_FLOW)
			s->ring[slot].u.flow = *(const struct zl_flow_record *)r;
		else
			s->ring[slot].u.access = *(const struct zl_access_record *)r;
		s->ring_ms[slot] = t;
		s->count++;
		s->queued++;
		/* the writer sleeps without a deadline only when the queue is empty */
		if (s->count == 1 || s->count == s->batch_max)
			pthread_cond_signal(&s->qcond);
	}
	pthread_mutex_unlock(&s->qlock);
	return rc;
}

int zl_store_put_flow(struct zl_store *s, const struct zl_flow_record *r)
{
	return s && r ? enqueue(s, RECORD_FLOW, r) : -EINVAL;
}

int zl_store_put_access(struct zl_store *s, const struct zl_access_record *r)
{
	return s && r ? enqueue(s, RECORD_ACCESS, r) : -EINVAL;
}

/*
 * Audit rows are rare and are what security staff rely on: each is synced
 * to disk (synchronous = FULL) instead of waiting for the next checkpoint.
 * Logged here because callers (the control API) have nowhere better to say it.
 */
int zl_store_audit(struct zl_store *s, const char *who, const char *action, const char *detail)
{
	char why[256] = "";
	int rc;

	if (!s || !action || !*action)
		return -EINVAL;
	pthread_mutex_lock(&s->wlock);
	exec(s->wdb, "PRAGMA synchronous = FULL", NULL, 0);
	sqlite3_bind_int64(s->ins_audit, 1, now_us());
	sqlite3_bind_text(s->ins_audit, 2, who ? who : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s->ins_audit, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->ins_audit, 4, detail ? detail : "", -1, SQLITE_STATIC);
	rc = step_reset(s->ins_audit, why, sizeof(why));
	sqlite3_clear_bindings(s->ins_audit);
	exec(s->wdb, "PRAGMA synchronous = NORMAL", NULL, 0);
	pthread_mutex_unlock(&s->wlock);
	if (rc != SQLITE_DONE) {
		zl_log_warnx("store: %s: audit \"%s\" by %s not recorded: %s", s->path, action,
			     who ? who : "?", why);
		return sql_errno(rc);
	}
	return 0;
}

void zl_store_stats(struct zl_store *s, struct zl_store_stats *st)
{
	struct stat sb;

	memset(st, 0, sizeof(*st));
	if (!s)
		return;
	pthread_mutex_lock(&s->qlock);
	st->queued = s->queued;
	st->written = s->written;
	st->dropped = s->dropped;
	st->purged = s->purged;
	st->purged_rows = s->purged_rows;
	st->pending = s->count;
	st->writable = s->writable;
	memcpy(st->last_error, s->last_error, sizeof(st->last_error));
	pthread_mutex_unlock(&s->qlock);
	if (stat(s->path, &sb) == 0)
		st->db_bytes += (uint64_t)sb.st_size;
	if (stat(s->wal_path, &sb) == 0)
		st->db_bytes += (uint64_t)sb.st_size;
}

void zl_store_set_retention(struct zl_store *s, unsigned days)
{
	if (!s)
		return;
	__atomic_store_n(&s->retention_days, days ? days : DEFAULT_RETENTION_DAYS,
			 __ATOMIC_RELAXED);
	pthread_mutex_lock(&s->qlock);
	s->next_purge_ms = 0;
	pthread_cond_signal(&s->qcond);
	pthread_mutex_unlock(&s->qlock);
}

/* ---- queries, on the read connection ---- */

/* A WHERE clause of fixed conditions with named parameters (":from"...):
 * no text from a request is ever pasted into SQL. */
struct where {
	char sql[768];
	size_t len;
};

static void where_add(struct where *w, const char *cond)
{
	int n = snprintf(w->sql + w->len, sizeof(w->sql) - w->len, " %s %s",
			 w->len ? "AND" : "WHERE", cond);

	if (n > 0 && (size_t)n < sizeof(w->sql) - w->len)
		w->len += (size_t)n;
}

/* An application as printed ("TLS.YouTube") or its last part ("YouTube"). */
static void where_app(struct where *w, const char *app)
{
	where_add(w, strchr(app, '.') ? "app = :app" :
		  "(app = :app OR (length(app) > length(:app) AND "
		  "substr(app, -length(:app) - 1) = '.' || :app))");
}

static void bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i)
		sqlite3_bind_int64(st, i, v);
}

static void bind_str(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i && v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* Prepare on the read connection (rlock held); NULL and err on failure. */
static sqlite3_stmt *rprepare(struct zl_store *s, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->rdb, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->rdb));
		return NULL;
	}
	return st;
}

/* Finish a result loop: rc is the last sqlite3_step's. */
static json_t *rdone(struct zl_store *s, sqlite3_stmt *st, int rc, json_t *out,
		     char *err, size_t errlen)
{
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->rdb));
		json_decref(out);
		out = NULL;
	}
	sqlite3_finalize(st);
	return out;
}

/* Text from the database as a JSON string. Host names and such come from
 * packets; jansson refuses invalid UTF-8, so such bytes become '?'. */
static json_t *jtext(const unsigned char *t)
{
	json_t *j;
	char *c, *p;

	if (!t)
		t = (const unsigned char *)"";
	j = json_string((const char *)t);
	if (j || !(c = strdup((const char *)t)))
		return j;
	for (p = c; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(c);
	free(c);
	return j;
}

static json_t *jtime(int64_t us, int frac)
{
	char buf[48];

	rfc3339(us, frac, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *jrisks(const unsigned char *t)
{
	json_t *a = json_array();
	const char *p = (const char *)t, *e;
	char name[192];

	while (p && *p) {
		e = strchr(p, ',');
		snprintf(name, sizeof(name), "%.*s", (int)(e ? e - p : (ptrdiff_t)strlen(p)), p);
		if (*name)
			json_array_append_new(a, jtext((const unsigned char *)name));
		p = e ? e + 1 : NULL;
	}
	return a;
}

enum col_kind { C_INT, C_TEXT, C_TIME, C_RISKS, C_HOST };

/* A stored flow as JSON, with a live flow's names (flowjson.c). The SELECT
 * lists these columns in this order. */
static const struct {
	const char *column, *name;
	enum col_kind kind;
} flow_json[] = {
	{ "proto", "proto", C_TEXT }, { "src_ip", "src_ip", C_TEXT },
	{ "src_port", "src_port", C_INT }, { "dst_ip", "dst_ip", C_TEXT },
	{ "dst_port", "dst_port", C_INT }, { "vlan", "vlan", C_INT },
	{ "ip_version", "ip_version", C_INT }, { "app", "app", C_TEXT },
	{ "app_id", "app_id", C_INT }, { "master_id", "master_id", C_INT },
	{ "category", "category", C_TEXT }, { "confidence", "confidence", C_TEXT },
	{ "risks", "risks", C_RISKS }, { "host", "host", C_HOST },
	{ "src2dst_packets", "src2dst_packets", C_INT },
	{ "dst2src_packets", "dst2src_packets", C_INT },
	{ "src2dst_bytes", "src2dst_bytes", C_INT },
	{ "dst2src_bytes", "dst2src_bytes", C_INT },
	{ "first_us", "first_seen", C_TIME }, { "last_us", "last_seen", C_TIME },
	{ "end_reason", "end_reason", C_TEXT }, { "iface", "interface", C_INT },
};

static json_t *flow_row(sqlite3_stmt *st)
{
	json_t *o = json_object(), *v;
	int64_t packets = 0, bytes = 0;
	const unsigned char *t;
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(flow_json); i++) {
		t = sqlite3_column_text(st, i);
		switch (flow_json[i].kind) {
		case C_INT:
			v = json_integer(sqlite3_column_int64(st, i));
			break;
		case C_TEXT:
			v = jtext(t);
			break;
		case C_TIME:
			v = jtime(sqlite3_column_int64(st, i), 1);
			break;
		case C_RISKS:
			v = jrisks(t);
			break;
		default:
			v = t && *t ? jtext(t) : json_null();
			break;
		}
		json_object_set_new(o, flow_json[i].name, v);
		if (strstr(flow_json[i].column, "_packets"))
			packets += sqlite3_column_int64(st, i);
		else if (strstr(flow_json[i].column, "_bytes"))
			bytes += sqlite3_column_int64(st, i);
	}
	json_object_set_new(o, "packets", json_integer(packets));
	json_object_set_new(o, "bytes", json_integer(bytes));
	return o;
}

static void flow_where(struct where *w, const struct zl_flow_query *q)
{
	if (q->from_us)
		where_add(w, "last_us >= :from");
	if (q->to_us)
		where_add(w, "last_us < :to");
	if (q->host)
		where_add(w, "(src_ip = :host OR dst_ip = :host)");
	if (q->app)
		where_app(w, q->app);
	if (q->category)
		where_add(w, "category = :category");
}

static void flow_bind(sqlite3_stmt *st, const struct zl_flow_query *q)
{
	bind_int(st, ":from", q->from_us);
	bind_int(st, ":to", q->to_us);
	bind_str(st, ":host", q->host);
	bind_str(st, ":app", q->app);
	bind_str(st, ":category", q->category);
	bind_int(st, ":limit", q->limit ? (q->limit < 10000 ? q->limit : 10000) : 100);
	bind_int(st, ":offset", q->offset);
}

json_t *zl_store_flows(struct zl_store *s, const struct zl_flow_query *q, char *err, size_t errlen)
{
	struct where w = { "", 0 };
	char sql[2048];
	size_t i, n;
	sqlite3_stmt *st;
	json_t *out = NULL, *flows;
	int64_t total = 0;
	int rc;

	if (!s || !q) {
		snprintf(err, errlen, "no store or query");
		return NULL;
	}
	flow_where(&w, q);
	pthread_mutex_lock(&s->rlock);
	/* One read transaction: the total and the page see the same rows. */
	exec(s->rdb, "BEGIN", NULL, 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM flows%s", w.sql);
	if (!(st = rprepare(s, sql, err, errlen)))
		goto done;
	flow_bind(st, q);
	rc = sqlite3_step(st);
	total = sqlite3_column_int64(st, 0);
	if (!rdone(s, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, json_null(), err, errlen))
		goto done;
	n = (size_t)snprintf(sql, sizeof(sql), "SELECT ");
	for (i = 0; i < ARRAY_SIZE(flow_json); i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s%s", i ? ", " : "",
				      flow_json[i].column);
	snprintf(sql + n, sizeof(sql) - n, " FROM flows%s ORDER BY last_us DESC, id DESC "
		 "LIMIT :limit OFFSET :offset", w.sql);
	if (!(st = rprepare(s, sql, err, errlen)))
		goto done;
	flow_bind(st, q);
	flows = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(flows, flow_row(st));
	if ((flows = rdone(s, st, rc, flows, err, errlen)))
		out = json_pack("{s:I, s:o}", "total", (json_int_t)total, "flows", flows);
done:
	exec(s->rdb, "COMMIT", NULL, 0);
	pthread_mutex_unlock(&s->rlock);
	return out;
}

/* Seconds of the first bucket at or after from_us, and the end (exclusive). */
static int64_t from_bucket(int64_t from_us, int64_t align)
{
	return from_us ? floor_div(floor_div(from_us, US), align) * align : INT64_MIN;
}

static int64_t to_bucket(int64_t to_us)
{
	return to_us ? floor_div(to_us + US - 1, US) : INT64_MAX;
}

json_t *zl_store_top(struct zl_store *s, const char *what, int64_t from_us, int64_t to_us,
		     unsigned limit, char *err, size_t errlen)
{
	const char *col = !what ? NULL : !strcmp(what, "hosts") ? "host" :
		!strcmp(what, "apps") ? "app" : !strcmp(what, "categories") ? "category" : NULL;
	sqlite3_stmt *st;
	json_t *out;
	char sql[512];
	int rc;

	if (!s || !col) {
		snprintf(err, errlen, "what: expected hosts, apps or categories");
		return NULL;
	}
	snprintf(sql, sizeof(sql), "SELECT %s, sum(bytes_up + bytes_down) AS b, "
		 "sum(packets_up + packets_down), sum(flows) FROM agg5m "
		 "WHERE bucket >= :from AND bucket < :to GROUP BY 1 ORDER BY b DESC, 1 "
		 "LIMIT :limit", col);
	pthread_mutex_lock(&s->rlock);
	if (!(st = rprepare(s, sql, err, errlen))) {
		pthread_mutex_unlock(&s->rlock);
		return NULL;
	}
	bind_int(st, ":from", from_bucket(from_us, 300));
	bind_int(st, ":to", to_bucket(to_us));
	bind_int(st, ":limit", limit ? (limit < 10000 ? limit : 10000) : 10);
	out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_pack("{s:o, s:I, s:I, s:I}",
			"name", jtext(sqlite3_column_text(st, 0)),
			"bytes", (json_int_t)sqlite3_column_int64(st, 1),
			"packets", (json_int_t)sqlite3_column_int64(st, 2),
			"flows", (json_int_t)sqlite3_column_int64(st, 3)));
	out = rdone(s, st, rc, out, err, errlen);
	pthread_mutex_unlock(&s->rlock);
	return out;
}

static json_t *series_point(int64_t t, int64_t up, int64_t down, int64_t packets, int64_t flows)
{
	return json_pack("{s:o, s:I, s:I, s:I, s:I}", "t", jtime(t * US, 0),
			 "bytes_up", (json_int_t)up, "bytes_down", (json_int_t)down,
			 "packets", (json_int_t)packets, "flows", (json_int_t)flows);
}

/* Steps with no traffic are filled with zeros (a chart needs them) when
 * the range has a start and is not absurdly long; an open end is now. */
#define SERIES_MAX_POINTS 100000

json_t *zl_store_series(struct zl_store *s, int64_t from_us, int64_t to_us, unsigned step_s,
			const char *host, const char *app, char *err, size_t errlen)
{
	int64_t from = from_bucket(from_us, step_s ? step_s : 300), to = to_bucket(to_us), t, next;
	int64_t end = to_us ? to : floor_div(now_us(), US) + 1;
	int dense, rc;
	struct where w = { "", 0 };
	sqlite3_stmt *st;
	char sql[1024];
	json_t *out;

	if (!s || !step_s || step_s % 300) {
		snprintf(err, errlen, "step: expected a multiple of 300 seconds, got %u", step_s);
		return NULL;
	}
	dense = from_us && end > from && (end - from) / step_s <= SERIES_MAX_POINTS;
	where_add(&w, "bucket >= :from AND bucket < :to");
	if (host)
		where_add(&w, "host = :host");
	if (app)
		where_app(&w, app);
	snprintf(sql, sizeof(sql), "SELECT bucket - bucket %% :step AS t, sum(bytes_up), "
		 "sum(bytes_down), sum(packets_up + packets_down), sum(flows) FROM agg5m%s "
		 "GROUP BY t ORDER BY t", w.sql);
	pthread_mutex_lock(&s->rlock);
	if (!(st = rprepare(s, sql, err, errlen))) {
		pthread_mutex_unlock(&s->rlock);
		return NULL;
	}
	bind_int(st, ":from", from);
	bind_int(st, ":to", to);
	bind_int(st, ":step", step_s);
	bind_str(st, ":host", host);
	bind_str(st, ":app", app);
	out = json_array();
	next = from;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = sqlite3_column_int64(st, 0);
		for (; dense && next < t; next += step_s)
			json_array_append_new(out, series_point(next, 0, 0, 0, 0));
		json_array_append_new(out, series_point(t, sqlite3_column_int64(st, 1),
				      sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
				      sqlite3_column_int64(st, 4)));
		next = t + step_s;
	}
	for (; rc == SQLITE_DONE && dense && next < end; next += step_s)
		json_array_append_new(out, series_point(next, 0, 0, 0, 0));
	out = rdone(s, st, rc, out, err, errlen);
	pthread_mutex_unlock(&s->rlock);
	return out;
}

json_t *zl_store_audit_list(struct zl_store *s, int64_t from_us, int64_t to_us,
			    unsigned limit, char *err, size_t errlen)
{
	struct where w = { "", 0 };
	sqlite3_stmt *st;
	char sql[1024];
	json_t *out;
	int rc;

	if (!s) {
		snprintf(err, errlen, "no store");
		return NULL;
	}
	if (from_us)
		where_add(&w, "ts >= :from");
	if (to_us)
		where_add(&w, "ts < :to");
	snprintf(sql, sizeof(sql), "SELECT id, ts, who, action, detail FROM audit%s "
		 "ORDER BY ts DESC, id DESC LIMIT :limit", w.sql);
	pthread_mutex_lock(&s->rlock);
	if (!(st = rprepare(s, sql, err, errlen))) {
		pthread_mutex_unlock(&s->rlock);
		return NULL;
	}
	bind_int(st, ":from", from_us);
	bind_int(st, ":to", to_us);
	bind_int(st, ":limit", limit ? (limit < 10000 ? limit : 10000) : 100);
	out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_pack("{s:I, s:o, s:o, s:o, s:o}",
			"id", (json_int_t)sqlite3_column_int64(st, 0),
			"ts", jtime(sqlite3_column_int64(st, 1), 1),
			"who", jtext(sqlite3_column_text(st, 2)),
			"action", jtext(sqlite3_column_text(st, 3)),
			"detail", jtext(sqlite3_column_text(st, 4))));
	out = rdone(s, st, rc, out, err, errlen);
	pthread_mutex_unlock(&s->rlock);
	return out;
}

/* ---- the access log ---- */

/* A search holds the read connection, and libmicrohttpd answers one
 * request at a time: one that would read most of a big table is stopped. */
#define ACCESS_QUERY_MS 10000

/* The SELECT lists these columns in this order. */
static const struct {
	const char *name;
	enum col_kind kind;
} access_json[] = {
	{ "id", C_INT }, { "ts", C_TIME }, { "client_ip", C_TEXT }, { "host_name", C_TEXT },
	{ "owner", C_TEXT }, { "department", C_TEXT }, { "app", C_TEXT },
	{ "category", C_TEXT }, { "domain", C_TEXT }, { "server_ip", C_TEXT },
	{ "server_port", C_INT }, { "bytes_up", C_INT }, { "bytes_down", C_INT },
	{ "action", C_TEXT }, { "rule", C_TEXT },
};

#define ACCESS_SELECT \
	"SELECT id, ts, client_ip, host_name, owner, department, app, category, domain, " \
	"server_ip, server_port, bytes_up, bytes_down, action, rule FROM access_log"

static json_t *access_row(sqlite3_stmt *st)
{
	json_t *o = json_object(), *v;
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(access_json); i++) {
		if (access_json[i].kind == C_INT)
			v = json_integer(sqlite3_column_int64(st, i));
		else if (access_json[i].kind == C_TIME)
			v = jtime(sqlite3_column_int64(st, i), 1);
		else
			v = jtext(sqlite3_column_text(st, i));
		json_object_set_new(o, access_json[i].name, v);
	}
	return o;
}

/*
 * The filters but the host, as " WHERE ... AND ...", or "". Each filter is
 * written so that an index of step 4 can serve it: the application by its
 * last part (the full name then only narrows), a domain suffix by its last
 * two labels. 'after' is 1 when the row before_id was found (its ts is
 * bound as :bts): the page goes on after it in (ts, id) order.
 */
static void access_where(char *w, size_t len, const struct zl_access_query *q, int after)
{
	const char *c[10];
	size_t n = 0, i, used = 0;

	if (q->from_us)
		c[n++] = "ts >= :from";
	if (q->to_us)
		c[n++] = "ts < :to";
	if (q->department)
		c[n++] = "department = :department";
	if (q->owner)
		c[n++] = "owner = :owner";
	if (q->app)
		/* "+": without it SQLite 3.40 walks the ts index instead */
		c[n++] = strchr(q->app, '.') ? ACCESS_APP_NAME " = :app_name AND +app = :app" :
			ACCESS_APP_NAME " = :app_name";
	if (q->domain && !strncmp(q->domain, "*.", 2))
		c[n++] = strchr(q->domain + 2, '.') ?
			ACCESS_DOMAIN_TAIL " = :domain_tail AND (domain = :domain OR "
			"substr(domain, -length(:dot_domain)) = :dot_domain)" :
			"(domain = :domain OR substr(domain, -length(:dot_domain)) = :dot_domain)";
	else if (q->domain)
		c[n++] = "domain = :domain";
	if (q->action)
		c[n++] = "action = :action";
	if (q->before_id > 0)
		c[n++] = after ? "ts <= :bts AND (ts < :bts OR id < :before)" : "id < :before";
	w[0] = 0;
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(w + used, len - used, " %s %s", i ? "AND" : "WHERE", c[i]);
}

/* The last two labels of a name: "qq.com" of "news.qq.com". */
static const char *domain_tail(const char *d)
{
	const char *p = d + strlen(d), *last = NULL;

	while (p > d) {
		if (*--p == '.') {
			if (last)
				return p + 1;
			last = p;
		}
	}
	return d;
}

static void access_bind(sqlite3_stmt *st, const struct zl_access_query *q, int64_t bts,
			unsigned limit, char *dot, size_t dotlen)
{
	const char *app_name = q->app && strrchr(q->app, '.') ? strrchr(q->app, '.') + 1 : q->app;
	const char *domain = q->domain;

	if (domain && !strncmp(domain, "*.", 2)) {
		domain += 2;
		snprintf(dot, dotlen, ".%s", domain);
		bind_str(st, ":dot_domain", dot);
		bind_str(st, ":domain_tail", domain_tail(domain));
	}
	bind_int(st, ":from", q->from_us);
	bind_int(st, ":to", q->to_us);
	bind_str(st, ":department", q->department);
	bind_str(st, ":owner", q->owner);
	bind_str(st, ":host", q->host);
	bind_str(st, ":app", q->app);
	bind_str(st, ":app_name", app_name);
	bind_str(st, ":domain", domain);
	bind_str(st, ":action", q->action);
	bind_int(st, ":before", q->before_id);
	bind_int(st, ":bts", bts);
	bind_int(st, ":limit", limit);
}

static int past_deadline(void *arg)
{
	return mono_ms() > *(const int64_t *)arg;
}

/* The ts of row 'id' into *ts: 1, 0 when there is none, -1 on error. */
static int access_ts(struct zl_store *s, int64_t id, int64_t *ts, char *err, size_t errlen)
{
	sqlite3_stmt *st = rprepare(s, "SELECT ts FROM access_log WHERE id = :id", err, errlen);
	int rc;

	if (!st)
		return -1;
	bind_int(st, ":id", id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ts = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->rdb));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * With a host, two searches (by client_ip, by host_name) each read at most
 * a page through their own index and UNION merges them: an OR would make
 * SQLite collect and sort every row of the host before the first page.
 */
static int access_sql(char *sql, size_t len, const struct zl_access_query *q, int after)
{
	char w[2048];
	int n;

	access_where(w, sizeof(w), q, after);
	if (!q->host)
		n = snprintf(sql, len, ACCESS_SELECT "%s ORDER BY ts DESC, id DESC LIMIT :limit", w);
	else
		n = snprintf(sql, len, "SELECT * FROM (" ACCESS_SELECT "%s%sclient_ip = :host "
			     "ORDER BY ts DESC, id DESC LIMIT :limit) UNION "
			     "SELECT * FROM (" ACCESS_SELECT "%s%shost_name = :host "
			     "ORDER BY ts DESC, id DESC LIMIT :limit) "
			     "ORDER BY ts DESC, id DESC LIMIT :limit",
			     w, *w ? " AND " : " WHERE ", w, *w ? " AND " : " WHERE ");
	return n > 0 && (size_t)n < len ? 0 : -1;
}

json_t *zl_store_access_query(struct zl_store *s, const struct zl_access_query *q,
			      char *err, size_t errlen)
{
	unsigned limit = !q || !q->limit ? 100 : q->limit < 10000 ? q->limit : 10000;
	int64_t bts = 0, deadline = mono_ms() + ACCESS_QUERY_MS, last = 0;
	json_t *rows, *out = NULL;
	char sql[6144], dot[512];
	sqlite3_stmt *st;
	unsigned n = 0;
	int after = 0, rc;

	if (!s || !q) {
		snprintf(err, errlen, "no store or query");
		return NULL;
	}
	pthread_mutex_lock(&s->rlock);
	/* One read transaction: the row before_id names and the page agree. */
	exec(s->rdb, "BEGIN", NULL, 0);
	if (q->before_id > 0 && (after = access_ts(s, q->before_id, &bts, err, errlen)) < 0)
		goto done;
	if (access_sql(sql, sizeof(sql), q, after) < 0) {
		snprintf(err, errlen, "access log: search too long");
		goto done;
	}
	if (!(st = rprepare(s, sql, err, errlen)))
		goto done;
	/* one row more than asked says whether there is a next page */
	access_bind(st, q, bts, limit + 1, dot, sizeof(dot));
	sqlite3_progress_handler(s->rdb, 10000, past_deadline, &deadline);
	rows = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < limit) {
		json_array_append_new(rows, access_row(st));
		last = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_progress_handler(s->rdb, 0, NULL, NULL);
	if (rc == SQLITE_INTERRUPT) {
		snprintf(err, errlen, "the search read for over %d s and was stopped: narrow it "
			 "(a time range, a host, an owner, a department)", ACCESS_QUERY_MS / 1000);
		json_decref(rows);
		sqlite3_finalize(st);
		goto done;
	}
	if ((rows = rdone(s, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, rows, err, errlen)))
		out = json_pack("{s:o, s:o}", "rows", rows,
				"next_before_id", rc == SQLITE_ROW ? json_integer(last) : json_null());
done:
	exec(s->rdb, "COMMIT", NULL, 0);
	pthread_mutex_unlock(&s->rlock);
	return out;
}

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
		sqlite3_bind_int64(st, 1, now_us());
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
	return rc == SQLITE_DONE ? 0 : sql_errno(rc);
}

char *zl_store_policy_text(struct zl_store *s, int64_t version, int64_t *found, int *state,
			   char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char *text = NULL;
	int rc;

	pthread_mutex_lock(&s->rlock);
	st = rprepare(s, version > 0 ?
		      "SELECT version, text, confirmed FROM policy_versions WHERE version = :v" :
		      "SELECT version, text, confirmed FROM policy_versions WHERE confirmed = 1 "
		      "ORDER BY version DESC LIMIT 1", err, errlen);
	if (!st) {
		pthread_mutex_unlock(&s->rlock);
		return NULL;
	}
	if (version > 0)
		bind_int(st, ":v", version);
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
		snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->rdb));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->rlock);
	return text;
}

json_t *zl_store_policy_list(struct zl_store *s, unsigned limit, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	json_t *out;
	int rc;

	pthread_mutex_lock(&s->rlock);
	st = rprepare(s, "SELECT version, ts, who, comment, confirmed, length(text) "
		      "FROM policy_versions ORDER BY version DESC LIMIT :limit", err, errlen);
	if (!st) {
		pthread_mutex_unlock(&s->rlock);
		return NULL;
	}
	bind_int(st, ":limit", limit ? (limit < 10000 ? limit : 10000) : 100);
	out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_pack("{s:I, s:o, s:o, s:o, s:s, s:I}",
			"version", (json_int_t)sqlite3_column_int64(st, 0),
			"ts", jtime(sqlite3_column_int64(st, 1), 0),
			"who", jtext(sqlite3_column_text(st, 2)),
			"comment", jtext(sqlite3_column_text(st, 3)),
			"state", policy_state_name(sqlite3_column_int64(st, 4)),
			"bytes", (json_int_t)sqlite3_column_int64(st, 5)));
	out = rdone(s, st, rc, out, err, errlen);
	pthread_mutex_unlock(&s->rlock);
	return out;
}

/* ---- behaviour blocks ---- */

static int bh_insert(struct zl_store *s, sqlite3_stmt *st, const struct zl_bh_record *r)
{
	sqlite3_bind_text(st, 1, r->client, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->server, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->port);
	sqlite3_bind_int64(st, 4, r->expires_us);
	sqlite3_bind_text(st, 5, r->rule, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->app, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->iface, -1, SQLITE_STATIC);
	(void)s;
	return sqlite3_step(st) == SQLITE_DONE ? (sqlite3_reset(st), 0) : (sqlite3_reset(st), -1);
}

static const char bh_insert_sql[] =
	"INSERT OR REPLACE INTO bh_entries (client, server, port, expires_us, rule, app, "
	"category, domain, iface) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

int zl_store_bh_put(struct zl_store *s, const struct zl_bh_record *r)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (!s)
		return -1;
	pthread_mutex_lock(&s->wlock);
	if (sqlite3_prepare_v2(s->wdb, bh_insert_sql, -1, &st, NULL) == SQLITE_OK)
		rc = bh_insert(s, st, r);
	if (rc < 0)
		zl_log_warnx("store: %s: behaviour block not saved: %s", s->path, sqlite3_errmsg(s->wdb));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wlock);
	return rc;
}

int zl_store_bh_replace(struct zl_store *s, const struct zl_bh_record *v, size_t n)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = 0;

	if (!s)
		return -1;
	pthread_mutex_lock(&s->wlock);
	if (exec(s->wdb, "BEGIN; DELETE FROM bh_entries", NULL, 0) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->wdb, bh_insert_sql, -1, &st, NULL) != SQLITE_OK)
		rc = -1;
	for (i = 0; !rc && i < n; i++)
		rc = bh_insert(s, st, &v[i]);
	sqlite3_finalize(st);
	if (exec(s->wdb, rc ? "ROLLBACK" : "COMMIT", NULL, 0) != SQLITE_OK)
		rc = -1;
	if (rc < 0)
		zl_log_warnx("store: %s: behaviour blocks not saved: %s", s->path, sqlite3_errmsg(s->wdb));
	pthread_mutex_unlock(&s->wlock);
	return rc;
}

size_t zl_store_bh_load(struct zl_store *s, int64_t now, struct zl_bh_record **out)
{
	char err[256];
	sqlite3_stmt *st;
	struct zl_bh_record *v = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	if (!s)
		return 0;
	pthread_mutex_lock(&s->rlock);
	st = rprepare(s, "SELECT client, server, port, expires_us, rule, app, category, domain, "
		      "iface FROM bh_entries WHERE expires_us > :now", err, sizeof(err));
	if (!st) {
		pthread_mutex_unlock(&s->rlock);
		zl_log_warnx("store: %s", err);
		return 0;
	}
	bind_int(st, ":now", now);
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
	pthread_mutex_unlock(&s->rlock);
	*out = v;
	return n;
}

/* ---- the address book ---- */

int zl_store_hosts_replace(struct zl_store *s, const struct zl_addrbook_row *v, size_t n,
			   char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int64_t t = now_us();
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&s->wlock);
	if (exec(s->wdb, "BEGIN; DELETE FROM hosts", NULL, 0) != SQLITE_OK ||
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
	if (exec(s->wdb, rc ? "ROLLBACK" : "COMMIT", NULL, 0) != SQLITE_OK && !rc) {
		snprintf(err, errlen, "%s: cannot store the address book: %s", s->path,
			 sqlite3_errmsg(s->wdb));
		rc = -1;
	}
	pthread_mutex_unlock(&s->wlock);
	return rc;
}

int zl_store_hosts_load(struct zl_store *s, struct zl_addrbook_rows *rows)
{
	char err[256];
	sqlite3_stmt *st;
	int n = 0;

	pthread_mutex_lock(&s->rlock);
	st = rprepare(s, "SELECT address, mac, name, owner, department FROM hosts ORDER BY id",
		      err, sizeof(err));
	if (!st) {
		pthread_mutex_unlock(&s->rlock);
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
	pthread_mutex_unlock(&s->rlock);
	return n;
}
