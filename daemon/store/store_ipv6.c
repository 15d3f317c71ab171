/*
 * store_ipv6.c - the IPv6 measurement's per-day counters, snapshots and
 * reads (store_ipv6.h). The writer's side (fold, flush, the daily
 * maintenance) runs on the writer thread under wlock; the reads use the
 * pool of read connections.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "addrbook.h"
#include "localday.h"
#include "log.h"
#include "store-int.h"
#include "store_ipv6.h"

#define ACC_SLOTS 16384          /* a batch's keys: at most 3 per flow */
#define ACC_FULL (ACC_SLOTS * 3 / 4)
#define MAX_PREFIXES 256
#define SNAPSHOT_BACK 7          /* days looked back for a missing snapshot */

const char zl_st_ipv6_schema[] =
	/*
	 * 6: the IPv6 migration's figures (store_ipv6.c). Per day and address:
	 * bytes and flows as a client, served as an internal server, the MAC
	 * the neighbour table showed, whether the address is in the county's
	 * client prefixes. Per day and service name: application, bytes and
	 * flows per family, internal, and the DNS answers' bits (1 A, 2 AAAA,
	 * 4 an AAAA question answered without one). ipv6_daily: the day's
	 * snapshot, scope 0 the county (department ''), 1 a department.
	 * The address book is joined by address and by MAC: without these
	 * indexes a day of 2,000 hosts against a book of 2,000 took 1.3 s.
	 */
	"CREATE INDEX hosts_address ON hosts(address);"
	"CREATE INDEX hosts_mac ON hosts(mac);"
	"CREATE TABLE ipv6_addr_day ("
	" day INTEGER NOT NULL, addr TEXT NOT NULL, family INTEGER NOT NULL,"
	" mac TEXT NOT NULL DEFAULT '', local INTEGER NOT NULL DEFAULT 0,"
	" bytes INTEGER NOT NULL DEFAULT 0, flows INTEGER NOT NULL DEFAULT 0,"
	" srv_bytes INTEGER NOT NULL DEFAULT 0, srv_flows INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (day, addr)) WITHOUT ROWID;"
	"CREATE TABLE ipv6_svc_day ("
	" day INTEGER NOT NULL, name TEXT NOT NULL, app TEXT NOT NULL DEFAULT '',"
	" internal INTEGER NOT NULL DEFAULT 0, rr INTEGER NOT NULL DEFAULT 0,"
	" v4_bytes INTEGER NOT NULL DEFAULT 0, v6_bytes INTEGER NOT NULL DEFAULT 0,"
	" v4_flows INTEGER NOT NULL DEFAULT 0, v6_flows INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (day, name)) WITHOUT ROWID;"
	"CREATE TABLE ipv6_daily ("
	" day INTEGER NOT NULL, scope INTEGER NOT NULL, department TEXT NOT NULL,"
	" dual_active INTEGER NOT NULL, ipv6_idle INTEGER NOT NULL,"
	" ipv4_only INTEGER NOT NULL, ipv6_only INTEGER NOT NULL,"
	" v4_bytes INTEGER NOT NULL, v6_bytes INTEGER NOT NULL,"
	" v4_flows INTEGER NOT NULL, v6_flows INTEGER NOT NULL,"
	" aaaa_over_ipv4 INTEGER NOT NULL DEFAULT 0, no_aaaa INTEGER NOT NULL DEFAULT 0,"
	" internal_servers INTEGER NOT NULL DEFAULT 0, internal_ipv6 INTEGER NOT NULL DEFAULT 0,"
	" taken INTEGER NOT NULL,"
	" PRIMARY KEY (day, scope, department)) WITHOUT ROWID;";

struct prefix {
	int family;
	uint8_t a[16];
	unsigned len;
};

enum { ACC_ADDR = 1, ACC_SVC = 2 };

struct acc {
	uint8_t kind, family, local, internal, rr;
	int64_t day;
	char key[128];
	char app[48];
	uint64_t bytes, flows, srv_bytes, srv_flows;   /* addresses */
	uint64_t b[2], f[2];                           /* services: [0] v4, [1] v6 */
};

