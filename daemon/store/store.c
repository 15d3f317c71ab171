/*
 * store.c - SQLite behind store.h: the schema and its migrations, opening
 * and closing the database, the audit trail and the counters. The queue and
 * writer are in store_writer.c, the queries in store_query.c, the smaller
 * tables in store_tables.c (store-int.h says who shares what).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <sqlite3.h>

#include "log.h"
#include "addrbook.h"
#include "store-int.h"

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

	/*
	 * 5: the console's accounts (daemon/users/). Times are unix seconds.
	 * totp_pending holds a secret between enrolment's begin and finish;
	 * totp_last_step is the last 30-second step whose code was accepted,
	 * so a code is accepted once.
	 */
	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" role TEXT NOT NULL CHECK (role IN ('admin', 'security', 'auditor', 'report')),"
	" hash TEXT NOT NULL, totp_secret TEXT NOT NULL DEFAULT '',"
	" totp_pending TEXT NOT NULL DEFAULT '', enrolled INTEGER NOT NULL DEFAULT 0,"
	" totp_last_step INTEGER NOT NULL DEFAULT 0, must_change INTEGER NOT NULL DEFAULT 1,"
	" password_changed INTEGER NOT NULL, enabled INTEGER NOT NULL DEFAULT 1,"
	" failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0,"
	" last_login INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);",

	/* 6: the IPv6 migration's per-day counters and snapshots (store_ipv6.c) */
	zl_st_ipv6_schema,

	/*
	 * 7: incidents in the daemon (store_incidents.c). Step 2's table is
	 * kept and completed: first_ts/last_ts are microseconds, kind is the
	 * type ("scan"), summary the English sentence, state the workflow's
	 * status (new, acknowledged, resolved, false_positive). evidence is
	 * a JSON array of flow keys. Notes go with their incident when the
	 * retention purges it.
	 */
	"ALTER TABLE incidents ADD COLUMN src_port INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE incidents ADD COLUMN dst_port INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE incidents ADD COLUMN src_host TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE incidents ADD COLUMN src_person TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE incidents ADD COLUMN src_department TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE incidents ADD COLUMN dst_host TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE incidents ADD COLUMN dst_person TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE incidents ADD COLUMN dst_department TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE incidents ADD COLUMN src_mac TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE incidents ADD COLUMN vlan INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE incidents ADD COLUMN proto TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE incidents ADD COLUMN app TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE incidents ADD COLUMN risks TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE incidents ADD COLUMN targets INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE incidents ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]';"
	"ALTER TABLE incidents ADD COLUMN summary_zh TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE incidents ADD COLUMN assignee TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE incidents ADD COLUMN updated_ts INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX incidents_state ON incidents(state, last_ts);"
	"CREATE TABLE incident_notes ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, incident INTEGER NOT NULL,"
	" ts INTEGER NOT NULL, who TEXT NOT NULL, text TEXT NOT NULL DEFAULT '',"
	" state_from TEXT NOT NULL DEFAULT '', state_to TEXT NOT NULL DEFAULT '',"
	" assignee TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX incident_notes_incident ON incident_notes(incident, id);"
	"CREATE TRIGGER incidents_purge_notes AFTER DELETE ON incidents"
	" BEGIN DELETE FROM incident_notes WHERE incident = old.id; END;"
	/* events the policy's suppression rules swallowed, per day (unix
	 * seconds of its start: the local day's, UTC days' before) and type */
	"CREATE TABLE incident_suppressed ("
	" day INTEGER NOT NULL, type TEXT NOT NULL, count INTEGER NOT NULL,"
	" PRIMARY KEY (day, type));",  /* a rowid: the retention purges by it */

	/* 8: the IPv6 readiness checks' results per site and day (store_ipv6_sites.c) */
	zl_st_ipv6_sites_schema,

	/*
	 * 9: the monthly reports' archive (daemon/reports/archive.c): each
	 * file under the state directory with its SHA-256, who asked and when
	 * (us), the period it covers, and until when it is kept (us).
	 * scheduled: made by the daemon on the 1st, not asked for.
	 */
	"CREATE TABLE reports ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, who TEXT NOT NULL,"
	" period TEXT NOT NULL, from_us INTEGER NOT NULL, to_us INTEGER NOT NULL,"
	" format TEXT NOT NULL, lang TEXT NOT NULL, persons INTEGER NOT NULL DEFAULT 0,"
	" scheduled INTEGER NOT NULL DEFAULT 0, path TEXT NOT NULL, bytes INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL, keep_until INTEGER NOT NULL);"
	"CREATE INDEX reports_keep ON reports(keep_until);",

	/* 10: the reports' half-hourly rollups of agg5m and access_log, back-
	 * filled from the rows kept (store_rollup.c) */
	zl_st_rollup_schema,

	/* 11: the persons' version's rollups: blocks by person (roll_access
	 * kind 5) and traffic by host and category (roll_hosts), back-filled
	 * (store_rollup.c) */
	zl_st_rollup_schema11,
};

