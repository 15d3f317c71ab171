/*
 * api_account.c - the control API's routes for one console account: login
 * (called by zhulan-web with the browser's address, no user headers yet),
 * logout, the session's account, password change and TOTP enrolment.
 * Passwords and codes are checked by daemon/users/; every outcome is an
 * audit row (never with a password or a code in it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "users.h"

unsigned zl_api_users_status(int result)
{
	switch (result) {
	case ZL_USERS_OK: return MHD_HTTP_OK;
	case ZL_USERS_DENIED: return MHD_HTTP_UNAUTHORIZED;
	case ZL_USERS_LOCKED: return MHD_HTTP_LOCKED;
	case ZL_USERS_RATE: return MHD_HTTP_TOO_MANY_REQUESTS;
	case ZL_USERS_INVALID: return MHD_HTTP_UNPROCESSABLE_CONTENT;
	case ZL_USERS_NOT_FOUND: return MHD_HTTP_NOT_FOUND;
	case ZL_USERS_EXISTS: return MHD_HTTP_CONFLICT;
	}
	return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

int zl_api_audit_event(struct zl_api_req *r, const char *who, const char *action,
		       json_t *detail)
{
	char *s = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
	int rc = zl_store_audit(r->c->ctx.store, who ? who : r->who.name, action, s ? s : "");

	free(s);
	json_decref(detail);
	return rc;
}

/* A string member of the body, or NULL. */
static const char *member(json_t *body, const char *key)
{
	return json_string_value(json_object_get(body, key));
}

static void rfc3339(long long s, char *buf, size_t len)
{
	time_t t = (time_t)s;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *account_json(const struct zl_account *a)
{
	return json_pack("{s:s, s:s, s:b, s:b, s:i}", "user", a->name, "role", a->role,
			 "must_change", a->must_change, "totp_enroll", a->totp_enroll,
			 "password_expires_days", a->expires_days);
}

/* The endpoints of one's own account need one: local tools have none. */
static int need_account(struct zl_api_req *r, enum MHD_Result *rc)
{
	if (r->who.user)
		return 1;
	*rc = zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST,
			  "this endpoint is a console account's (X-Zhulan-User)");
	return 0;
}

enum MHD_Result zl_api_login(struct zl_api_req *r)
{
	enum MHD_Result rc = MHD_NO;
	json_t *body = zl_api_body_json(r, &rc), *out;
	const char *user, *pw, *code, *client = r->who.client;
	struct zl_account a;
	char why[200], who[300], until[32];
	int res, just_locked = 0;

	if (!body)
		return rc;
	user = member(body, "user");
	pw = member(body, "password");
	code = member(body, "totp");
	if (!user || !pw) {
		json_decref(body);
		return zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST,
				   "expected {\"user\", \"password\", \"totp\"?} (strings)");
	}
	if (!r->c->users) {
		json_decref(body);
		return zl_api_fail(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no console logins");
	}
	res = zl_users_login(r->c->users, user, pw, code && *code ? code : NULL, client, &a,
			     &just_locked, why, sizeof(why));
	snprintf(who, sizeof(who), "%.64s via %s%s%.46s", user, r->who.name,
		 client ? " from " : "", client ? client : "");
	if (res == ZL_USERS_OK) {
		zl_api_audit_event(r, who, "login", json_pack("{s:s, s:s, s:s?}", "user", a.name,
				   "role", a.role, "client", client));
		json_decref(body);
		return zl_api_reply(r->conn, MHD_HTTP_OK, account_json(&a));
	}
	zl_api_audit_event(r, who, res == ZL_USERS_DENIED ? "login failed" : "login refused",
			   json_pack("{s:s, s:s?, s:s}", "user", user, "client", client,
				     "reason", why));
	if (a.locked_until)
		rfc3339(a.locked_until, until, sizeof(until));
	if (just_locked)
		zl_api_audit_event(r, who, "account locked",
				   json_pack("{s:s, s:s}", "user", user, "until", until));
	json_decref(body);
	if (res == ZL_USERS_LOCKED || just_locked) {
		snprintf(why, sizeof(why), "account locked until %s", until);
		out = json_pack("{s:s, s:s}", "error", why, "locked_until", until);
		return zl_api_reply(r->conn, MHD_HTTP_LOCKED, out);
	}
	if (res == ZL_USERS_DENIED)
		return zl_api_fail(r->conn, MHD_HTTP_UNAUTHORIZED, "wrong user name, password or code");
	return zl_api_fail(r->conn, zl_api_users_status(res), why);
}