struct zl_st_v6 {
	pthread_mutex_t plock;        /* the prefixes (set by other threads) */
	struct prefix clients[MAX_PREFIXES], internal[MAX_PREFIXES];
	size_t n_clients, n_internal;
	struct acc *slot;             /* ACC_SLOTS */
	uint32_t *used;               /* slots in use, for flush and clear */
	size_t n_used;
	sqlite3_stmt *up_addr, *up_svc, *up_neigh;
	int64_t last_maint_day;
	int64_t day, day_from, day_to;   /* the last flow's local date and its bounds */
};

int zl_st_v6_new(struct zl_store *s)
{
	struct zl_st_v6 *v = calloc(1, sizeof(*v));

	if (!v || !(v->slot = calloc(ACC_SLOTS, sizeof(*v->slot))) ||
	    !(v->used = calloc(ACC_SLOTS, sizeof(*v->used)))) {
		if (v)
			free(v->slot);
		free(v);
		return -ENOMEM;
	}
	pthread_mutex_init(&v->plock, NULL);
	s->v6 = v;
	return 0;
}

void zl_st_v6_finalize(struct zl_store *s)
{
	if (!s->v6)
		return;
	sqlite3_finalize(s->v6->up_addr);
	sqlite3_finalize(s->v6->up_svc);
	sqlite3_finalize(s->v6->up_neigh);
	s->v6->up_addr = s->v6->up_svc = s->v6->up_neigh = NULL;
}

void zl_st_v6_free(struct zl_store *s)
{
	if (!s->v6)
		return;
	zl_st_v6_finalize(s);
	pthread_mutex_destroy(&s->v6->plock);
	free(s->v6->slot);
	free(s->v6->used);
	free(s->v6);
	s->v6 = NULL;
}

/* ---- prefixes ---------------------------------------------------------- */

static int parse_prefixes(const char *key, const char *text, struct prefix *out, size_t *n,
			  char *err, size_t errlen)
{
	char buf[4096], *tok, *save = NULL, *slash, *end;
	struct prefix p;
	unsigned long l;

	*n = 0;
	if (!text || !*text)
		return 0;
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "%s: too long", key);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		memset(&p, 0, sizeof(p));
		slash = strchr(tok, '/');
		if (slash)
			*slash = 0;
		if (inet_pton(AF_INET, tok, p.a) == 1)
			p.family = 4;
		else if (inet_pton(AF_INET6, tok, p.a) == 1)
			p.family = 6;
		else {
			snprintf(err, errlen, "%s: \"%s\" is not an IPv4 or IPv6 address", key, tok);
			return -1;
		}
		p.len = p.family == 4 ? 32 : 128;
		if (slash) {
			errno = 0;
			l = strtoul(slash + 1, &end, 10);
			if (errno || *end || end == slash + 1 || l > p.len) {
				snprintf(err, errlen, "%s: bad prefix length \"/%s\" for %s", key,
					 slash + 1, tok);
				return -1;
			}
			p.len = (unsigned)l;
		}
		if (*n == MAX_PREFIXES) {
			snprintf(err, errlen, "%s: more than %d prefixes", key, MAX_PREFIXES);
			return -1;
		}
		out[(*n)++] = p;
	}
	return 0;
}

int zl_store_ipv6_prefixes(struct zl_store *s, const char *clients, const char *internal,
			   char *err, size_t errlen)
{
	struct prefix c[MAX_PREFIXES], i[MAX_PREFIXES];
	size_t nc, ni;

	if (parse_prefixes("ipv6_clients", clients, c, &nc, err, errlen) < 0 ||
	    parse_prefixes("ipv6_internal", internal, i, &ni, err, errlen) < 0)
		return -1;
	pthread_mutex_lock(&s->v6->plock);
	memcpy(s->v6->clients, c, nc * sizeof(*c));
	memcpy(s->v6->internal, i, ni * sizeof(*i));
	s->v6->n_clients = nc;
	s->v6->n_internal = ni;
	pthread_mutex_unlock(&s->v6->plock);
	return 0;
}

static int in_prefixes(const struct prefix *v, size_t n, int family, const uint8_t *a)
{
	size_t i;
	unsigned full, rest;

	for (i = 0; i < n; i++) {
		if (v[i].family != family)
			continue;
		full = v[i].len / 8;
		rest = v[i].len % 8;
		if (memcmp(v[i].a, a, full))
			continue;
		if (rest && ((v[i].a[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))))
			continue;
		return 1;
	}
	return 0;
}

