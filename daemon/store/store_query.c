/*
 * store_query.c - the queries, on the read-only connection (WAL lets them
 * run beside the writer): flows, aggregates, the audit trail, the access log.
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
#include "localday.h"
#include "store-int.h"

/* ---- queries, on the read connection ---- */

void zl_st_where_add(struct where *w, const char *cond)
{
	int n = snprintf(w->sql + w->len, sizeof(w->sql) - w->len, " %s %s",
			 w->len ? "AND" : "WHERE", cond);

	if (n > 0 && (size_t)n < sizeof(w->sql) - w->len)
		w->len += (size_t)n;
}

/* An application as printed ("TLS.YouTube") or its last part ("YouTube"). */
void zl_st_where_app(struct where *w, const char *app)
{
	zl_st_where_add(w, strchr(app, '.') ? "app = :app" :
		  "(app = :app OR (length(app) > length(:app) AND "
		  "substr(app, -length(:app) - 1) = '.' || :app))");
}

void zl_st_bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i)
		sqlite3_bind_int64(st, i, v);
}

void zl_st_bind_str(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i && v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

sqlite3 *zl_st_rget(struct zl_store *s)
{
	int i;

	pthread_mutex_lock(&s->rlock);
	while (s->rbusy == (1u << READERS) - 1)
		pthread_cond_wait(&s->rcond, &s->rlock);
	for (i = 0; s->rbusy & (1u << i); i++)
		;
	s->rbusy |= 1u << i;
	pthread_mutex_unlock(&s->rlock);
	return s->rdb[i];
}

void zl_st_rput(struct zl_store *s, sqlite3 *db)
{
	int i;

	pthread_mutex_lock(&s->rlock);
	for (i = 0; i < READERS; i++)
		if (s->rdb[i] == db)
			s->rbusy &= ~(1u << i);
	pthread_cond_signal(&s->rcond);
	pthread_mutex_unlock(&s->rlock);
}

/* Prepare on a read connection of zl_st_rget; NULL and err on failure. */
sqlite3_stmt *zl_st_rprepare(struct zl_store *s, sqlite3 *db, const char *sql, char *err,
			     size_t errlen)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}

/* Finish a result loop: rc is the last sqlite3_step's. */
json_t *zl_st_rdone(struct zl_store *s, sqlite3 *db, sqlite3_stmt *st, int rc, json_t *out,
		    char *err, size_t errlen)
{
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(db));
		json_decref(out);
		out = NULL;
	}
	sqlite3_finalize(st);
	return out;
}

/* Text from the database as a JSON string. Host names and such come from
 * packets; jansson refuses invalid UTF-8, so such bytes become '?'. */
json_t *zl_st_jtext(const unsigned char *t)
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

json_t *zl_st_jtime(int64_t us, int frac)
{
	char buf[48];

	zl_st_rfc3339(us, frac, buf, sizeof(buf));
	return json_string(buf);
}

json_t *zl_st_jrisks(const unsigned char *t)
{
	json_t *a = json_array();
	const char *p = (const char *)t, *e;
	char name[192];

	while (p && *p) {
		e = strchr(p, ',');
		snprintf(name, sizeof(name), "%.*s", (int)(e ? e - p : (ptrdiff_t)strlen(p)), p);
		if (*name)
			json_array_append_new(a, zl_st_jtext((const unsigned char *)name));
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
			v = zl_st_jtext(t);
			break;
		case C_TIME:
			v = zl_st_jtime(sqlite3_column_int64(st, i), 1);
			break;
		case C_RISKS:
			v = zl_st_jrisks(t);
			break;
		default:
			v = t && *t ? zl_st_jtext(t) : json_null();
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
		zl_st_where_add(w, "last_us >= :from");
	if (q->to_us)
		zl_st_where_add(w, "last_us < :to");
	if (q->host)
		zl_st_where_add(w, "(src_ip = :host OR dst_ip = :host)");
	if (q->app)
		zl_st_where_app(w, q->app);
	if (q->category)
		zl_st_where_add(w, "category = :category");
}

static void flow_bind(sqlite3_stmt *st, const struct zl_flow_query *q)
{
	zl_st_bind_int(st, ":from", q->from_us);
	zl_st_bind_int(st, ":to", q->to_us);
	zl_st_bind_str(st, ":host", q->host);
	zl_st_bind_str(st, ":app", q->app);
	zl_st_bind_str(st, ":category", q->category);
	zl_st_bind_int(st, ":limit", q->limit ? (q->limit < 10000 ? q->limit : 10000) : 100);
	zl_st_bind_int(st, ":offset", q->offset);
}

json_t *zl_store_flows(struct zl_store *s, const struct zl_flow_query *q, char *err, size_t errlen)
{
	unsigned limit = !q || !q->limit ? 100 : q->limit < 10000 ? q->limit : 10000, k = 0;
	sqlite3 *db;
	struct where w = { "", 0 };
	char sql[2048];
	size_t i, n;
	sqlite3_stmt *st;
	json_t *out = NULL, *flows;
	int rc;

	if (!s || !q) {
		snprintf(err, errlen, "no store or query");
		return NULL;
	}
	flow_where(&w, q);
	n = (size_t)snprintf(sql, sizeof(sql), "SELECT ");
	for (i = 0; i < ARRAY_SIZE(flow_json); i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s%s", i ? ", " : "",
				      flow_json[i].column);
	snprintf(sql + n, sizeof(sql) - n, " FROM flows%s ORDER BY last_us DESC, id DESC "
		 "LIMIT :limit OFFSET :offset", w.sql);
	db = zl_st_rget(s);
	if (!(st = zl_st_rprepare(s, db, sql, err, errlen))) {
		zl_st_rput(s, db);
		return NULL;
	}
	/* No count of the whole table (it reads every row that matches): one
	 * row more than asked says whether there is a next page. */
	flow_bind(st, q);
	zl_st_bind_int(st, ":limit", (int64_t)limit + 1);
	flows = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k++ < limit)
		json_array_append_new(flows, flow_row(st));
	if ((flows = zl_st_rdone(s, db, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, flows, err, errlen)))
		out = json_pack("{s:o, s:b}", "flows", flows, "more", rc == SQLITE_ROW);
	zl_st_rput(s, db);
	return out;
}

