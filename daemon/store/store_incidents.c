/*
 * store_incidents.c - the incidents and incident_notes tables
 * (store_incidents.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "incident.h"
#include "localday.h"
#include "log.h"
#include "store-int.h"
#include "store_incidents.h"

#define INC_COLUMNS "id, kind, severity, first_ts, last_ts, count, src_ip, dst_ip, src_port, " \
	"dst_port, vlan, src_host, src_person, src_department, dst_host, dst_person, " \
	"dst_department, src_mac, proto, app, risks, targets, evidence, summary, summary_zh, " \
	"state, assignee"

static void col(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	zl_text_copy(out, len, t ? (const char *)t : "");
}

static void read_row(sqlite3_stmt *st, struct zl_incident_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	col(st, 1, r->type, sizeof(r->type));
	r->severity = sqlite3_column_int(st, 2);
	r->first_us = sqlite3_column_int64(st, 3);
	r->last_us = sqlite3_column_int64(st, 4);
	r->count = sqlite3_column_int64(st, 5);
	col(st, 6, r->src_ip, sizeof(r->src_ip));
	col(st, 7, r->dst_ip, sizeof(r->dst_ip));
	r->src_port = sqlite3_column_int(st, 8);
	r->dst_port = sqlite3_column_int(st, 9);
	r->vlan = sqlite3_column_int(st, 10);
	col(st, 11, r->src_host, sizeof(r->src_host));
	col(st, 12, r->src_person, sizeof(r->src_person));
	col(st, 13, r->src_department, sizeof(r->src_department));
	col(st, 14, r->dst_host, sizeof(r->dst_host));
	col(st, 15, r->dst_person, sizeof(r->dst_person));
	col(st, 16, r->dst_department, sizeof(r->dst_department));
	col(st, 17, r->src_mac, sizeof(r->src_mac));
	col(st, 18, r->proto, sizeof(r->proto));
	col(st, 19, r->app, sizeof(r->app));
	col(st, 20, r->risks, sizeof(r->risks));
	r->targets = sqlite3_column_int64(st, 21);
	col(st, 22, r->evidence, sizeof(r->evidence));
	col(st, 23, r->sentence_en, sizeof(r->sentence_en));
	col(st, 24, r->sentence_zh, sizeof(r->sentence_zh));
	col(st, 25, r->status, sizeof(r->status));
	col(st, 26, r->assignee, sizeof(r->assignee));
}

static json_t *text_or_null(const char *t)
{
	return *t ? zl_st_jtext((const unsigned char *)t) : json_null();
}

static json_t *who_json(const char *host, const char *person, const char *dept)
{
	return json_pack("{s:o, s:o, s:o}", "host", text_or_null(host),
			 "person", text_or_null(person), "department", text_or_null(dept));
}

json_t *zl_incident_row_json(const struct zl_incident_row *r)
{
	json_t *o, *ev = json_loads(r->evidence, 0, NULL);

	o = json_pack("{s:I, s:o, s:s, s:s, s:s, s:o, s:o, s:I, s:s, s:o, s:o, s:o, s:o,"
		      " s:i, s:s, s:o, s:o, s:o, s:I, s:o, s:{s:o, s:o}, s:s, s:o}",
		      "id", (json_int_t)r->id, "timestamp", zl_st_jtime(r->first_us, 0),
		      "event_type", "alert", "type", r->type,
		      "severity", zl_inc_severity_name(r->severity),
		      "first", zl_st_jtime(r->first_us, 0), "last", zl_st_jtime(r->last_us, 0),
		      "count", (json_int_t)r->count, "src_ip", r->src_ip,
		      "src_port", r->src_port ? json_integer(r->src_port) : json_null(),
		      "dest_ip", text_or_null(r->dst_ip),
		      "dest_port", r->dst_port ? json_integer(r->dst_port) : json_null(),
		      "src", who_json(r->src_host, r->src_person, r->src_department),
		      "vlan", r->vlan, "proto", r->proto,
		      "app_proto", text_or_null(r->app),
		      "risks", zl_st_jrisks((const unsigned char *)r->risks),
		      "dest", who_json(r->dst_host, r->dst_person, r->dst_department),
		      "targets", (json_int_t)r->targets,
		      "evidence", ev ? ev : json_array(),
		      "message", "en", zl_st_jtext((const unsigned char *)r->sentence_en),
		      "zh", zl_st_jtext((const unsigned char *)r->sentence_zh),
		      "status", r->status[0] ? r->status : "new",
		      "assignee", text_or_null(r->assignee));
	if (o && r->src_mac[0])
		json_object_set_new(o, "src_mac", json_string(r->src_mac));
	return o;
}

static int wexec(struct zl_store *s, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v2(s->wdb, sql, -1, st, NULL) != SQLITE_OK) {
		zl_log_warnx("store: %s: incidents: %s", s->path, sqlite3_errmsg(s->wdb));
		return -EIO;
	}
	return 0;
}

static void bind_row(sqlite3_stmt *st, const struct zl_incident_row *r)
{
	zl_st_bind_int(st, ":id", r->id);
	zl_st_bind_str(st, ":kind", r->type);
	zl_st_bind_int(st, ":severity", r->severity);
	zl_st_bind_int(st, ":first", r->first_us);
	zl_st_bind_int(st, ":last", r->last_us);
	zl_st_bind_int(st, ":count", r->count);
	zl_st_bind_str(st, ":src_ip", r->src_ip);
	zl_st_bind_str(st, ":dst_ip", r->dst_ip);
	zl_st_bind_int(st, ":src_port", r->src_port);
	zl_st_bind_int(st, ":dst_port", r->dst_port);
	zl_st_bind_int(st, ":vlan", r->vlan);
	zl_st_bind_str(st, ":src_host", r->src_host);
	zl_st_bind_str(st, ":src_person", r->src_person);
	zl_st_bind_str(st, ":src_department", r->src_department);
	zl_st_bind_str(st, ":dst_host", r->dst_host);
	zl_st_bind_str(st, ":dst_person", r->dst_person);
	zl_st_bind_str(st, ":dst_department", r->dst_department);
	zl_st_bind_str(st, ":src_mac", r->src_mac);
	zl_st_bind_str(st, ":proto", r->proto);
	zl_st_bind_str(st, ":app", r->app);
	zl_st_bind_str(st, ":risks", r->risks);
	zl_st_bind_int(st, ":targets", r->targets);
	zl_st_bind_str(st, ":evidence", r->evidence);
	zl_st_bind_str(st, ":summary", r->sentence_en);
	zl_st_bind_str(st, ":summary_zh", r->sentence_zh);
	zl_st_bind_int(st, ":now", zl_st_now_us());
}

int zl_store_incident_put(struct zl_store *s, struct zl_incident_row *r)
{
	static const char ins[] =
		"INSERT INTO incidents (kind, severity, first_ts, last_ts, count, src_ip, dst_ip,"
		" src_port, dst_port, vlan, src_host, src_person, src_department, dst_host,"
		" dst_person, dst_department, src_mac, proto, app, risks, targets, evidence,"
		" summary, summary_zh, state, updated_ts) VALUES (:kind, :severity, :first, :last,"
		" :count, :src_ip, :dst_ip, :src_port, :dst_port, :vlan, :src_host, :src_person,"
		" :src_department, :dst_host, :dst_person, :dst_department, :src_mac, :proto, :app,"
		" :risks, :targets, :evidence, :summary, :summary_zh, 'new', :now)";
	static const char upd[] =
		"UPDATE incidents SET severity = :severity, first_ts = :first, last_ts = :last,"
		" count = :count, src_port = :src_port, dst_port = :dst_port, app = :app,"
		" targets = :targets, evidence = :evidence, summary = :summary,"
		" summary_zh = :summary_zh, updated_ts = :now WHERE id = :id";
	sqlite3_stmt *st;
	char why[256] = "";
	int rc;

	pthread_mutex_lock(&s->wlock);
	if (wexec(s, &st, r->id ? upd : ins) < 0) {
		pthread_mutex_unlock(&s->wlock);
		return -EIO;
	}
	bind_row(st, r);
	rc = zl_st_step_reset(st, why, sizeof(why));
	if (rc == SQLITE_DONE && !r->id) {
		r->id = sqlite3_last_insert_rowid(s->wdb);
		snprintf(r->status, sizeof(r->status), "new");
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wlock);
	if (rc != SQLITE_DONE) {
		zl_log_warnx("store: %s: incident not written: %s", s->path, why);
		return zl_st_sql_errno(rc);
	}
	return 0;
}

json_t *zl_store_incidents(struct zl_store *s, const struct zl_incident_query *q,
			   char *err, size_t errlen)
{
	unsigned limit = !q->limit ? 100 : q->limit < 1000 ? q->limit : 1000, k = 0;
	struct where w = { "", 0 };
	struct zl_incident_row r;
	char sql[1400];
	sqlite3_stmt *st;
	json_t *list, *out = NULL;
	sqlite3 *db;
	int rc;

	if (q->status)
		zl_st_where_add(&w, "state = :status");
	if (q->type)
		zl_st_where_add(&w, "kind = :type");
	if (q->severity >= 0)
		zl_st_where_add(&w, "severity = :severity");
	if (q->department)
		zl_st_where_add(&w, "(src_department = :department OR dst_department = :department)");
	if (q->since_us)
		zl_st_where_add(&w, "last_ts >= :since");
	snprintf(sql, sizeof(sql), "SELECT " INC_COLUMNS " FROM incidents%s"
		 " ORDER BY last_ts DESC, id DESC LIMIT :limit OFFSET :offset", w.sql);
	db = zl_st_rget(s);
	if (!(st = zl_st_rprepare(s, db, sql, err, errlen))) {
		zl_st_rput(s, db);
		return NULL;
	}
	zl_st_bind_str(st, ":status", q->status);
	zl_st_bind_str(st, ":type", q->type);
	zl_st_bind_int(st, ":severity", q->severity);
	zl_st_bind_str(st, ":department", q->department);
	zl_st_bind_int(st, ":since", q->since_us);
	zl_st_bind_int(st, ":limit", (int64_t)limit + 1);
	zl_st_bind_int(st, ":offset", q->offset);
	list = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k++ < limit) {
		read_row(st, &r);
		json_array_append_new(list, zl_incident_row_json(&r));
	}
	if ((list = zl_st_rdone(s, db, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, list, err, errlen)))
		out = json_pack("{s:o, s:b}", "incidents", list, "more", rc == SQLITE_ROW);
	zl_st_rput(s, db);
	return out;
}

int zl_store_incidents_open(struct zl_store *s, int64_t since_us, size_t max,
			    zl_incident_row_fn fn, void *ud, char *err, size_t errlen)
{
	struct zl_incident_row r;
	sqlite3_stmt *st;
	sqlite3 *db = zl_st_rget(s);
	size_t n = 0;
	int rc;

	if (!(st = zl_st_rprepare(s, db, "SELECT " INC_COLUMNS " FROM incidents WHERE state IN"
				  " ('new', 'acknowledged') AND last_ts >= :since"
				  " ORDER BY last_ts, id LIMIT :max", err, errlen))) {
		zl_st_rput(s, db);
		return -1;
	}
	zl_st_bind_int(st, ":since", since_us);
	zl_st_bind_int(st, ":max", (int64_t)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, &r);
		fn(&r, ud);
		n++;
	}
	if (!zl_st_rdone(s, db, st, rc, json_null(), err, errlen)) {
		zl_st_rput(s, db);
		return -1;
	}
	zl_st_rput(s, db);
	return (int)n;
}

static json_t *notes(struct zl_store *s, sqlite3 *db, int64_t id, char *err, size_t errlen)
{
	sqlite3_stmt *st = zl_st_rprepare(s, db, "SELECT ts, who, text, state_from, state_to,"
					  " assignee FROM incident_notes WHERE incident = :id"
					  " ORDER BY id", err, errlen);
	json_t *a = json_array();
	int rc;

	if (!st) {
		json_decref(a);
		return NULL;
	}
	zl_st_bind_int(st, ":id", id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
			"ts", zl_st_jtime(sqlite3_column_int64(st, 0), 0),
			"who", zl_st_jtext(sqlite3_column_text(st, 1)),
			"text", zl_st_jtext(sqlite3_column_text(st, 2)),
			"from", zl_st_jtext(sqlite3_column_text(st, 3)),
			"to", zl_st_jtext(sqlite3_column_text(st, 4)),
			"assignee", zl_st_jtext(sqlite3_column_text(st, 5))));
	return zl_st_rdone(s, db, st, rc, a, err, errlen);
}

/*
 * The stored flows an evidence key names: the same endpoints either way
 * round and protocol, active within ten minutes of the incident. A key
 * whose flow has not ended yet (or was dropped) names none.
 */
