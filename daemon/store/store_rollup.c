/*
 * store_rollup.c - the half-hourly rollups the monthly report reads
 * (schema steps 10 and 11), kept by the writer thread as it writes:
 *
 *   roll_traffic (slot, department, category, v6): bytes up/down and flows
 *       of agg5m's rows, by the address book's department of the source
 *       address when the flow was written ('' when the book has none)
 *       and by family (v6: the source address is IPv6);
 *   roll_apps (slot, app): the same by application (category: the last
 *       one seen in the slot);
 *   roll_access (slot, action, kind, name, name2): access-log rows and
 *       their bytes: kind 0 every action's count (name, name2 ''); for
 *       'block' also kind 1 by rule, 2 by department, 3 by application;
 *       for 'limit' kind 4 by department (name) and application (name2);
 *       step 11: for 'block' kind 5 by person (name, the row's owner,
 *       never '') and department (name2);
 *   roll_hosts (slot, host, category), step 11: bytes up/down of agg5m's
 *       rows by source address and category (no application, no 5-minute
 *       buckets), for the persons' version's working hours: the report
 *       names a host's person from the address book as agg5m's rows do.
 *
 * slot: unix seconds, a multiple of 1800 (UTC). Half hours, not days:
 * a report's local days and months start on a slot boundary in any time
 * zone whose offset is a whole or half hour, and so do working hours such
 * as 08:30-12:00. A batch's rows are summed in memory (zl_st_roll_add_*)
 * and written in its transaction (zl_st_roll_flush), so a report never
 * sees flows without their rollup or the other way round.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "store_report.h"

#define ROLL_SLOT 1800
#define ROLL_SLOT_S "1800"

/* agg5m's host -> the address book's department (one per address: the
 * report's rule, max(department) of the rows that hold it) */
#define HOST_DEPT \
	"(SELECT address, max(department) AS department FROM hosts WHERE address != '' " \
	"GROUP BY address)"
#define ACC_SLOT "ts / 1000000 / " ROLL_SLOT_S " * " ROLL_SLOT_S
#define ACC_SUMS "count(*), coalesce(sum(bytes_up + bytes_down), 0) FROM access_log "
#define ZL_ST_ROLLUP_FILL \
	"INSERT INTO roll_traffic SELECT bucket / " ROLL_SLOT_S " * " ROLL_SLOT_S ", " \
	"coalesce(h.department, ''), category, instr(host, ':') > 0, sum(bytes_up), " \
	"sum(bytes_down), sum(flows) FROM agg5m LEFT JOIN " HOST_DEPT " h " \
	"ON h.address = agg5m.host GROUP BY 1, 2, 3, 4;" \
	"INSERT INTO roll_apps SELECT bucket / " ROLL_SLOT_S " * " ROLL_SLOT_S ", app, " \
	"max(category), sum(bytes_up), sum(bytes_down), sum(flows) FROM agg5m GROUP BY 1, 2;" \
	"INSERT INTO roll_access SELECT " ACC_SLOT ", action, 0, '', '', " ACC_SUMS \
	"GROUP BY 1, 2;" \
	"INSERT INTO roll_access SELECT " ACC_SLOT ", action, 1, rule, '', " ACC_SUMS \
	"WHERE action = 'block' GROUP BY 1, 4;" \
	"INSERT INTO roll_access SELECT " ACC_SLOT ", action, 2, department, '', " ACC_SUMS \
	"WHERE action = 'block' GROUP BY 1, 4;" \
	"INSERT INTO roll_access SELECT " ACC_SLOT ", action, 3, app, '', " ACC_SUMS \
	"WHERE action = 'block' GROUP BY 1, 4;" \
	"INSERT INTO roll_access SELECT " ACC_SLOT ", action, 4, department, app, " ACC_SUMS \
	"WHERE action = 'limit' GROUP BY 1, 4, 5;"

/* Step 10: the tables, and back-filled from the rows already kept. */
const char zl_st_rollup_schema[] =
	"CREATE TABLE roll_traffic ("
	" slot INTEGER NOT NULL, department TEXT NOT NULL, category TEXT NOT NULL,"
	" v6 INTEGER NOT NULL, bytes_up INTEGER NOT NULL, bytes_down INTEGER NOT NULL,"
	" flows INTEGER NOT NULL, PRIMARY KEY (slot, department, category, v6));"
	"CREATE TABLE roll_apps ("
	" slot INTEGER NOT NULL, app TEXT NOT NULL, category TEXT NOT NULL,"
	" bytes_up INTEGER NOT NULL, bytes_down INTEGER NOT NULL, flows INTEGER NOT NULL,"
	" PRIMARY KEY (slot, app));"
	"CREATE TABLE roll_access ("
	" slot INTEGER NOT NULL, action TEXT NOT NULL, kind INTEGER NOT NULL,"
	" name TEXT NOT NULL, name2 TEXT NOT NULL, n INTEGER NOT NULL, bytes INTEGER NOT NULL,"
	" PRIMARY KEY (slot, action, kind, name, name2));"
	ZL_ST_ROLLUP_FILL;

