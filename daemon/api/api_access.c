/*
 * api_access.c - the control API's audit table and access log (personal data: every read audited).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "csv.h"
#include "flowjson.h"

enum MHD_Result zl_api_audit(struct zl_api_req *r)
{
	struct zl_control *c = r->c;
	struct MHD_Connection *conn = r->conn;
	enum MHD_Result rc = MHD_NO;
	long long from, to;
	unsigned limit;
	char err[256];
	json_t *res;

	if (zl_api_arg_time(conn, "from", &from, err, sizeof(err)) < 0 ||
	    zl_api_arg_time(conn, "to", &to, err, sizeof(err)) < 0 ||
	    zl_api_arg_uint(conn, "limit", 100, 10000, &limit, err, sizeof(err)) < 0)
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, err);
	/* the audit trail names who read which person's data */
	if (!zl_api_personal(r, ZL_ROLE_AUDITOR, "audit read", &rc))
		return rc;
	res = zl_store_audit_list(c->ctx.store, from, to, limit, err, sizeof(err));
	if (!res)
		return zl_api_fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	return zl_api_reply(conn, MHD_HTTP_OK, json_pack("{s:o}", "audit", res));
}

/* ---- the access log: personal data, every read audited ---- */

static const char *const access_args[] = {
	"from", "to", "department", "host", "owner", "app", "domain", "action", "limit", "before_id",
};

/* The audit row of one access-log request: the filters as given, and the
 * rows returned or why none were. */
static int access_audit(struct zl_api_req *r, int csv, const char *outcome, long long rows)
{
	struct MHD_Connection *conn = r->conn;
	json_t *d = json_object(), *f = json_object();
	const char *v;
	char *s;
	json_t *j;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(access_args) / sizeof(access_args[0]); i++)
		if ((v = zl_api_arg(conn, access_args[i]))) {
			j = json_string(v);
			json_object_set_new(f, access_args[i], j ? j : json_string("(not UTF-8)"));
		}
	json_object_set_new(d, "filters", f);
	if (outcome)
		json_object_set_new(d, "refused", (j = json_string(outcome)) ? j : json_string("?"));
	else
		json_object_set_new(d, "rows", json_integer(rows));
	s = json_dumps(d, JSON_COMPACT);
	rc = zl_store_audit(r->c->ctx.store, r->who.name,
			    csv ? "access-log export" : "access-log query", s ? s : "");
	free(s);
	json_decref(d);
	return rc;
}

static const char *const access_columns[] = {
	"id", "ts", "client_ip", "host_name", "owner", "department", "app", "category",
	"domain", "server_ip", "server_port", "bytes_up", "bytes_down", "action", "rule",
};

/* Rows as CSV for Excel: UTF-8 with a BOM (else it reads GBK), CRLF. */
static enum MHD_Result reply_csv(struct MHD_Connection *conn, json_t *out)
{
	json_t *rows = json_object_get(out, "rows"), *row, *v, *next;
	struct MHD_Response *r;
	enum MHD_Result rc;
	char *buf = NULL, num[32];
	size_t len = 0, i, k;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		json_decref(out);
		return zl_api_fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	zl_csv_bom(f);
	for (k = 0; k < sizeof(access_columns) / sizeof(access_columns[0]); k++) {
		if (k)
			zl_csv_sep(f);
		zl_csv_text(f, access_columns[k]);
	}
	zl_csv_end_row(f);
	json_array_foreach(rows, i, row) {
		for (k = 0; k < sizeof(access_columns) / sizeof(access_columns[0]); k++) {
			v = json_object_get(row, access_columns[k]);
			if (k)
				zl_csv_sep(f);
			if (json_is_integer(v))
				zl_csv_number(f, (long long)json_integer_value(v));
			else
				zl_csv_text(f, json_string_value(v));
		}
		zl_csv_end_row(f);
	}
	fclose(f);
	next = json_object_get(out, "next_before_id");
	snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(next));
	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "text/csv; charset=utf-8");
	MHD_add_response_header(r, "Content-Disposition", "attachment; filename=\"access-log.csv\"");
	if (json_is_integer(next))
		MHD_add_response_header(r, "X-Zhulan-Next-Before-Id", num);
	rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	json_decref(out);
	return rc;
}

enum MHD_Result zl_api_access_log(struct zl_api_req *r)
{
	struct zl_control *c = r->c;
	struct MHD_Connection *conn = r->conn;
	struct zl_access_query q = { 0 };
	const char *format = zl_api_arg(conn, "format");
	int csv = format && !strcmp(format, "csv");
	long long from = 0, to = 0;
	long long before = 0;
	const char *v;
	char err[300];
	json_t *out;

	if (format && !csv && strcmp(format, "json")) {
		access_audit(r, 0, "format: expected json or csv", 0);
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, "format: expected json or csv");
	}
	q.department = zl_api_arg(conn, "department");
	q.host = zl_api_arg(conn, "host");
	q.owner = zl_api_arg(conn, "owner");
	q.app = zl_api_arg(conn, "app");
	q.domain = zl_api_arg(conn, "domain");
	q.action = zl_api_arg(conn, "action");
	err[0] = 0;
	if (zl_api_arg_time(conn, "from", &from, err, sizeof(err)) < 0 ||
	    zl_api_arg_time(conn, "to", &to, err, sizeof(err)) < 0 ||
	    zl_api_arg_uint(conn, "limit", 100, 10000, &q.limit, err, sizeof(err)) < 0)
		;
	else if ((v = zl_api_arg(conn, "before_id")) &&
		 (strspn(v, "0123456789") != strlen(v) || strlen(v) > 18 ||
		  (before = strtoll(v, NULL, 10)) <= 0))
		snprintf(err, sizeof(err), "before_id: expected a row id (a whole number above 0)");
	else if (q.action && strcmp(q.action, "block") && strcmp(q.action, "audit") &&
		 strcmp(q.action, "limit"))
		snprintf(err, sizeof(err), "action: expected block, audit or limit");
	else if (q.domain && (q.domain[0] == '*' ? strncmp(q.domain, "*.", 2) || !q.domain[2] :
			      !!strchr(q.domain, '*')))
		snprintf(err, sizeof(err), "domain: expected a name or *.name");
	if (*err) {
		access_audit(r, csv, err, 0);
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, err);
	}
	q.from_us = from;
	q.to_us = to;
	q.before_id = before;
	out = zl_store_access_query(c->ctx.store, &q, err, sizeof(err));
	if (!out) {
		access_audit(r, csv, err, 0);
		return zl_api_fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	}
	/* no audit row, no personal data */
	if (access_audit(r, csv, NULL, (long long)json_array_size(json_object_get(out, "rows"))) < 0) {
		json_decref(out);
		return zl_api_fail(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "the audit row of this read could not be written, so nothing "
				   "is shown (no audit, no personal data); try again later");
	}
	return csv ? reply_csv(conn, out) : zl_api_reply(conn, MHD_HTTP_OK, out);
}