enum MHD_Result zl_api_logout(struct zl_api_req *r)
{
	enum MHD_Result rc = MHD_NO;

	if (!need_account(r, &rc))
		return rc;
	zl_api_audit_event(r, NULL, "logout", json_pack("{s:s}", "user", r->who.user));
	return zl_api_reply(r->conn, MHD_HTTP_OK, json_pack("{s:s}", "result", "logged out"));
}

enum MHD_Result zl_api_session(struct zl_api_req *r)
{
	enum MHD_Result rc = MHD_NO;
	struct zl_account a;

	if (!need_account(r, &rc))
		return rc;
	/* authorize() has just read the account: it exists */
	if (zl_users_get(r->c->users, r->who.user, &a) != 1)
		return zl_api_fail(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE, "the accounts cannot be read");
	return zl_api_reply(r->conn, MHD_HTTP_OK, account_json(&a));
}

/* Audit an account change's outcome and answer it. */
static enum MHD_Result outcome(struct zl_api_req *r, int res, const char *done,
			       const char *refused, const char *why)
{
	zl_api_audit_event(r, NULL, res == ZL_USERS_OK ? done : refused,
			   json_pack("{s:s, s:s}", "user", r->who.user, "result",
				     res == ZL_USERS_OK ? "ok" : why));
	if (res != ZL_USERS_OK)
		return zl_api_fail(r->conn, zl_api_users_status(res), why);
	return zl_api_reply(r->conn, MHD_HTTP_OK, json_pack("{s:s}", "result", done));
}

enum MHD_Result zl_api_account_password(struct zl_api_req *r)
{
	enum MHD_Result rc = MHD_NO;
	const char *old, *pw;
	json_t *body;
	char why[200];
	int res;

	if (!need_account(r, &rc) || !(body = zl_api_body_json(r, &rc)))
		return rc;
	old = member(body, "old");
	pw = member(body, "new");
	res = old && pw ? (int)zl_users_change_password(r->c->users, r->who.user, old, pw, why,
						   sizeof(why)) : -1;
	json_decref(body);
	if (res < 0)
		return zl_api_fail(r->conn, MHD_HTTP_BAD_REQUEST, "expected {\"old\", \"new\"} (strings)");
	return outcome(r, res, "password changed", "password change refused", why);
}

enum MHD_Result zl_api_totp_begin(struct zl_api_req *r)
{
	enum MHD_Result rc = MHD_NO;
	char secret[64], uri[256], why[200];
	json_t *qr;
	int res;

	if (!need_account(r, &rc))
		return rc;
	res = zl_users_totp_begin(r->c->users, r->who.user, secret, sizeof(secret), uri,
				  sizeof(uri), why, sizeof(why));
	if (res != ZL_USERS_OK)
		return zl_api_fail(r->conn, zl_api_users_status(res), why);
	if (!(qr = zl_users_qr(uri)))
		return zl_api_fail(r->conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot draw the QR code");
	zl_api_audit_event(r, NULL, "totp enrolment begun", json_pack("{s:s}", "user", r->who.user));
	return zl_api_reply(r->conn, MHD_HTTP_OK,
			    json_pack("{s:s, s:s, s:o}", "secret", secret, "uri", uri, "qr", qr));
}

enum MHD_Result zl_api_totp_finish(struct zl_api_req *r)
{
	enum MHD_Result rc = MHD_NO;
	json_t *body;
	char why[200];
	int res;

	if (!need_account(r, &rc) || !(body = zl_api_body_json(r, &rc)))
		return rc;
	res = zl_users_totp_finish(r->c->users, r->who.user, member(body, "code"), why, sizeof(why));
	json_decref(body);
	return outcome(r, res, "totp enrolled", "totp enrolment failed", why);
}