/* Seconds of the first bucket at or after from_us, and the end (exclusive). */
static int64_t from_bucket(int64_t from_us, int64_t align)
{
	return from_us ? zl_st_floor_div(zl_st_floor_div(from_us, US), align) * align : INT64_MIN;
}

static int64_t to_bucket(int64_t to_us)
{
	return to_us ? zl_st_floor_div(to_us + US - 1, US) : INT64_MAX;
}

json_t *zl_store_top(struct zl_store *s, const char *what, int64_t from_us, int64_t to_us,
		     unsigned limit, char *err, size_t errlen)
{
	sqlite3 *db;
	/* A department is the address book's, by the source address (agg5m's
	 * host); an address the book holds twice counts once. */
	static const char by_department[] = "coalesce(h.department, '') FROM agg5m "
		"LEFT JOIN (SELECT address, max(department) AS department FROM hosts "
		"WHERE address != '' GROUP BY address) h ON h.address = agg5m.host";
	const char *col = !what ? NULL : !strcmp(what, "hosts") ? "host FROM agg5m" :
		!strcmp(what, "apps") ? "app FROM agg5m" :
		!strcmp(what, "categories") ? "category FROM agg5m" :
		!strcmp(what, "departments") ? by_department : NULL;
	sqlite3_stmt *st;
	json_t *out;
	char sql[768];
	int rc;

	if (!s || !col) {
		snprintf(err, errlen, "what: expected hosts, apps, categories or departments");
		return NULL;
	}
	snprintf(sql, sizeof(sql), "SELECT sum(bytes_up + bytes_down) AS b, "
		 "sum(packets_up + packets_down), sum(flows), %s "
		 "WHERE bucket >= :from AND bucket < :to GROUP BY 4 ORDER BY b DESC, 4 "
		 "LIMIT :limit", col);
	db = zl_st_rget(s);
	if (!(st = zl_st_rprepare(s, db, sql, err, errlen))) {
		zl_st_rput(s, db);
		return NULL;
	}
	zl_st_bind_int(st, ":from", from_bucket(from_us, 300));
	zl_st_bind_int(st, ":to", to_bucket(to_us));
	zl_st_bind_int(st, ":limit", limit ? (limit < 10000 ? limit : 10000) : 10);
	out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_pack("{s:o, s:I, s:I, s:I}",
			"name", zl_st_jtext(sqlite3_column_text(st, 3)),
			"bytes", (json_int_t)sqlite3_column_int64(st, 0),
			"packets", (json_int_t)sqlite3_column_int64(st, 1),
			"flows", (json_int_t)sqlite3_column_int64(st, 2)));
	out = zl_st_rdone(s, db, st, rc, out, err, errlen);
	zl_st_rput(s, db);
	return out;
}

/* A point of a series being summed: its local bucket [start, end) in us
 * (localday.h) and the aggregates' rows in it. */
struct spoint {
	int64_t step_s, start, end;
	int64_t up, down, packets, flows, rows;
};

/* Start p on the bucket that holds 'us', at the previous end at the
 * latest: buckets never overlap, even across a DST change. */
static void spoint_at(struct spoint *p, int64_t us)
{
	int64_t prev_end = p->end;

	p->start = zl_localday_bucket(us, p->step_s, &p->end);
	if (p->start < prev_end)
		p->start = prev_end;
	p->up = p->down = p->packets = p->flows = p->rows = 0;
}

