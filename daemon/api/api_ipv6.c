/*
 * api_ipv6.c - the control API's IPv6 measurement routes (issue 12): the
 * county's and departments' figures with the national targets, hosts
 * (personal: who owns which address, admin only, audited), services and
 * their to-do lists, the daily trend. Everything comes from the store's
 * per-day counters and snapshots (store_ipv6.h), never from raw flows.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "conf.h"
#include "localday.h"
#include "store_ipv6.h"

/* day=YYYY-MM-DD (the gateway's local date), today (local) when absent;
 * 0 or -1 with err. */
static int arg_day(struct MHD_Connection *conn, int64_t *day, char *err, size_t errlen)
{
	const char *v = zl_api_arg(conn, "day");

	*day = zl_localday_of(zl_api_now_us());
	if (v && zl_localday_parse(v, day) < 0) {
		snprintf(err, errlen, "day: expected a date YYYY-MM-DD, got \"%s\"", v);
		return -1;
	}
	return 0;
}

static json_t *targets(const struct zl_control *c)
{
	const struct zl_conf *cf = c->ctx.conf;

	return json_pack("{s:i, s:i}", "traffic_percent", cf ? (int)cf->ipv6_target_traffic : 27,
			 "portals_percent", cf ? (int)cf->ipv6_target_portals : 100);
}

static enum MHD_Result answer(struct zl_api_req *r, json_t *res, const char *err)
{
	if (!res)
		return zl_api_fail(r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	json_object_set_new(res, "targets", targets(r->c));
	return zl_api_reply(r->conn, MHD_HTTP_OK, res);
}

enum MHD_Result zl_api_ipv6(struct zl_api_req *r)
{
	char err[256];
	int64_t day;

	if (arg_day(r->conn, &day, err, sizeof(err)) < 0)
		return zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST, err);
	return answer(r, zl_store_ipv6_summary(r->c->ctx.store, day, zl_api_arg(r->conn, "department"),
					       err, sizeof(err)), err);
}

enum MHD_Result zl_api_ipv6_hosts(struct zl_api_req *r)
{
	enum MHD_Result rc = MHD_NO;
	char err[256];
	int64_t day;

	/* a host's addresses, MAC, name and use: personal data */
	if (!zl_api_personal(r, ZL_ROLE_ADMIN, "ipv6 hosts read", &rc))
		return rc;
	if (arg_day(r->conn, &day, err, sizeof(err)) < 0)
		return zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST, err);
	return answer(r, zl_store_ipv6_hosts(r->c->ctx.store, day, zl_api_arg(r->conn, "department"),
					     err, sizeof(err)), err);
}

enum MHD_Result zl_api_ipv6_services(struct zl_api_req *r)
{
	unsigned days, limit;
	char err[256];
	int64_t day;

	if (arg_day(r->conn, &day, err, sizeof(err)) < 0 ||
	    zl_api_arg_uint(r->conn, "days", 1, ZL_IPV6_KEEP_DAYS, &days, err, sizeof(err)) < 0 ||
	    zl_api_arg_uint(r->conn, "limit", 100, 10000, &limit, err, sizeof(err)) < 0)
		return zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST, err);
	if (!days)
		days = 1;
	return answer(r, zl_store_ipv6_services(r->c->ctx.store, day - days + 1, day,
						limit ? limit : 100, err, sizeof(err)), err);
}

enum MHD_Result zl_api_ipv6_trend(struct zl_api_req *r)
{
	unsigned days;
	char err[256];

	if (zl_api_arg_uint(r->conn, "days", 30, ZL_IPV6_KEEP_DAYS, &days, err, sizeof(err)) < 0)
		return zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST, err);
	return answer(r, zl_store_ipv6_trend(r->c->ctx.store, days ? days : 1,
					     zl_api_arg(r->conn, "department"), err, sizeof(err)),
		      err);
}

/* A day's snapshot on demand (the writer takes each day's at its end, and
 * again for a day snapshotted before it ended). */
enum MHD_Result zl_api_ipv6_snapshot(struct zl_api_req *r)
{
	char err[256], dt[16];
	int64_t day;

	if (arg_day(r->conn, &day, err, sizeof(err)) < 0)
		return zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST, err);
	zl_localday_text(day, dt, sizeof(dt));
	if (zl_store_ipv6_snapshot(r->c->ctx.store, day, err, sizeof(err)) < 0)
		return zl_api_fail(r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	zl_api_audit_event(r, NULL, "ipv6 snapshot", json_pack("{s:s}", "day", dt));
	return zl_api_reply(r->conn, MHD_HTTP_OK, json_pack("{s:s, s:b}", "day", dt, "taken", 1));
}
