/*
 * api_policy.c - the control API's policy, address book and reload routes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "flowjson.h"

static enum MHD_Result fw_reply(struct MHD_Connection *conn, unsigned status, json_t *out)
{
	return zl_api_reply(conn, status, out ? out : json_pack("{s:s}", "error", "out of memory"));
}

/* A whole-number field of a request body: absent (def), or an integer in
 * [min, max]. 0, or -1 with why in err. */
static int body_int(json_t *in, const char *name, json_int_t def, json_int_t min,
		    json_int_t max, json_int_t *v, char *err, size_t errlen)
{
	json_t *j = json_object_get(in, name);

	*v = def;
	if (!j)
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < min || json_integer_value(j) > max) {
		snprintf(err, errlen, "%s: expected a whole number from %lld to %lld (not a "
			 "string or a fraction)", name, (long long)min, (long long)max);
		return -1;
	}
	*v = json_integer_value(j);
	return 0;
}

/* POST /v1/policy/{apply,diff,confirm,rollback} */
enum MHD_Result zl_api_policy_post(struct zl_api_req *r)
{
	struct zl_control *c = r->c;
	struct MHD_Connection *conn = r->conn;
	const char *what = r->rest[0] == '/' ? r->rest + 1 : r->rest;
	const char *who = r->who.name;
	enum MHD_Result rc = MHD_NO;
	json_t *in, *out = NULL, *bundle;
	json_int_t n;
	unsigned status;
	char err[200];

	if (strcmp(what, "apply") && strcmp(what, "diff") && strcmp(what, "confirm") &&
	    strcmp(what, "rollback"))
		return zl_api_fail(conn, MHD_HTTP_NOT_FOUND, "no such endpoint (see docs/API.md)");
	if (!c->ctx.fw)
		return zl_api_fail(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "the policy engine is not running");
	if (!(in = zl_api_body_json(r, &rc)))
		return rc;
	bundle = json_object_get(in, "policy");
	if (!strcmp(what, "apply") || !strcmp(what, "diff")) {
		if (!json_is_object(bundle)) {
			json_decref(in);
			return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST,
				    "expected {\"policy\": {\"name\", \"text\", \"files\"}}");
		}
		if (!strcmp(what, "apply")) {
			if (body_int(in, "confirm", 0, 0, 86400, &n, err, sizeof(err)) < 0) {
				json_decref(in);
				return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, err);
			}
			status = zl_fw_apply(c->ctx.fw, bundle, who,
					     json_string_value(json_object_get(in, "comment")),
					     (unsigned)n, &out);
		} else {
			status = zl_fw_diff(c->ctx.fw, bundle, &out);
		}
	} else if (!strcmp(what, "confirm")) {
		status = zl_fw_confirm(c->ctx.fw, who, &out);
	} else {
		/* 0 or absent: the version before the one in force */
		if (body_int(in, "version", 0, 0, INT64_MAX, &n, err, sizeof(err)) < 0) {
			json_decref(in);
			return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, err);
		}
		status = zl_fw_rollback(c->ctx.fw, n, who, &out);
	}
	json_decref(in);
	return fw_reply(conn, status, out);
}

/* GET /v1/policy, /v1/policy/history, /v1/policy/versions/N */
enum MHD_Result zl_api_policy_get(struct zl_api_req *r)
{
	struct zl_control *c = r->c;
	struct MHD_Connection *conn = r->conn;
	const char *what = r->rest;
	json_t *out = NULL;
	unsigned status, limit;
	char err[200];

	if (!c->ctx.fw)
		return zl_api_fail(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "the policy engine is not running");
	if (!strcmp(what, ""))
		status = zl_fw_show(c->ctx.fw, &out);
	else if (!strcmp(what, "/history")) {
		if (zl_api_arg_uint(conn, "limit", 100, 10000, &limit, err, sizeof(err)) < 0)
			return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, err);
		status = zl_fw_history(c->ctx.fw, limit, &out);
	} else if (!strncmp(what, "/versions/", 10) && what[10]) {
		if (strspn(what + 10, "0123456789") != strlen(what + 10) || strlen(what + 10) > 18)
			return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST,
					   "/v1/policy/versions/N: N is a version number");
		status = zl_fw_version(c->ctx.fw, strtoll(what + 10, NULL, 10), &out);
	} else
		return zl_api_fail(conn, MHD_HTTP_NOT_FOUND, "no such endpoint (see docs/API.md)");
	return fw_reply(conn, status, out);
}

/* GET /v1/hosts: who owns which address (personal data) */
enum MHD_Result zl_api_hosts(struct zl_api_req *r)
{
	enum MHD_Result rc = MHD_NO;

	if (!r->c->ctx.dir)
		return zl_api_fail(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "the address book is not available");
	if (!zl_api_personal(r, ZL_ROLE_ADMIN | ZL_ROLE_SECURITY, "hosts read", &rc))
		return rc;
	return zl_api_reply(r->conn, MHD_HTTP_OK, zl_dir_list(r->c->ctx.dir));
}

/* POST /v1/hosts/import {"name": "hosts.csv", "csv": "..."} */
enum MHD_Result zl_api_hosts_import(struct zl_api_req *r)
{
	struct zl_control *c = r->c;
	struct MHD_Connection *conn = r->conn;
	enum MHD_Result rc = MHD_NO;
	json_t *in, *out = NULL;
	const char *csv, *name;
	unsigned status;

	if (!c->ctx.dir)
		return zl_api_fail(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "the address book is not available");
	if (!(in = zl_api_body_json(r, &rc)))
		return rc;
	csv = json_string_value(json_object_get(in, "csv"));
	name = json_string_value(json_object_get(in, "name"));
	if (!csv) {
		json_decref(in);
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, "expected {\"name\": \"hosts.csv\", \"csv\": \"...\"}");
	}
	status = zl_dir_import(c->ctx.dir, name ? name : "hosts.csv", csv, strlen(csv),
			       r->who.name, &out);
	json_decref(in);
	return fw_reply(conn, status, out);
}

enum MHD_Result zl_api_reload(struct zl_api_req *r)
{
	struct zl_control *c = r->c;
	struct MHD_Connection *conn = r->conn;
	const char *who = r->who.name;
	char msg[512];
	int rc;

	rc = c->ctx.reload ? c->ctx.reload(c->ctx.ud, msg, sizeof(msg)) : -1;
	if (!c->ctx.reload)
		snprintf(msg, sizeof(msg), "reload not available");
	zl_store_audit(c->ctx.store, who, "reload", rc == 0 ? "ok" : msg);
	if (rc < 0)
		return zl_api_fail(conn, 422, msg);
	return zl_api_reply(conn, MHD_HTTP_OK, json_pack("{s:s}", "result", "reloaded"));
}
