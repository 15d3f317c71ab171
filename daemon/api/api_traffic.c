/*
 * api_traffic.c - the control API's traffic routes: status, flows, the aggregates (top, series).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "aggcache.h"
#include "api.h"
#include "flowjson.h"
#include "localday.h"

#define BUCKET_US (300LL * 1000000)    /* the aggregates' 5-minute buckets */

/* For a cache key: 1 + the number of the last 5-minute bucket an answer
 * up to 'to' reads (those starting before 'to' rounded up to the second:
 * ..:05:00 and ..:05:00.5 differ), 0 for no end. */
static long long last_bucket(long long to)
{
	long long s = (to + 999999) / 1000000;

	return to ? (s - 1) / 300 + 1 : 0;
}

enum MHD_Result zl_api_status(struct zl_api_req *r)
{
	struct zl_control *c = r->c;
	struct MHD_Connection *conn = r->conn;
	struct zl_store_stats st;
	json_t *ifs = json_array(), *o;
	long long live = 0;
	int i;

	for (i = 0; i < c->ctx.n_sensors; i++) {
		json_t *s = zl_sensor_status(c->ctx.sensors[i]);
		live += json_integer_value(json_object_get(s, "flows_live"));
		json_array_append_new(ifs, s);
	}
	zl_store_stats(c->ctx.store, &st);
	o = json_pack("{s:s, s:i, s:I, s:o, s:I, s:{s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:s}, s:I}",
		      "version", c->ctx.version, "api", ZL_API_VERSION,
		      "uptime_s", (json_int_t)((zl_api_now_us() - c->ctx.started_us) / 1000000),
		      "interfaces", ifs,
		      "flows_tracked", (json_int_t)live,
		      "database", "path", c->ctx.db_path,
		      "bytes", (json_int_t)st.db_bytes,
		      "queued", (json_int_t)st.queued,
		      "written", (json_int_t)st.written,
		      "dropped", (json_int_t)st.dropped,
		      "purged", (json_int_t)st.purged,
		      "writable", st.writable,
		      "last_error", st.last_error,
		      "records_dropped", (json_int_t)st.dropped);
	json_object_set_new(json_object_get(o, "database"), "access_dropped",
			    json_integer((json_int_t)st.access_dropped));
	json_object_set_new(json_object_get(o, "database"), "retention_days",
			    json_integer(st.retention_days));
	json_object_set_new(o, "retention_days", json_integer(st.retention_days));
	json_object_set_new(o, "disk", json_pack("{s:I, s:I}", "free", (json_int_t)st.disk_free,
						 "total", (json_int_t)st.disk_total));
	json_object_set_new(o, "policy", c->ctx.fw ? zl_fw_status(c->ctx.fw) : json_null());
	json_object_set_new(o, "behaviour", c->ctx.bh ? zl_bh_status(c->ctx.bh) : json_null());
	json_object_set_new(o, "web", zl_api_web_status(c));
	json_object_set_new(o, "incidents", c->ctx.incd ? zl_incd_status(c->ctx.incd) : json_null());
	if (c->ctx.setup)
		json_object_set_new(o, "setup", json_string(c->ctx.setup));
	return zl_api_reply(conn, MHD_HTTP_OK, o);
}

enum MHD_Result zl_api_flows(struct zl_api_req *r)
{
	struct zl_control *c = r->c;
	struct MHD_Connection *conn = r->conn;
	struct zl_flow_query q = { 0 };
	struct zl_live_filter lf = { 0 };
	const char *which = zl_api_arg(conn, "live");
	json_t *out, *live, *stored;
	enum MHD_Result rc = MHD_NO;
	long long from, to;
	char err[256];
	int i, more = 0, m;

	if (!zl_api_personal(r, ZL_ROLE_SECURITY, "flows read", &rc))
		return rc;
	if (zl_api_arg_time(conn, "from", &from, err, sizeof(err)) < 0 ||
	    zl_api_arg_time(conn, "to", &to, err, sizeof(err)) < 0 ||
	    zl_api_arg_uint(conn, "limit", 100, 10000, &q.limit, err, sizeof(err)) < 0 ||
	    zl_api_arg_uint(conn, "offset", 0, 1u << 30, &q.offset, err, sizeof(err)) < 0)
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, err);
	if (which && strcmp(which, "0") && strcmp(which, "1"))
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, "live: expected 0 or 1");
	q.from_us = from;
	q.to_us = to;
	if (!q.limit)
		q.limit = 100;
	q.host = lf.host = zl_api_arg(conn, "host");
	q.app = lf.app = zl_api_arg(conn, "app");
	q.category = lf.category = zl_api_arg(conn, "category");
	out = json_object();
	if (!which || !strcmp(which, "1")) {
		live = json_array();
		for (i = 0; i < c->ctx.n_sensors; i++) {
			lf.limit = q.limit - json_array_size(live);
			if ((m = zl_sensor_live_flows(c->ctx.sensors[i], &lf, live)) != 0)
				more = 1;
			if (m < 0) {
				json_decref(live);
				json_decref(out);
				return zl_api_fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
			}
		}
		json_object_set_new(out, "live", live);
		json_object_set_new(out, "live_more", json_boolean(more));
	}
	if (!which || !strcmp(which, "0")) {
		stored = zl_store_flows(c->ctx.store, &q, err, sizeof(err));
		if (!stored) {
			json_decref(out);
			return zl_api_fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
		}
		json_object_set_new(out, "stored", stored);
	}
	return zl_api_reply(conn, MHD_HTTP_OK, out);
}