/* ---- the writer's fold --------------------------------------------------- */

static uint32_t hash_key(uint8_t kind, int64_t day, const char *k)
{
	uint32_t h = 2166136261u ^ kind ^ (uint32_t)day * 2654435761u;

	for (; *k; k++)
		h = (h ^ (uint8_t)*k) * 16777619u;
	return h;
}

static struct acc *acc_get(struct zl_st_v6 *v, uint8_t kind, int64_t day, const char *key)
{
	uint32_t i = hash_key(kind, day, key) & (ACC_SLOTS - 1);
	struct acc *a;

	for (;; i = (i + 1) & (ACC_SLOTS - 1)) {
		a = &v->slot[i];
		if (!a->kind)
			break;
		if (a->kind == kind && a->day == day && !strcmp(a->key, key))
			return a;
	}
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->day = day;
	snprintf(a->key, sizeof(a->key), "%s", key);
	v->used[v->n_used++] = i;
	return a;
}

/* Traffic that says nothing about a host's use of IPv6: neighbour
 * discovery, multicast and broadcast, link-local chatter. */
static int link_local(int family, const uint8_t *a)
{
	if (family == 6)
		return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff;
	return a[0] >= 224 || (a[0] == 169 && a[1] == 254);
}

static int is_dns(const char *app)
{
	return !strcmp(app, "DNS") || !strncmp(app, "DNS.", 4);
}

/* Fold one ended flow into the batch's counters. Returns 1 when the table
 * is three quarters full (flush it now). */
int zl_st_v6_add(struct zl_store *s, const struct zl_flow_record *r)
{
	struct zl_st_v6 *v = s->v6;
	int fam = r->ip_version == 6 ? 6 : 4, af = fam == 6 ? AF_INET6 : AF_INET, internal;
	uint8_t src[16] = { 0 }, dst[16] = { 0 };
	uint64_t bytes = r->src2dst_bytes + r->dst2src_bytes;
	char name[sizeof(r->host)];
	int64_t day;
	struct acc *a;
	size_t i;

	if (!strcmp(r->proto, "ICMP") || !strcmp(r->proto, "ICMPV6") ||
	    inet_pton(af, r->src_ip, src) != 1 || inet_pton(af, r->dst_ip, dst) != 1 ||
	    link_local(fam, src) || link_local(fam, dst))
		return v->n_used >= ACC_FULL;
	/* the local date: localtime_r per flow costs ~0.5 us, a day's bounds
	 * kept make it two compares (flows end in order, roughly) */
	if (r->last_us < v->day_from || r->last_us >= v->day_to) {
		v->day = zl_localday_of(r->last_us);
		v->day_from = zl_localday_start_us(v->day);
		v->day_to = zl_localday_end_us(v->day);
	}
	day = v->day;
	pthread_mutex_lock(&v->plock);
	internal = in_prefixes(v->internal, v->n_internal, fam, dst);
	a = acc_get(v, ACC_ADDR, day, r->src_ip);
	a->family = (uint8_t)fam;
	a->local |= in_prefixes(v->clients, v->n_clients, fam, src);
	pthread_mutex_unlock(&v->plock);
	a->bytes += bytes;
	a->flows++;
	if (internal) {
		a = acc_get(v, ACC_ADDR, day, r->dst_ip);
		a->family = (uint8_t)fam;
		a->srv_bytes += bytes;
		a->srv_flows++;
	}
	if (!r->host[0] || (is_dns(r->app) && !r->dns_rr))
		return v->n_used >= ACC_FULL;
	for (i = 0; i < sizeof(name) - 1 && r->host[i]; i++)
		name[i] = (char)(r->host[i] >= 'A' && r->host[i] <= 'Z' ? r->host[i] + 32 : r->host[i]);
	name[i] = 0;
	a = acc_get(v, ACC_SVC, day, name);
	if (is_dns(r->app)) {
		a->rr |= r->dns_rr;
	} else {
		snprintf(a->app, sizeof(a->app), "%s", r->app);
		a->internal |= (uint8_t)internal;
		a->b[fam == 6] += bytes;
		a->f[fam == 6]++;
	}
	return v->n_used >= ACC_FULL;
}