#define ZL_ST_ROLLUP_FILL11 \
	"INSERT INTO roll_hosts SELECT bucket / " ROLL_SLOT_S " * " ROLL_SLOT_S ", host, " \
	"category, sum(bytes_up), sum(bytes_down) FROM agg5m GROUP BY 1, 2, 3;" \
	"INSERT INTO roll_access SELECT " ACC_SLOT ", action, 5, owner, department, " ACC_SUMS \
	"WHERE action = 'block' AND owner != '' GROUP BY 1, 4, 5;"

/* Step 11: the persons' version's rollups (blocks by person, traffic by
 * host and category), back-filled like step 10's. */
const char zl_st_rollup_schema11[] =
	"CREATE TABLE roll_hosts ("
	" slot INTEGER NOT NULL, host TEXT NOT NULL, category TEXT NOT NULL,"
	" bytes_up INTEGER NOT NULL, bytes_down INTEGER NOT NULL,"
	" PRIMARY KEY (slot, host, category));"  /* a rowid: the retention purges by it */
	ZL_ST_ROLLUP_FILL11;

/* The back-fill (also zl_store_rollup_rebuild's): every rollup row from
 * agg5m, the address book and access_log as they are now. */
const char zl_st_rollup_fill[] =
	"DELETE FROM roll_traffic; DELETE FROM roll_apps; DELETE FROM roll_access;"
	"DELETE FROM roll_hosts;"
	ZL_ST_ROLLUP_FILL ZL_ST_ROLLUP_FILL11;

struct rkey {
	int table;                      /* 0 traffic, 1 apps, 2 access, 3 hosts */
	int64_t slot;
	int kind;                       /* traffic: v6; access: kind */
	char a[ZL_NAME_SIZE], b[ZL_NAME_SIZE], c[ZL_NAME_SIZE]; /* department/app/action/host,
								  * category/name, name2 */
};

struct rent {
	struct rkey k;
	int64_t x, y, z;                /* up, down, flows; access: n, bytes */
	int used;
};

struct hdept {
	char *addr, *dept;
};

struct zl_st_roll {
	struct rent *v;
	size_t cap, n;
	struct hdept *h;                /* the address book, open addressing */
	size_t hcap;
	sqlite3_stmt *ins[4];
};

static uint64_t hash_str(uint64_t h, const char *s)
{
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return (h ^ 0x1f) * 1099511628211ULL;
}

static uint64_t key_hash(const struct rkey *k)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(k->table * 31 + k->kind);

	h = (h ^ (uint64_t)k->slot) * 1099511628211ULL;
	return hash_str(hash_str(hash_str(h, k->a), k->b), k->c);
}

static int key_eq(const struct rkey *x, const struct rkey *y)
{
	return x->table == y->table && x->slot == y->slot && x->kind == y->kind &&
	       !strcmp(x->a, y->a) && !strcmp(x->b, y->b) && !strcmp(x->c, y->c);
}

static void hosts_free(struct zl_st_roll *r)
{
	size_t i;

	for (i = 0; i < r->hcap; i++) {
		free(r->h[i].addr);
		free(r->h[i].dept);
	}
	free(r->h);
	r->h = NULL;
	r->hcap = 0;
}

static const char *dept_of(const struct zl_st_roll *r, const char *addr)
{
	size_t i;

	if (!r->hcap)
		return "";
	for (i = hash_str(1469598103934665603ULL, addr) & (r->hcap - 1); r->h[i].addr;
	     i = (i + 1) & (r->hcap - 1))
		if (!strcmp(r->h[i].addr, addr))
			return r->h[i].dept;
	return "";
}