/* Tables the retention applies to (not audit, not policy_versions). */
const struct zl_st_purged zl_st_purged_tables[ZL_ST_N_PURGED] = {
	{ "flows", "last_us", 0 }, { "agg5m", "bucket", 1 }, { "access_log", "ts", 0 },
	{ "incidents", "last_ts", 0 }, { "incident_suppressed", "day", 1 },
	{ "roll_traffic", "slot", 1800 }, { "roll_apps", "slot", 1800 }, { "roll_access", "slot", 1800 },
	{ "roll_hosts", "slot", 1800 },
};

int64_t zl_st_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * US + ts.tv_nsec / 1000;
}

int64_t zl_st_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t zl_st_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* RFC 3339 UTC, with microseconds when 'frac'. */
void zl_st_rfc3339(int64_t us, int frac, char *buf, size_t len)
{
	int64_t s = zl_st_floor_div(us, US);
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

int zl_st_sql_errno(int rc)
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
int zl_st_step_reset(sqlite3_stmt *st, char *why, size_t len)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW && why)
		snprintf(why, len, "%s", sqlite3_errmsg(sqlite3_db_handle(st)));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

int zl_st_exec(sqlite3 *db, const char *sql, char *why, size_t len)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK && why)
		snprintf(why, len, "%s", sqlite3_errmsg(db));
	return rc;
}

/* The first column of the first row of 'sql', as an integer or as text. */
int zl_st_query_int(sqlite3 *db, const char *sql, int64_t *v, char *why, size_t len)
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

int zl_st_query_text(sqlite3 *db, const char *sql, char *out, size_t outlen,
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
		if (zl_st_exec(db, "BEGIN IMMEDIATE", why, len) != SQLITE_OK)
			return -1;
		if (zl_st_query_int(db, "PRAGMA user_version", &v, why, len) != SQLITE_OK)
			goto fail;
		if (v == want)
			return zl_st_exec(db, "COMMIT", why, len) == SQLITE_OK ? 0 : -1;
		if (v < 0 || v > want) {
			snprintf(why, len, "schema version %lld is newer than this zhulan's (%lld)",
				 (long long)v, (long long)want);
			goto fail;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)v + 1);
		if (zl_st_exec(db, schema[v], why, len) != SQLITE_OK ||
		    zl_st_exec(db, sql, why, len) != SQLITE_OK ||
		    zl_st_exec(db, "COMMIT", why, len) != SQLITE_OK)
			goto fail;
	}