void zl_st_v6_discard(struct zl_store *s)
{
	struct zl_st_v6 *v = s->v6;
	size_t i;

	for (i = 0; i < v->n_used; i++)
		v->slot[v->used[i]].kind = 0;
	v->n_used = 0;
}

static int prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, char *why, size_t len)
{
	if (*st)
		return 0;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK)
		return 0;
	snprintf(why, len, "%s", sqlite3_errmsg(db));
	return -1;
}

static int prepare_all(struct zl_store *s, char *why, size_t len)
{
	struct zl_st_v6 *v = s->v6;

	return prepare(s->wdb, &v->up_addr,
		"INSERT INTO ipv6_addr_day (day, addr, family, local, bytes, flows, srv_bytes, "
		"srv_flows) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, addr) DO UPDATE SET "
		"local = max(local, excluded.local), bytes = bytes + excluded.bytes, "
		"flows = flows + excluded.flows, srv_bytes = srv_bytes + excluded.srv_bytes, "
		"srv_flows = srv_flows + excluded.srv_flows", why, len) ||
	       prepare(s->wdb, &v->up_svc,
		"INSERT INTO ipv6_svc_day (day, name, app, internal, rr, v4_bytes, v6_bytes, "
		"v4_flows, v6_flows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, name) "
		"DO UPDATE SET app = CASE WHEN excluded.app != '' THEN excluded.app ELSE app END, "
		"internal = max(internal, excluded.internal), rr = rr | excluded.rr, "
		"v4_bytes = v4_bytes + excluded.v4_bytes, v6_bytes = v6_bytes + excluded.v6_bytes, "
		"v4_flows = v4_flows + excluded.v4_flows, v6_flows = v6_flows + excluded.v6_flows",
		why, len) ||
	       prepare(s->wdb, &v->up_neigh,
		"INSERT INTO ipv6_addr_day (day, addr, family, mac) VALUES (?, ?, ?, ?) "
		"ON CONFLICT (day, addr) DO UPDATE SET mac = excluded.mac", why, len) ? -1 : 0;
}

/* Write the batch's counters (wlock held, inside the batch's transaction)
 * and clear them. SQLITE_DONE or the failing step's code. */
int zl_st_v6_flush(struct zl_store *s, char *why, size_t len)
{
	struct zl_st_v6 *v = s->v6;
	int rc = SQLITE_DONE;
	size_t i;

	if (!v->n_used)
		return SQLITE_DONE;
	if (prepare_all(s, why, len) < 0) {
		zl_st_v6_discard(s);
		return SQLITE_ERROR;
	}
	for (i = 0; i < v->n_used && rc == SQLITE_DONE; i++) {
		const struct acc *a = &v->slot[v->used[i]];
		sqlite3_stmt *st = a->kind == ACC_ADDR ? v->up_addr : v->up_svc;

		sqlite3_bind_int64(st, 1, a->day);
		sqlite3_bind_text(st, 2, a->key, -1, SQLITE_STATIC);
		if (a->kind == ACC_ADDR) {
			sqlite3_bind_int(st, 3, a->family);
			sqlite3_bind_int(st, 4, a->local);
			sqlite3_bind_int64(st, 5, zl_st_i64(a->bytes));
			sqlite3_bind_int64(st, 6, zl_st_i64(a->flows));
			sqlite3_bind_int64(st, 7, zl_st_i64(a->srv_bytes));
			sqlite3_bind_int64(st, 8, zl_st_i64(a->srv_flows));
		} else {
			sqlite3_bind_text(st, 3, a->app, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 4, a->internal);
			sqlite3_bind_int(st, 5, a->rr);
			sqlite3_bind_int64(st, 6, zl_st_i64(a->b[0]));
			sqlite3_bind_int64(st, 7, zl_st_i64(a->b[1]));
			sqlite3_bind_int64(st, 8, zl_st_i64(a->f[0]));
			sqlite3_bind_int64(st, 9, zl_st_i64(a->f[1]));
		}
		rc = zl_st_step_reset(st, why, len);
		sqlite3_clear_bindings(st);
	}
	zl_st_v6_discard(s);
	return rc;
}