int zl_st_roll_load_hosts(struct zl_store *s, char *why, size_t len)
{
	struct zl_st_roll *r = s->roll;
	sqlite3_stmt *st;
	int64_t n = 0;
	size_t cap = 16, i;
	int rc;

	if (zl_st_query_int(s->wdb, "SELECT count(*) FROM hosts", &n, why, len) != SQLITE_OK)
		return -1;
	while (cap < (size_t)n * 2 + 2)
		cap *= 2;
	hosts_free(r);
	if (!(r->h = calloc(cap, sizeof(*r->h)))) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	r->hcap = cap;
	if (sqlite3_prepare_v2(s->wdb, "SELECT address, max(department) FROM hosts "
			       "WHERE address != '' GROUP BY address", -1, &st, NULL) != SQLITE_OK) {
		snprintf(why, len, "%s", sqlite3_errmsg(s->wdb));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		const char *d = (const char *)sqlite3_column_text(st, 1);
		for (i = hash_str(1469598103934665603ULL, a) & (cap - 1); r->h[i].addr;
		     i = (i + 1) & (cap - 1))
			;
		if (!(r->h[i].addr = strdup(a)) || !(r->h[i].dept = strdup(d ? d : ""))) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		snprintf(why, len, "%s", rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(s->wdb));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int zl_st_roll_new(struct zl_store *s, char *why, size_t len)
{
	static const char *const sql[4] = {
		"INSERT INTO roll_traffic (slot, department, category, v6, bytes_up, bytes_down, "
		"flows) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO UPDATE SET "
		"bytes_up = bytes_up + excluded.bytes_up, bytes_down = bytes_down + "
		"excluded.bytes_down, flows = flows + excluded.flows",
		"INSERT INTO roll_apps (slot, app, category, bytes_up, bytes_down, flows) VALUES "
		"(?1, ?2, ?3, ?5, ?6, ?7) ON CONFLICT DO UPDATE SET category = excluded.category, "
		"bytes_up = bytes_up + excluded.bytes_up, bytes_down = bytes_down + "
		"excluded.bytes_down, flows = flows + excluded.flows",
		"INSERT INTO roll_access (slot, action, name, kind, name2, n, bytes) VALUES "
		"(?1, ?2, ?3, ?4, ?8, ?5, ?6) ON CONFLICT DO UPDATE SET n = n + excluded.n, "
		"bytes = bytes + excluded.bytes",
		"INSERT INTO roll_hosts (slot, host, category, bytes_up, bytes_down) VALUES "
		"(?1, ?2, ?3, ?5, ?6) ON CONFLICT DO UPDATE SET bytes_up = bytes_up + "
		"excluded.bytes_up, bytes_down = bytes_down + excluded.bytes_down",
	};
	struct zl_st_roll *r = calloc(1, sizeof(*r));
	int i;

	if (!r) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	s->roll = r;
	for (i = 0; i < 4; i++)
		if (sqlite3_prepare_v3(s->wdb, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &r->ins[i],
				       NULL) != SQLITE_OK) {
			snprintf(why, len, "%s", sqlite3_errmsg(s->wdb));
			return -1;
		}
	return zl_st_roll_load_hosts(s, why, len);
}

void zl_st_roll_finalize(struct zl_store *s)
{
	int i;

	if (!s->roll)
		return;
	for (i = 0; i < 4; i++) {
		sqlite3_finalize(s->roll->ins[i]);
		s->roll->ins[i] = NULL;
	}
}

void zl_st_roll_free(struct zl_store *s)
{
	if (!s->roll)
		return;
	zl_st_roll_finalize(s);
	hosts_free(s->roll);
	free(s->roll->v);
	free(s->roll);
	s->roll = NULL;
}

/* Add to the entry of k; -1 when out of memory (the batch then fails). */
static int add(struct zl_st_roll *r, const struct rkey *k, int64_t x, int64_t y, int64_t z)
{
	size_t i;

	if ((r->n + 1) * 2 > r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024, j;
		struct rent *v = calloc(cap, sizeof(*v));
		if (!v)
			return -1;
		for (j = 0; j < r->cap; j++)
			if (r->v[j].used) {
				for (i = key_hash(&r->v[j].k) & (cap - 1); v[i].used; i = (i + 1) & (cap - 1))
					;
				v[i] = r->v[j];
			}
		free(r->v);
		r->v = v;
		r->cap = cap;
	}
	for (i = key_hash(k) & (r->cap - 1); r->v[i].used; i = (i + 1) & (r->cap - 1))
		if (key_eq(&r->v[i].k, k))
			break;
	if (!r->v[i].used) {
		r->v[i].used = 1;
		r->v[i].k = *k;
		r->n++;
	}
	r->v[i].x += x;
	r->v[i].y += y;
	r->v[i].z += z;
	return 0;
}

static int64_t slot_of(int64_t s)
{
	return s - (s % ROLL_SLOT + ROLL_SLOT) % ROLL_SLOT;
}

#define SET(f, v) snprintf(k.f, sizeof(k.f), "%s", v)

int zl_st_roll_add_flow(struct zl_store *s, const struct zl_flow_record *f)
{
	struct zl_st_roll *r = s->roll;
	int64_t up = zl_st_i64(f->src2dst_bytes), down = zl_st_i64(f->dst2src_bytes);
	struct rkey k = { .table = 0 };

	/* agg5m's bucket of the flow, then its half hour */
	k.slot = slot_of(zl_st_floor_div(f->last_us, US));
	k.kind = strchr(f->src_ip, ':') != NULL;
	SET(a, dept_of(r, f->src_ip));
	SET(b, f->category);
	if (add(r, &k, up, down, 1) < 0)
		return -1;
	memset(&k, 0, sizeof(k));
	k.table = 1;
	k.slot = slot_of(zl_st_floor_div(f->last_us, US));
	SET(a, f->app);
	SET(b, f->category);
	if (add(r, &k, up, down, 1) < 0)
		return -1;
	k.table = 3;
	SET(a, f->src_ip);
	return add(r, &k, up, down, 0);
}

int zl_st_roll_add_access(struct zl_store *s, const struct zl_access_record *a)
{
	struct zl_st_roll *r = s->roll;
	int64_t bytes = zl_st_i64(a->bytes_up) + zl_st_i64(a->bytes_down);
	struct rkey k = { .table = 2 };
	const char *names[5] = { a->rule, a->department, a->app, a->department, a->owner };
	int kind, rc = 0;

	k.slot = slot_of(zl_st_floor_div(a->ts, US));
	SET(a, a->action);
	rc |= add(r, &k, 1, bytes, 0);
	for (kind = 1; kind <= 5; kind++) {
		if (strcmp(a->action, kind != 4 ? "block" : "limit") || (kind == 5 && !*a->owner))
			continue;
		k.kind = kind;
		SET(b, names[kind - 1]);
		SET(c, kind == 4 ? a->app : kind == 5 ? a->department : "");
		rc |= add(r, &k, 1, bytes, 0);
	}
	return rc;
}

void zl_st_roll_discard(struct zl_store *s)
{
	struct zl_st_roll *r = s->roll;

	if (r->n)
		memset(r->v, 0, r->cap * sizeof(*r->v));
	r->n = 0;
}

int zl_st_roll_flush(struct zl_store *s, char *why, size_t len)
{
	struct zl_st_roll *r = s->roll;
	int rc = SQLITE_DONE;
	size_t i;

	for (i = 0; i < r->cap && r->n && rc == SQLITE_DONE; i++) {
		const struct rent *e = &r->v[i];
		sqlite3_stmt *st = r->ins[e->k.table];
		if (!e->used)
			continue;
		sqlite3_bind_int64(st, 1, e->k.slot);
		sqlite3_bind_text(st, 2, e->k.a, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, e->k.b, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, e->k.kind);
		sqlite3_bind_int64(st, 5, e->x);
		sqlite3_bind_int64(st, 6, e->y);
		if (e->k.table < 2)
			sqlite3_bind_int64(st, 7, e->z);
		else if (e->k.table == 2)
			sqlite3_bind_text(st, 8, e->k.c, -1, SQLITE_STATIC);
		rc = zl_st_step_reset(st, why, len);
		sqlite3_clear_bindings(st);
	}
	zl_st_roll_discard(s);
	return rc;
}

int zl_store_rollup_rebuild(struct zl_store *s, char *err, size_t errlen)
{
	char why[256] = "";
	int rc;

	pthread_mutex_lock(&s->wlock);
	rc = zl_st_exec(s->wdb, "BEGIN IMMEDIATE", why, sizeof(why));
	if (rc == SQLITE_OK)
		rc = zl_st_exec(s->wdb, zl_st_rollup_fill, why, sizeof(why));
	if (rc == SQLITE_OK)
		rc = zl_st_exec(s->wdb, "COMMIT", why, sizeof(why));
	if (rc != SQLITE_OK && !sqlite3_get_autocommit(s->wdb))
		zl_st_exec(s->wdb, "ROLLBACK", NULL, 0);
	if (rc == SQLITE_OK && zl_st_roll_load_hosts(s, why, sizeof(why)) < 0)
		rc = SQLITE_ERROR;
	pthread_mutex_unlock(&s->wlock);
	if (rc != SQLITE_OK)
		snprintf(err, errlen, "%s: rollups: %s", s->path, why);
	return rc == SQLITE_OK ? 0 : -1;
}