static void spoint_emit(const struct spoint *p, json_t *out)
{
	json_t *o = json_pack("{s:o, s:I, s:I, s:I, s:I}", "t", zl_st_jtime(p->start, 0),
			      "bytes_up", (json_int_t)p->up, "bytes_down", (json_int_t)p->down,
			      "packets", (json_int_t)p->packets, "flows", (json_int_t)p->flows);
	char day[16];

	if (p->step_s % 86400 == 0) {
		zl_localday_text(zl_localday_of(p->start), day, sizeof(day));
		json_object_set_new(o, "day", json_string(day));
	}
	json_array_append_new(out, o);
}

int zl_store_series_step_ok(unsigned step_s)
{
	return step_s && step_s % 300 == 0 && (step_s <= 86400 || step_s % 86400 == 0);
}

/* Steps with no traffic are filled with zeros (a chart needs them) when
 * the range has a start and is not absurdly long; an open end is now. */
#define SERIES_MAX_POINTS 100000

/*
 * The 5-minute rows summed per bucket in SQL and folded into the local
 * buckets here, in order: a local day is not a fixed number of seconds
 * after the epoch (it starts at 16:00 UTC in UTC+8 and lasts 23 or 25
 * hours on a DST change), so SQL cannot group by "bucket - bucket % step".
 */
json_t *zl_store_series(struct zl_store *s, int64_t from_us, int64_t to_us, unsigned step_s,
			const char *host, const char *app, char *err, size_t errlen)
{
	struct spoint p = { .step_s = step_s, .end = INT64_MIN };
	int64_t from = INT64_MIN, to = to_bucket(to_us), t;
	int64_t end = (to_us ? to : zl_st_floor_div(zl_st_now_us(), US) + 1) * US;
	int dense = 0, have = 0, rc;
	struct where w = { "", 0 };
	sqlite3_stmt *st;
	char sql[1024];
	json_t *out;
	sqlite3 *db;

	if (!s || !zl_store_series_step_ok(step_s)) {
		snprintf(err, errlen, "step: expected a multiple of 300 seconds up to a day, or "
			 "whole days (a multiple of 86400), got %u", step_s);
		return NULL;
	}
	if (from_us) {
		spoint_at(&p, from_us);
		have = 1;
		from = p.start / US;
		dense = end > p.start && (end - p.start) / US / step_s <= SERIES_MAX_POINTS;
	}
	zl_st_where_add(&w, "bucket >= :from AND bucket < :to");
	if (host)
		zl_st_where_add(&w, "host = :host");
	if (app)
		zl_st_where_app(&w, app);
	snprintf(sql, sizeof(sql), "SELECT bucket, sum(bytes_up), sum(bytes_down), "
		 "sum(packets_up + packets_down), sum(flows) FROM agg5m%s "
		 "GROUP BY bucket ORDER BY bucket", w.sql);
	db = zl_st_rget(s);
	if (!(st = zl_st_rprepare(s, db, sql, err, errlen))) {
		zl_st_rput(s, db);
		return NULL;
	}
	zl_st_bind_int(st, ":from", from);
	zl_st_bind_int(st, ":to", to);
	zl_st_bind_str(st, ":host", host);
	zl_st_bind_str(st, ":app", app);
	out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = sqlite3_column_int64(st, 0) * US;
		if (have && t >= p.end) {
			if (dense || p.rows)
				spoint_emit(&p, out);
			for (spoint_at(&p, p.end); dense && t >= p.end; spoint_at(&p, p.end))
				spoint_emit(&p, out);
		}
		if (!have || t >= p.end)
			spoint_at(&p, t);
		have = 1;
		p.up += sqlite3_column_int64(st, 1);
		p.down += sqlite3_column_int64(st, 2);
		p.packets += sqlite3_column_int64(st, 3);
		p.flows += sqlite3_column_int64(st, 4);
		p.rows++;
	}
	if (rc == SQLITE_DONE && have && (dense || p.rows)) {
		spoint_emit(&p, out);
		for (spoint_at(&p, p.end); dense && p.start < end; spoint_at(&p, p.end))
			spoint_emit(&p, out);
	}
	out = zl_st_rdone(s, db, st, rc, out, err, errlen);
	zl_st_rput(s, db);
	return out;
}