static json_t *evidence_flows(struct zl_store *s, sqlite3 *db, const struct zl_incident_row *r,
			      char *err, size_t errlen)
{
	sqlite3_stmt *st = zl_st_rprepare(s, db,
		"SELECT id, first_us, last_us, proto, src_ip, src_port, dst_ip, dst_port, app, host,"
		" risks, src2dst_bytes + dst2src_bytes, src2dst_packets + dst2src_packets"
		" FROM flows WHERE ((src_ip = :a AND src_port = :pa AND dst_ip = :b AND dst_port = :pb)"
		" OR (src_ip = :b AND src_port = :pb AND dst_ip = :a AND dst_port = :pa))"
		" AND proto = :proto AND last_us >= :from AND first_us <= :to"
		" ORDER BY first_us LIMIT 4", err, errlen);
	json_t *keys = json_loads(r->evidence, 0, NULL), *k, *a = json_array();
	size_t i;
	int rc = SQLITE_DONE;

	if (!st) {
		json_decref(keys);
		json_decref(a);
		return NULL;
	}
	json_array_foreach(keys, i, k) {
		zl_st_bind_str(st, ":a", json_string_value(json_object_get(k, "a_ip")));
		zl_st_bind_str(st, ":b", json_string_value(json_object_get(k, "b_ip")));
		zl_st_bind_int(st, ":pa", json_integer_value(json_object_get(k, "a_port")));
		zl_st_bind_int(st, ":pb", json_integer_value(json_object_get(k, "b_port")));
		zl_st_bind_str(st, ":proto", json_string_value(json_object_get(k, "proto")));
		zl_st_bind_int(st, ":from", r->first_us - 600 * US);
		zl_st_bind_int(st, ":to", r->last_us + 600 * US);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:o, s:o, s:i, s:o, s:i,"
							   " s:o, s:o, s:o, s:I, s:I}",
				"id", (json_int_t)sqlite3_column_int64(st, 0),
				"first_seen", zl_st_jtime(sqlite3_column_int64(st, 1), 0),
				"last_seen", zl_st_jtime(sqlite3_column_int64(st, 2), 0),
				"proto", zl_st_jtext(sqlite3_column_text(st, 3)),
				"src_ip", zl_st_jtext(sqlite3_column_text(st, 4)),
				"src_port", sqlite3_column_int(st, 5),
				"dst_ip", zl_st_jtext(sqlite3_column_text(st, 6)),
				"dst_port", sqlite3_column_int(st, 7),
				"app", zl_st_jtext(sqlite3_column_text(st, 8)),
				"host", zl_st_jtext(sqlite3_column_text(st, 9)),
				"risks", zl_st_jrisks(sqlite3_column_text(st, 10)),
				"bytes", (json_int_t)sqlite3_column_int64(st, 11),
				"packets", (json_int_t)sqlite3_column_int64(st, 12)));
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			break;
	}
	json_decref(keys);
	return zl_st_rdone(s, db, st, rc, a, err, errlen);
}

