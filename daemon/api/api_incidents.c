/*
 * api_incidents.c - security incidents: the list, one incident with its
 * notes and evidence flows, and the review workflow. Incidents name
 * persons and departments, so every read is audited (zl_api_personal);
 * every workflow change is audited with its note.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "incident.h"
#include "store_incidents.h"

static const char *const statuses[] = { "new", "acknowledged", "resolved", "false_positive" };

static int known(const char *v, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v, names[i]))
			return 1;
	return 0;
}

static int severity_by_name(const char *v)
{
	int i;

	for (i = 0; i < ZL_SEV_MAX; i++)
		if (!strcmp(v, zl_inc_severity_name(i)))
			return i;
	return -1;
}

/* "/N" -> N, else 0. */
static long long incident_id(const char *rest)
{
	char *end;
	long long id;

	if (rest[0] != '/' || rest[1] < '1' || rest[1] > '9')
		return 0;
	id = strtoll(rest + 1, &end, 10);
	return *end ? 0 : id;
}

static enum MHD_Result incident_list(struct zl_api_req *r)
{
	struct MHD_Connection *conn = r->conn;
	struct zl_incident_query q = { .severity = -1 };
	enum MHD_Result rc = MHD_NO;
	const char *sev = zl_api_arg(conn, "severity");
	long long since;
	char err[256];
	json_t *out, *sup;

	q.status = zl_api_arg(conn, "status");
	q.type = zl_api_arg(conn, "type");
	q.department = zl_api_arg(conn, "department");
	if (q.status && !known(q.status, statuses, sizeof(statuses) / sizeof(statuses[0])))
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, "status: expected new, acknowledged, "
				   "resolved or false_positive");
	if (q.type && zl_inc_type_by_name(q.type) < 0)
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, "type: expected risk, scan, bruteforce, "
				   "rogue-ra, rogue-dhcp, blocklist or policy");
	if (sev && (q.severity = severity_by_name(sev)) < 0)
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, "severity: expected info, low, medium, "
				   "high or critical");
	if (zl_api_arg_time(conn, "since", &since, err, sizeof(err)) < 0 ||
	    zl_api_arg_uint(conn, "limit", 100, 1000, &q.limit, err, sizeof(err)) < 0 ||
	    zl_api_arg_uint(conn, "offset", 0, 1000000, &q.offset, err, sizeof(err)) < 0)
		return zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, err);
	q.since_us = since;
	if (!zl_api_personal(r, ZL_ROLE_SECURITY | ZL_ROLE_AUDITOR, "incidents read", &rc))
		return rc;
	if (!(out = zl_store_incidents(r->c->ctx.store, &q, err, sizeof(err))) ||
	    !(sup = zl_store_incident_suppressed_sum(r->c->ctx.store, q.since_us, err, sizeof(err)))) {
		json_decref(out);
		return zl_api_fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	}
	json_object_set_new(out, "suppressed", sup);
	return zl_api_reply(conn, MHD_HTTP_OK, out);
}

enum MHD_Result zl_api_incidents_get(struct zl_api_req *r)
{
	enum MHD_Result rc = MHD_NO;
	long long id;
	char err[256] = "";
	int found;
	json_t *o;

	if (!*r->rest)
		return incident_list(r);
	if (!(id = incident_id(r->rest)))
		return zl_api_fail(r->conn, MHD_HTTP_NOT_FOUND, "expected GET /v1/incidents/N");
	if (!zl_api_personal(r, ZL_ROLE_SECURITY | ZL_ROLE_AUDITOR, "incident read", &rc))
		return rc;
	if (!(o = zl_store_incident(r->c->ctx.store, id, &found, err, sizeof(err))))
		return found || err[0] ? zl_api_fail(r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err) :
		       zl_api_fail(r->conn, MHD_HTTP_NOT_FOUND, "no such incident");
	return zl_api_reply(r->conn, MHD_HTTP_OK, o);
}

/* The action's status ("ack" -> "acknowledged"), NULL when unknown. */
static const char *action_status(const char *a)
{
	return !strcmp(a, "ack") ? "acknowledged" : !strcmp(a, "resolve") ? "resolved" :
	       !strcmp(a, "false-positive") ? "false_positive" : NULL;
}

/* POST /v1/incidents/N {"action": "ack|resolve|false-positive", "note", "assign"} */
enum MHD_Result zl_api_incidents_post(struct zl_api_req *r)
{
	enum MHD_Result rc = MHD_NO;
	const char *action, *note, *assign, *status = NULL;
	json_t *body, *v;
	char from[32] = "", why[200];
	long long id = incident_id(r->rest);
	int res;

	if (!id)
		return zl_api_fail(r->conn, MHD_HTTP_NOT_FOUND, "expected POST /v1/incidents/N");
	if (!(body = zl_api_body_json(r, &rc)))
		return rc;
	action = json_string_value(json_object_get(body, "action"));
	note = json_string_value(json_object_get(body, "note"));
	assign = json_string_value(json_object_get(body, "assign"));
	if (((v = json_object_get(body, "action")) && !action) ||
	    ((v = json_object_get(body, "note")) && !note) ||
	    ((v = json_object_get(body, "assign")) && !assign) ||
	    (action && !(status = action_status(action))) || (!action && !note && !assign) ||
	    (note && strlen(note) > 4000) || (assign && strlen(assign) > 63)) {
		json_decref(body);
		return zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST, "expected {\"action\": \"ack\", "
				   "\"resolve\" or \"false-positive\", \"note\": TEXT (at most 4000 "
				   "bytes), \"assign\": USER} (at least one)");
	}
	res = zl_store_incident_change(r->c->ctx.store, id, status, assign, note, r->who.account,
				       from, sizeof(from));
	if (res == -EINVAL)
		snprintf(why, sizeof(why), "an incident that is %s cannot become %s", from, status);
	else
		snprintf(why, sizeof(why), "%s", res == -ENOENT ? "no such incident" :
			 res < 0 ? "the change could not be written" : "ok");
	zl_api_audit_event(r, NULL, res == 0 ? "incident change" : "incident change refused",
			   json_pack("{s:I, s:s?, s:s?, s:s?, s:s?, s:s}", "incident", (json_int_t)id,
				     "from", from[0] ? from : NULL, "to", status,
				     "assign", assign, "note", note, "result", why));
	json_decref(body);
	if (res < 0)
		return zl_api_fail(r->conn, res == -ENOENT ? MHD_HTTP_NOT_FOUND :
				   res == -EINVAL ? MHD_HTTP_CONFLICT :
				   MHD_HTTP_SERVICE_UNAVAILABLE, why);
	return zl_api_reply(r->conn, MHD_HTTP_OK, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
							     "from", from, "status",
							     status ? status : from));
}