int zl_store_ipv6_neigh(struct zl_store *s, const struct zl_addrbook_neigh *nv, size_t n,
			int64_t now_us)
{
	struct zl_st_v6 *v = s->v6;
	char why[256] = "", addr[INET6_ADDRSTRLEN], mac[18];
	int64_t day = zl_localday_of(now_us);
	int rc, written = 0;
	size_t i;

	pthread_mutex_lock(&s->wlock);
	rc = prepare_all(s, why, sizeof(why)) < 0 ? SQLITE_ERROR :
	     zl_st_step_reset(s->begin, why, sizeof(why));
	for (i = 0; i < n && rc == SQLITE_DONE; i++) {
		int fam = nv[i].addr.family == AF_INET6 ? 6 : 4;
		const uint8_t *h = nv[i].hwaddr;

		if (link_local(fam, nv[i].addr.ip) ||
		    !inet_ntop(nv[i].addr.family, nv[i].addr.ip, addr, sizeof(addr)))
			continue;
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 h[0], h[1], h[2], h[3], h[4], h[5]);
		sqlite3_bind_int64(v->up_neigh, 1, day);
		sqlite3_bind_text(v->up_neigh, 2, addr, -1, SQLITE_STATIC);
		sqlite3_bind_int(v->up_neigh, 3, fam);
		sqlite3_bind_text(v->up_neigh, 4, mac, -1, SQLITE_STATIC);
		rc = zl_st_step_reset(v->up_neigh, why, sizeof(why));
		written++;
	}
	if (rc == SQLITE_DONE)
		rc = zl_st_step_reset(s->commit, why, sizeof(why));
	if (rc != SQLITE_DONE && !sqlite3_get_autocommit(s->wdb))
		zl_st_step_reset(s->rollback, NULL, 0);
	if (v->up_neigh)
		sqlite3_clear_bindings(v->up_neigh);
	pthread_mutex_unlock(&s->wlock);
	if (rc != SQLITE_DONE) {
		zl_log_warnx("store: %s: IPv6 neighbour rows: %s", s->path, why);
		return -1;
	}
	return written;
}

/*
 * The writer's daily work, tried once a minute and done once a day: the
 * days of the last week that have counters and no snapshot taken after
 * their end get one (the day before, normally; more after the daemon was
 * stopped over midnight; a day snapshotted on demand is taken again),
 * and counters and snapshots older than ZL_IPV6_KEEP_DAYS go.
 */
void zl_st_v6_maintain(struct zl_store *s)
{
	int64_t today = zl_localday_of(zl_st_now_us()), day, n;
	char sql[300], err[256];

	if (s->v6->last_maint_day == today)
		return;
	for (day = today - SNAPSHOT_BACK; day < today; day++) {
		/* none yet, or one taken on demand before the day ended */
		snprintf(sql, sizeof(sql), "SELECT coalesce((SELECT max(taken) FROM ipv6_daily "
			 "WHERE day = %lld), 0) < %lld AND EXISTS (SELECT 1 FROM ipv6_addr_day "
			 "WHERE day = %lld)", (long long)day, (long long)zl_localday_end_us(day),
			 (long long)day);
		pthread_mutex_lock(&s->wlock);
		if (zl_st_query_int(s->wdb, sql, &n, NULL, 0) == SQLITE_OK && n &&
		    zl_st_v6_snapshot_locked(s, day, err, sizeof(err)) < 0)
			zl_log_warnx("store: %s", err);
		pthread_mutex_unlock(&s->wlock);
	}
	snprintf(sql, sizeof(sql), "DELETE FROM ipv6_addr_day WHERE day < %lld;"
		 "DELETE FROM ipv6_svc_day WHERE day < %lld; DELETE FROM ipv6_daily WHERE day < %lld",
		 (long long)(today - ZL_IPV6_KEEP_DAYS), (long long)(today - ZL_IPV6_KEEP_DAYS),
		 (long long)(today - ZL_IPV6_KEEP_DAYS));
	pthread_mutex_lock(&s->wlock);
	if (zl_st_exec(s->wdb, sql, err, sizeof(err)) != SQLITE_OK)
		zl_log_warnx("store: %s: IPv6 purge: %s", s->path, err);
	pthread_mutex_unlock(&s->wlock);
	s->v6->last_maint_day = today;
}