json_t *zl_store_incident(struct zl_store *s, int64_t id, int *found, char *err, size_t errlen)
{
	struct zl_incident_row r;
	sqlite3_stmt *st;
	json_t *o = NULL, *n, *f;
	sqlite3 *db = zl_st_rget(s);
	int rc;

	*found = 0;
	if (!(st = zl_st_rprepare(s, db, "SELECT " INC_COLUMNS " FROM incidents WHERE id = :id",
				  err, errlen))) {
		zl_st_rput(s, db);
		return NULL;
	}
	zl_st_bind_int(st, ":id", id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*found = 1;
		read_row(st, &r);
		rc = SQLITE_DONE;
	}
	if (!zl_st_rdone(s, db, st, rc, json_null(), err, errlen) || !*found) {
		if (!*found && rc == SQLITE_DONE)
			err[0] = 0;
		zl_st_rput(s, db);
		return NULL;
	}
	if ((n = notes(s, db, id, err, errlen)) && (f = evidence_flows(s, db, &r, err, errlen))) {
		o = zl_incident_row_json(&r);
		json_object_set_new(o, "notes", n);
		json_object_set_new(o, "evidence_flows", f);
	} else {
		json_decref(n);
	}
	zl_st_rput(s, db);
	return o;
}

/* May an incident go from 'from' to 'to'? */
static int transition_ok(const char *from, const char *to)
{
	if (!strcmp(to, "acknowledged"))
		return !strcmp(from, "new");
	if (!strcmp(to, "resolved") || !strcmp(to, "false_positive"))
		return !strcmp(from, "new") || !strcmp(from, "acknowledged");
	return 0;
}