fail:
	if (!sqlite3_get_autocommit(db))
		zl_st_exec(db, "ROLLBACK", NULL, 0);
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
	if (zl_st_query_text(db, "PRAGMA quick_check(1)", check, sizeof(check), why, len) != SQLITE_OK)
		return -1;
	if (strcmp(check, "ok")) {
		while ((nl = strchr(check, '\n')))
			*nl = ' ';
		snprintf(why, len, "database disk image is malformed (quick_check: %s)", check);
		return -1;
	}
	if (zl_st_query_int(db, "PRAGMA page_count", &pages, why, len) != SQLITE_OK)
		return -1;
	/* Only possible before the first table: lets us give pages back to the
	 * file system after the retention is shortened. */
	if (pages == 0 && zl_st_exec(db, "PRAGMA auto_vacuum = INCREMENTAL", why, len) != SQLITE_OK)
		return -1;
	if (zl_st_query_text(db, "PRAGMA journal_mode = WAL", mode, sizeof(mode), why, len) != SQLITE_OK)
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
	return zl_st_exec(db, "PRAGMA synchronous = NORMAL;"
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
		{ &s->ins_block, BH_INSERT_SQL },
	};
	char sql[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(w); i++)
		if (sqlite3_prepare_v3(s->wdb, w[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
				       w[i].st, NULL) != SQLITE_OK)
			goto fail;
	for (i = 0; i < ZL_ST_N_PURGED; i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE rowid IN (SELECT rowid FROM %s "
			 "WHERE %s < ? LIMIT %d)", zl_st_purged_tables[i].table,
			 zl_st_purged_tables[i].table, zl_st_purged_tables[i].column, PURGE_STEP);
		if (sqlite3_prepare_v3(s->wdb, sql, -1, SQLITE_PREPARE_PERSISTENT,
				       &s->purge[i], NULL) != SQLITE_OK)
			goto fail;
	}
	return 0;
fail:
	snprintf(why, len, "%s", sqlite3_errmsg(s->wdb));
	return -1;
}

void zl_st_finalize_writer(struct zl_store *s)
{
	sqlite3_stmt **all[] = { &s->begin, &s->commit, &s->rollback, &s->ins_flow,
				 &s->ins_agg, &s->ins_audit, &s->ins_access, &s->ins_block };
	size_t i;

	zl_st_v6_finalize(s);
	zl_st_roll_finalize(s);
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
	for (i = 0; i < ARRAY_SIZE(s->purge); i++) {
		sqlite3_finalize(s->purge[i]);
		s->purge[i] = NULL;
	}
}

/*
 * The database holds the access log, personal data that only some roles
 * may read through the API: the file is its owner's alone (0600). A file
 * left group-readable by an older version is tightened, and so are its
 * -wal and -shm files (SQLite gives new ones the database's mode).
 */
static void tighten(const char *path, int fd)
{
	struct stat st;

	if ((fd >= 0 ? fstat(fd, &st) : stat(path, &st)) < 0 || !(st.st_mode & 077))
		return;
	if ((fd >= 0 ? fchmod(fd, 0600) : chmod(path, 0600)) < 0)
		zl_log_warnx("store: %s: mode %03o, readable by others, and cannot be made 0600: %s",
			     path, (unsigned)(st.st_mode & 0777), strerror(errno));
	else
		zl_log_warnx("store: %s: was mode %03o; now 0600 (the access log is personal data)",
			     path, (unsigned)(st.st_mode & 0777));
}

/* Create the file ourselves: SQLite would leave its mode to the umask, and
 * errno says better than SQLite why a path cannot be opened. */
