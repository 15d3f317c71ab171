/*
 * api_ipv6_sites.c - the control API's routes of the IPv6 readiness checks
 * of sites (issue 12): the latest result of each site with the day each
 * criterion last changed, and checks on demand (queued on the checks' own
 * thread, sitework.h: the answer comes when they are queued, not done).
 */
#include <string.h>

#include "api.h"
#include "conf.h"
#include "sitework.h"

enum MHD_Result zl_api_ipv6_sites(struct zl_api_req *r)
{
	const struct zl_conf *cf = r->c->ctx.conf;
	char err[256] = "";
	json_t *res;

	if (!r->c->ctx.sites)
		return zl_api_fail(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "the site checks are not running");
	if (!(res = zl_sitework_read(r->c->ctx.sites, err, sizeof(err))))
		return zl_api_fail(r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	json_object_set_new(res, "targets", json_pack("{s:i, s:i}", "traffic_percent",
		cf ? (int)cf->ipv6_target_traffic : 27, "portals_percent",
		cf ? (int)cf->ipv6_target_portals : 100));
	json_object_set_new(res, "check_hour", cf && cf->ipv6_check_hour >= 0 ?
			    json_integer(cf->ipv6_check_hour) : json_null());
	return zl_api_reply(r->conn, MHD_HTTP_OK, res);
}

/* POST /v1/ipv6/check {"url"?}: 202 {"queued": [URL...]} */
enum MHD_Result zl_api_ipv6_check(struct zl_api_req *r)
{
	enum MHD_Result rc;
	json_t *body = zl_api_body_json(r, &rc), *url, *q;
	char err[2300] = "";

	if (!body)
		return rc;
	url = json_object_get(body, "url");
	if (url && !json_is_null(url) && (!json_is_string(url) || json_string_length(url) > 2000)) {
		json_decref(body);
		return zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST, "url: expected a string (a URL)");
	}
	if (!r->c->ctx.sites) {
		json_decref(body);
		return zl_api_fail(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "the site checks are not running");
	}
	q = zl_sitework_request(r->c->ctx.sites, json_string_value(url), err, sizeof(err));
	json_decref(body);
	if (!q)
		return zl_api_fail(r->conn, strstr(err, "queue is full") ? MHD_HTTP_SERVICE_UNAVAILABLE :
				   strstr(err, "memory") ? MHD_HTTP_INTERNAL_SERVER_ERROR :
				   MHD_HTTP_BAD_REQUEST, err);
	zl_api_audit_event(r, NULL, "ipv6 check", json_pack("{s:O}", "queued", q));
	return zl_api_reply(r->conn, MHD_HTTP_ACCEPTED, json_pack("{s:o}", "queued", q));
}