static int change_locked(struct zl_store *s, int64_t id, const char *status, const char *assignee,
			 const char *note, const char *who, char *from, size_t fromlen)
{
	sqlite3_stmt *st;
	int rc;

	if (wexec(s, &st, "SELECT state FROM incidents WHERE id = :id") < 0)
		return -EIO;
	zl_st_bind_int(st, ":id", id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col(st, 0, from, fromlen);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? -ENOENT : zl_st_sql_errno(rc);
	if (status && !transition_ok(from, status))
		return -EINVAL;
	if (wexec(s, &st, "UPDATE incidents SET state = coalesce(:state, state),"
		  " assignee = coalesce(:assignee, assignee), updated_ts = :now WHERE id = :id") < 0)
		return -EIO;
	zl_st_bind_str(st, ":state", status);
	zl_st_bind_str(st, ":assignee", assignee);
	zl_st_bind_int(st, ":now", zl_st_now_us());
	zl_st_bind_int(st, ":id", id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return zl_st_sql_errno(rc);
	if (wexec(s, &st, "INSERT INTO incident_notes (incident, ts, who, text, state_from,"
		  " state_to, assignee) VALUES (:id, :now, :who, :text, :from, :to, :assignee)") < 0)
		return -EIO;
	zl_st_bind_int(st, ":id", id);
	zl_st_bind_int(st, ":now", zl_st_now_us());
	zl_st_bind_str(st, ":who", who ? who : "");
	zl_st_bind_str(st, ":text", note ? note : "");
	zl_st_bind_str(st, ":from", from);
	zl_st_bind_str(st, ":to", status ? status : from);
	zl_st_bind_str(st, ":assignee", assignee ? assignee : "");
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : zl_st_sql_errno(rc);
}

int zl_store_incident_change(struct zl_store *s, int64_t id, const char *status,
			     const char *assignee, const char *note, const char *who,
			     char *from, size_t fromlen)
{
	int rc;

	pthread_mutex_lock(&s->wlock);
	if (zl_st_exec(s->wdb, "BEGIN IMMEDIATE", NULL, 0) != SQLITE_OK) {
		pthread_mutex_unlock(&s->wlock);
		return -EBUSY;
	}
	rc = change_locked(s, id, status, assignee, note, who, from, fromlen);
	zl_st_exec(s->wdb, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, 0);
	pthread_mutex_unlock(&s->wlock);
	return rc;
}

json_t *zl_store_incident_counts(struct zl_store *s, char *err, size_t errlen)
{
	sqlite3 *db = zl_st_rget(s);
	sqlite3_stmt *st = zl_st_rprepare(s, db, "SELECT severity, count(*) FROM incidents"
					  " WHERE state IN ('new', 'acknowledged') GROUP BY severity",
					  err, errlen);
	json_t *o = json_object();
	int rc = SQLITE_DONE, i;

	for (i = 0; i < ZL_SEV_MAX; i++)
		json_object_set_new(o, zl_inc_severity_name(i), json_integer(0));
	if (!st) {
		json_decref(o);
		zl_st_rput(s, db);
		return NULL;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_set_new(o, zl_inc_severity_name(sqlite3_column_int(st, 0)),
				    json_integer(sqlite3_column_int64(st, 1)));
	o = zl_st_rdone(s, db, st, rc, o, err, errlen);
	zl_st_rput(s, db);
	return o;
}

int zl_store_incident_suppressed(struct zl_store *s, int64_t ts_us, const char *type, int64_t n)
{
	sqlite3_stmt *st;
	char why[256] = "";
	int rc;

	pthread_mutex_lock(&s->wlock);
	if (wexec(s, &st, "INSERT INTO incident_suppressed (day, type, count) VALUES (:day, :type, :n)"
		  " ON CONFLICT (day, type) DO UPDATE SET count = count + excluded.count") < 0) {
		pthread_mutex_unlock(&s->wlock);
		return -EIO;
	}
	/* the local day's start, unix seconds (rows before were UTC days') */
	zl_st_bind_int(st, ":day", zl_localday_start_us(zl_localday_of(ts_us)) / US);
	zl_st_bind_str(st, ":type", type);
	zl_st_bind_int(st, ":n", n);
	rc = zl_st_step_reset(st, why, sizeof(why));
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->wlock);
	if (rc != SQLITE_DONE) {
		zl_log_warnx("store: %s: suppressed counts not written: %s", s->path, why);
		return zl_st_sql_errno(rc);
	}
	return 0;
}

json_t *zl_store_incident_suppressed_sum(struct zl_store *s, int64_t since_us, char *err,
					 size_t errlen)
{
	sqlite3 *db = zl_st_rget(s);
	sqlite3_stmt *st = zl_st_rprepare(s, db, "SELECT type, sum(count) FROM incident_suppressed"
					  " WHERE day >= :day GROUP BY type ORDER BY type", err, errlen);
	json_t *o = json_object();
	int rc;

	if (!st) {
		json_decref(o);
		zl_st_rput(s, db);
		return NULL;
	}
	zl_st_bind_int(st, ":day", since_us ? zl_localday_start_us(zl_localday_of(since_us)) / US : 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_set_new(o, (const char *)sqlite3_column_text(st, 0),
				    json_integer(sqlite3_column_int64(st, 1)));
	o = zl_st_rdone(s, db, st, rc, o, err, errlen);
	zl_st_rput(s, db);
	return o;
}