static int create_file(const char *path, char *why, size_t len)
{
	static const char *const side[] = { "-wal", "-shm" };
	char other[PATH_MAX];
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	size_t i;

	if (fd >= 0) {
		if (fchmod(fd, 0600) < 0)
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
	tighten(path, fd);
	close(fd);
	for (i = 0; i < ARRAY_SIZE(side); i++) {
		snprintf(other, sizeof(other), "%s%s", path, side[i]);
		tighten(other, -1);
	}
	return 0;
}

void zl_st_close_readers(struct zl_store *s)
{
	int i;

	for (i = 0; i < READERS; i++) {
		sqlite3_close(s->rdb[i]);
		s->rdb[i] = NULL;
	}
}

void zl_st_free(struct zl_store *s)
{
	zl_st_finalize_writer(s);
	zl_st_close_readers(s);
	sqlite3_close(s->wdb);
	pthread_mutex_destroy(&s->wlock);
	pthread_mutex_destroy(&s->rlock);
	pthread_cond_destroy(&s->rcond);
	pthread_mutex_destroy(&s->qlock);
	pthread_cond_destroy(&s->qcond);
	pthread_cond_destroy(&s->qspace);
	free(s->ring);
	free(s->ring_ms);
	zl_st_v6_free(s);
	zl_st_roll_free(s);
	free(s->path);
	free(s->wal_path);
	free(s);
}

struct zl_store *zl_store_open(const struct zl_store_opts *o, char *err, size_t errlen)
{
	struct zl_store *s;
	pthread_condattr_t ca;
	char why[256] = "";
	int i;

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
	pthread_cond_init(&s->rcond, NULL);
	pthread_mutex_init(&s->qlock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->qcond, &ca);
	pthread_cond_init(&s->qspace, &ca);
	pthread_condattr_destroy(&ca);
	s->retention_days = o->retention_days ? o->retention_days : DEFAULT_RETENTION_DAYS;
	s->batch_ms = o->batch_ms ? o->batch_ms : DEFAULT_BATCH_MS;
	s->cap = o->queue_len ? o->queue_len : DEFAULT_QUEUE_LEN;
	s->batch_max = s->cap < BATCH_MAX ? s->cap : BATCH_MAX;
	s->flow_cap = s->cap - QUEUE_RESERVE(s->cap);
	s->writable = 1;

	if (create_file(s->path, why, sizeof(why)) < 0)
		goto fail;
	if (sqlite3_open_v2(s->path, &s->wdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(why, sizeof(why), "%s", s->wdb ? sqlite3_errmsg(s->wdb) : "out of memory");
		goto fail;
	}
	if (setup_writer(s->wdb, why, sizeof(why)) < 0 || migrate(s->wdb, why, sizeof(why)) < 0 ||
	    prepare_writer(s, why, sizeof(why)) < 0 || zl_st_roll_new(s, why, sizeof(why)) < 0)
		goto fail;
	/* Opened after the writer, so the WAL and its index already exist. */
	for (i = 0; i < READERS; i++) {
		if (sqlite3_open_v2(s->path, &s->rdb[i], SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
				    NULL) != SQLITE_OK) {
			snprintf(why, sizeof(why), "%s",
				 s->rdb[i] ? sqlite3_errmsg(s->rdb[i]) : "out of memory");
			goto fail;
		}
		sqlite3_busy_timeout(s->rdb[i], BUSY_TIMEOUT_MS);
	}
	s->ring = calloc(s->cap, sizeof(*s->ring));
	s->ring_ms = calloc(s->cap, sizeof(*s->ring_ms));
	if (!s->ring || !s->ring_ms || zl_st_v6_new(s) < 0) {
		snprintf(why, sizeof(why), "cannot allocate a queue of %u records", s->cap);
		goto fail;
	}
	return s;
fail:
	snprintf(err, errlen, "%s: %s", s->path, why);
	zl_st_free(s);
	return NULL;
}

void zl_st_bind_text(sqlite3_stmt *st, int i, const char *t, size_t max)
{
	/* STATIC: the slot stays put until the statement is reset */
	sqlite3_bind_text(st, i, t, (int)strnlen(t, max), SQLITE_STATIC);
}

sqlite3_int64 zl_st_i64(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (sqlite3_int64)v;
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
	zl_st_exec(s->wdb, "PRAGMA synchronous = FULL", NULL, 0);
	sqlite3_bind_int64(s->ins_audit, 1, zl_st_now_us());
	sqlite3_bind_text(s->ins_audit, 2, who ? who : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s->ins_audit, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->ins_audit, 4, detail ? detail : "", -1, SQLITE_STATIC);
	rc = zl_st_step_reset(s->ins_audit, why, sizeof(why));
	sqlite3_clear_bindings(s->ins_audit);
	zl_st_exec(s->wdb, "PRAGMA synchronous = NORMAL", NULL, 0);
	pthread_mutex_unlock(&s->wlock);
	if (rc != SQLITE_DONE) {
		zl_log_warnx("store: %s: audit \"%s\" by %s not recorded: %s", s->path, action,
			     who ? who : "?", why);
		return zl_st_sql_errno(rc);
	}
	return 0;
}

void zl_store_stats(struct zl_store *s, struct zl_store_stats *st)
{
	struct statvfs vfs;
	struct stat sb;

	memset(st, 0, sizeof(*st));
	if (!s)
		return;
	pthread_mutex_lock(&s->qlock);
	st->queued = s->queued;
	st->written = s->written;
	st->dropped = s->dropped;
	st->access_dropped = s->access_dropped;
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
	st->retention_days = __atomic_load_n(&s->retention_days, __ATOMIC_RELAXED);
	if (statvfs(s->path, &vfs) == 0) {
		st->disk_free = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		st->disk_total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	}
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
