/*
 * api_users.c - the control API's administration of console accounts
 * (admin role or local root: the route table says so) and the web
 * console's announcement of its address and certificate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "users.h"

enum MHD_Result zl_api_users_get(struct zl_api_req *r)
{
	json_t *j = r->c->users ? zl_users_list(r->c->users) : NULL;

	if (!j)
		return zl_api_fail(r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "the accounts cannot be read");
	return zl_api_reply(r->conn, MHD_HTTP_OK, j);
}

static enum MHD_Result users_add(struct zl_api_req *r)
{
	enum MHD_Result rc = MHD_NO;
	json_t *body = zl_api_body_json(r, &rc);
	const char *name, *role;
	char pw[32], why[200];
	int res;

	if (!body)
		return rc;
	name = json_string_value(json_object_get(body, "name"));
	role = json_string_value(json_object_get(body, "role"));
	if (!name || !role) {
		json_decref(body);
		return zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST, "expected {\"name\", \"role\"} (strings)");
	}
	res = zl_users_add(r->c->users, name, role, pw, sizeof(pw), why, sizeof(why));
	zl_api_audit_event(r, NULL, res == ZL_USERS_OK ? "user added" : "user add refused",
			   json_pack("{s:s, s:s, s:s}", "name", name, "role", role,
				     "result", res == ZL_USERS_OK ? "ok" : why));
	if (res != ZL_USERS_OK) {
		json_decref(body);
		return zl_api_fail(r->conn, zl_api_users_status(res), why);
	}
	rc = zl_api_reply(r->conn, MHD_HTTP_OK, json_pack("{s:s, s:s, s:s}", "name", name,
							   "role", role, "password", pw));
	json_decref(body);
	return rc;
}

/* POST /v1/users/NAME/ACTION */
enum MHD_Result zl_api_users_post(struct zl_api_req *r)
{
	static const char *const actions[] = { "disable", "enable", "reset-2fa", "passwd" };
	const char *slash, *act;
	char name[64], pw[32] = "", why[200], action[40];
	size_t i, n;
	int res;

	if (!r->c->users)
		return zl_api_fail(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no console accounts");
	if (!*r->rest)
		return users_add(r);
	slash = strchr(r->rest + 1, '/');
	n = slash ? (size_t)(slash - r->rest - 1) : 0;
	act = slash ? slash + 1 : "";
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(act, actions[i]))
			break;
	if (!slash || !n || n >= sizeof(name) || i == sizeof(actions) / sizeof(actions[0]))
		return zl_api_fail(r->conn, MHD_HTTP_NOT_FOUND, "expected POST /v1/users/NAME/"
				   "disable|enable|reset-2fa|passwd");
	memcpy(name, r->rest + 1, n);
	name[n] = 0;
	switch (i) {
	case 0: case 1: res = zl_users_enable(r->c->users, name, i == 1, why, sizeof(why)); break;
	case 2: res = zl_users_reset_totp(r->c->users, name, why, sizeof(why)); break;
	default: res = zl_users_passwd(r->c->users, name, pw, sizeof(pw), why, sizeof(why)); break;
	}
	snprintf(action, sizeof(action), "user %s%s", act, res == ZL_USERS_OK ? "" : " refused");
	zl_api_audit_event(r, NULL, action, json_pack("{s:s, s:s}", "name", name, "result",
						      res == ZL_USERS_OK ? "ok" : why));
	if (res != ZL_USERS_OK)
		return zl_api_fail(r->conn, zl_api_users_status(res), why);
	if (i == 3)
		return zl_api_reply(r->conn, MHD_HTTP_OK, json_pack("{s:s, s:s}", "name", name,
								     "password", pw));
	return zl_api_reply(r->conn, MHD_HTTP_OK, json_pack("{s:s, s:s}", "name", name,
							     "result", act));
}

/* Printable ASCII, 1 to max bytes. */
static int printable(const char *s, size_t max)
{
	size_t i;

	if (!s || !*s)
		return 0;
	for (i = 0; s[i]; i++)
		if (i >= max || s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	return 1;
}

enum MHD_Result zl_api_web_announce(struct zl_api_req *r)
{
	enum MHD_Result rc = MHD_NO;
	json_t *body = zl_api_body_json(r, &rc);
	struct zl_api_web *w = &r->c->web;
	const char *listen, *fp;

	if (!body)
		return rc;
	listen = json_string_value(json_object_get(body, "listen"));
	fp = json_string_value(json_object_get(body, "fingerprint"));
	if (!printable(listen, sizeof(w->listen) - 1) || !printable(fp, sizeof(w->fingerprint) - 1)) {
		json_decref(body);
		return zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST, "expected {\"listen\": \"ADDRESS:PORT\", "
				   "\"fingerprint\": \"SHA256 hex with colons\"}");
	}
	pthread_mutex_lock(&w->lock);
	snprintf(w->listen, sizeof(w->listen), "%s", listen);
	snprintf(w->fingerprint, sizeof(w->fingerprint), "%s", fp);
	w->since_us = zl_api_now_us();
	pthread_mutex_unlock(&w->lock);
	zl_api_audit_event(r, NULL, "web console announced", json_pack("{s:s, s:s}", "listen",
			   listen, "fingerprint", fp));
	json_decref(body);
	return zl_api_reply(r->conn, MHD_HTTP_OK, json_pack("{s:s}", "result", "announced"));
}

json_t *zl_api_web_status(struct zl_control *c)
{
	struct zl_api_web *w = &c->web;
	json_t *j = json_null();
	char since[32];
	time_t t;
	struct tm tm;

	pthread_mutex_lock(&w->lock);
	if (w->since_us) {
		t = (time_t)(w->since_us / 1000000);
		gmtime_r(&t, &tm);
		strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
		j = json_pack("{s:s, s:s, s:s}", "listen", w->listen, "fingerprint", w->fingerprint,
			      "since", since);
	}
	pthread_mutex_unlock(&w->lock);
	return j;
}