/*
 * Top hosts with the address book's names: a copy of the cached answer
 * (the book may change between two reads of one cached answer) whose rows
 * get "registered" and, for an address the book holds, "host_name",
 * "owner" and "department". Returns a new reference, or NULL.
 */
static json_t *top_hosts_named(struct zl_dir *dir, json_t *cached)
{
	json_t *out = json_deep_copy(cached), *row;
	struct zl_bh_who w;
	const char *ip;
	uint8_t a[16];
	size_t i;
	int fam, known;

	if (!out)
		return NULL;
	json_array_foreach(json_object_get(out, "top"), i, row) {
		ip = json_string_value(json_object_get(row, "name"));
		fam = ip && strchr(ip, ':') ? AF_INET6 : AF_INET;
		known = dir && ip && inet_pton(fam, ip, a) == 1 && zl_dir_lookup(dir, fam, a, &w);
		json_object_set_new(row, "registered", json_boolean(known));
		if (known && json_object_set_new(row, "host_name", json_string(w.host)) |
		    json_object_set_new(row, "owner", json_string(w.owner)) |
		    json_object_set_new(row, "department", json_string(w.department))) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

enum MHD_Result zl_api_top(struct zl_api_req *r)
{
	struct zl_control *c = r->c;
	struct MHD_Connection *conn = r->conn;
	const char *what = zl_api_arg(conn, "what");
	long long from, to;
	enum MHD_Result rc = MHD_NO;
	unsigned limit;
	char err[256], key[320];
	json_t *res, *out;

	if (!what)
		what = "apps";
	if (strcmp(what, "hosts") && strcmp(what, "apps") && strcmp(what, "categories") &&
	    strcmp(what, "departments"))
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST,
				   "what: expected hosts, apps, categories or departments");
	/* the busiest addresses name people: the security role's */
	if (!strcmp(what, "hosts") && !zl_api_personal(r, ZL_ROLE_SECURITY, "top hosts read", &rc))
		return rc;
	if (zl_api_arg_time(conn, "from", &from, err, sizeof(err)) < 0 ||
	    zl_api_arg_time(conn, "to", &to, err, sizeof(err)) < 0 ||
	    zl_api_arg_uint(conn, "limit", 10, 1000, &limit, err, sizeof(err)) < 0)
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, err);
	if (!from)
		from = zl_api_now_us() - 3600LL * 1000000;
	/* the store reads whole 5-minute buckets: one answer per bucket */
	snprintf(key, sizeof(key), "top\x1f%s\x1f%lld\x1f%lld\x1f%u", what, from / BUCKET_US,
		 last_bucket(to), limit);
	if (!(out = zl_aggcache_get(c->aggs, key))) {
		res = zl_store_top(c->ctx.store, what, from, to, limit, err, sizeof(err));
		if (!res)
			return zl_api_fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
		out = json_pack("{s:s, s:o}", "what", what, "top", res);
		zl_aggcache_put(c->aggs, key, out);
	}
	if (!strcmp(what, "hosts")) {
		res = top_hosts_named(c->ctx.dir, out);
		json_decref(out);
		if (!(out = res))
			return zl_api_fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return zl_api_reply(conn, MHD_HTTP_OK, out);
}

enum MHD_Result zl_api_series(struct zl_api_req *r)
{
	struct zl_control *c = r->c;
	struct MHD_Connection *conn = r->conn;
	long long from, to;
	unsigned step;
	enum MHD_Result rc = MHD_NO;
	char err[256], key[320];
	json_t *res, *out;

	/* one address's traffic over time is one person's */
	if (zl_api_arg(conn, "host") &&
	    !zl_api_personal(r, ZL_ROLE_SECURITY, "host series read", &rc))
		return rc;
	if (zl_api_arg_time(conn, "from", &from, err, sizeof(err)) < 0 ||
	    zl_api_arg_time(conn, "to", &to, err, sizeof(err)) < 0 ||
	    zl_api_arg_uint(conn, "step", 300, 86400 * 31, &step, err, sizeof(err)) < 0)
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, err);
	if (!zl_store_series_step_ok(step))
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, "step: expected a multiple of 300 "
				   "seconds up to a day, or whole days (a multiple of 86400)");
	if (!from)
		from = zl_api_now_us() - 24LL * 3600 * 1000000;
	/* buckets are local time's (localday.h): one answer per first bucket */
	snprintf(key, sizeof(key), "series\x1f%u\x1f%lld\x1f%lld\x1f%.100s\x1f%.100s", step,
		 (long long)zl_localday_bucket(from, step, &(int64_t){ 0 }), last_bucket(to),
		 zl_api_arg(conn, "host") ? zl_api_arg(conn, "host") : "",
		 zl_api_arg(conn, "app") ? zl_api_arg(conn, "app") : "");
	if ((out = zl_aggcache_get(c->aggs, key)))
		return zl_api_reply(conn, MHD_HTTP_OK, out);
	res = zl_store_series(c->ctx.store, from, to, step, zl_api_arg(conn, "host"), zl_api_arg(conn, "app"),
			    err, sizeof(err));
	if (!res)
		return zl_api_fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	out = json_pack("{s:i, s:o}", "step", step, "series", res);
	zl_aggcache_put(c->aggs, key, out);
	return zl_api_reply(conn, MHD_HTTP_OK, out);
}