json_t *zl_store_audit_list(struct zl_store *s, int64_t from_us, int64_t to_us,
			    unsigned limit, char *err, size_t errlen)
{
	sqlite3 *db;
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
		zl_st_where_add(&w, "ts >= :from");
	if (to_us)
		zl_st_where_add(&w, "ts < :to");
	snprintf(sql, sizeof(sql), "SELECT id, ts, who, action, detail FROM audit%s "
		 "ORDER BY ts DESC, id DESC LIMIT :limit", w.sql);
	db = zl_st_rget(s);
	if (!(st = zl_st_rprepare(s, db, sql, err, errlen))) {
		zl_st_rput(s, db);
		return NULL;
	}
	zl_st_bind_int(st, ":from", from_us);
	zl_st_bind_int(st, ":to", to_us);
	zl_st_bind_int(st, ":limit", limit ? (limit < 10000 ? limit : 10000) : 100);
	out = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_pack("{s:I, s:o, s:o, s:o, s:o}",
			"id", (json_int_t)sqlite3_column_int64(st, 0),
			"ts", zl_st_jtime(sqlite3_column_int64(st, 1), 1),
			"who", zl_st_jtext(sqlite3_column_text(st, 2)),
			"action", zl_st_jtext(sqlite3_column_text(st, 3)),
			"detail", zl_st_jtext(sqlite3_column_text(st, 4))));
	out = zl_st_rdone(s, db, st, rc, out, err, errlen);
	zl_st_rput(s, db);
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
			v = zl_st_jtime(sqlite3_column_int64(st, i), 1);
		else
			v = zl_st_jtext(sqlite3_column_text(st, i));
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
		zl_st_bind_str(st, ":dot_domain", dot);
		zl_st_bind_str(st, ":domain_tail", domain_tail(domain));
	}
	zl_st_bind_int(st, ":from", q->from_us);
	zl_st_bind_int(st, ":to", q->to_us);
	zl_st_bind_str(st, ":department", q->department);
	zl_st_bind_str(st, ":owner", q->owner);
	zl_st_bind_str(st, ":host", q->host);
	zl_st_bind_str(st, ":app", q->app);
	zl_st_bind_str(st, ":app_name", app_name);
	zl_st_bind_str(st, ":domain", domain);
	zl_st_bind_str(st, ":action", q->action);
	zl_st_bind_int(st, ":before", q->before_id);
	zl_st_bind_int(st, ":bts", bts);
	zl_st_bind_int(st, ":limit", limit);
}

static int past_deadline(void *arg)
{
	return zl_st_mono_ms() > *(const int64_t *)arg;
}

/* The ts of row 'id' into *ts: 1, 0 when there is none, -1 on error. */
static int access_ts(struct zl_store *s, sqlite3 *db, int64_t id, int64_t *ts, char *err, size_t errlen)
{
	sqlite3_stmt *st = zl_st_rprepare(s, db, "SELECT ts FROM access_log WHERE id = :id", err, errlen);
	int rc;

	if (!st)
		return -1;
	zl_st_bind_int(st, ":id", id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ts = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(db));
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
	sqlite3 *db;
	unsigned limit = !q || !q->limit ? 100 : q->limit < 10000 ? q->limit : 10000;
	int64_t bts = 0, deadline = zl_st_mono_ms() + ACCESS_QUERY_MS, last = 0;
	json_t *rows, *out = NULL;
	char sql[6144], dot[512];
	sqlite3_stmt *st;
	unsigned n = 0;
	int after = 0, rc;

	if (!s || !q) {
		snprintf(err, errlen, "no store or query");
		return NULL;
	}
	db = zl_st_rget(s);
	/* One read transaction: the row before_id names and the page agree. */
	zl_st_exec(db, "BEGIN", NULL, 0);
	if (q->before_id > 0 && (after = access_ts(s, db, q->before_id, &bts, err, errlen)) < 0)
		goto done;
	if (access_sql(sql, sizeof(sql), q, after) < 0) {
		snprintf(err, errlen, "access log: search too long");
		goto done;
	}
	if (!(st = zl_st_rprepare(s, db, sql, err, errlen)))
		goto done;
	/* one row more than asked says whether there is a next page */
	access_bind(st, q, bts, limit + 1, dot, sizeof(dot));
	sqlite3_progress_handler(db, 10000, past_deadline, &deadline);
	rows = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < limit) {
		json_array_append_new(rows, access_row(st));
		last = sqlite3_column_int64(st, 0);
		n++;
	}
	sqlite3_progress_handler(db, 0, NULL, NULL);
	if (rc == SQLITE_INTERRUPT) {
		snprintf(err, errlen, "the search read for over %d s and was stopped: narrow it "
			 "(a time range, a host, an owner, a department)", ACCESS_QUERY_MS / 1000);
		json_decref(rows);
		sqlite3_finalize(st);
		goto done;
	}
	if ((rows = zl_st_rdone(s, db, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, rows, err, errlen)))
		out = json_pack("{s:o, s:o}", "rows", rows,
				"next_before_id", rc == SQLITE_ROW ? json_integer(last) : json_null());
done:
	zl_st_exec(db, "COMMIT", NULL, 0);
	zl_st_rput(s, db);
	return out;
}
