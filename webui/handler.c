/*
 * handler.c - the browser-facing requests.
 *
 * The trust boundary: nothing from the browser reaches the daemon but the
 * method, the path under /api, the query string, the body and its
 * Content-Type. Who is asking (X-Zhulan-User/Role/Client) comes from the
 * session table and the connection, never from the browser's headers,
 * which are not forwarded at all.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <jansson.h>

#include "handler.h"
#include "log.h"
#include "proxy.h"

#define MAX_BODY (16u << 20)   /* an address-book import fits */
#define COOKIE "__Host-zl_session"

struct zlw_handler {
	const char *sock;
	struct zlw_sessions *sessions;
	struct zlw_static *files;
};

/* One request: the raw URI (path and query as the browser sent them) and
 * the body as it arrives. */
struct req {
	char *uri;
	char *body;
	size_t len, cap;
	int started, too_big;
};

struct zlw_handler *zlw_handler_new(const char *control_socket, struct zlw_sessions *sessions,
				    struct zlw_static *files)
{
	struct zlw_handler *h = calloc(1, sizeof(*h));

	if (h) {
		h->sock = control_socket;
		h->sessions = sessions;
		h->files = files;
	}
	return h;
}

void zlw_handler_free(struct zlw_handler *h)
{
	free(h);
}

void *zlw_handler_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct req *r = calloc(1, sizeof(*r));

	if (r)
		r->uri = strdup(uri);
	return r;
}

void zlw_handler_done(void *cls, struct MHD_Connection *c, void **req,
		      enum MHD_RequestTerminationCode why)
{
	struct req *r = *req;

	if (r) {
		free(r->uri);
		free(r->body);
		free(r);
	}
	*req = NULL;
}

/* ---- answers ---- */

static void security_headers(struct MHD_Response *r, int api)
{
	MHD_add_response_header(r, "Content-Security-Policy",
		"default-src 'self'; script-src 'self'; object-src 'none'; "
		"frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cache-Control", api ? "no-store" : "no-cache");
}

/* Queue r (destroyed here) with the headers every answer carries. */
static enum MHD_Result send_response(struct MHD_Connection *c, unsigned status,
				     struct MHD_Response *r, int api)
{
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	security_headers(r, api);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static struct MHD_Response *json_response(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	struct MHD_Response *r;

	json_decref(j);
	if (!s)
		return NULL;
	r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(s);
		return NULL;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	return r;
}

static enum MHD_Result fail(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return send_response(c, status, json_response(json_pack("{s:s}", "error", msg)), 1);
}

static void set_cookie(struct MHD_Response *r, const char *id)
{
	char v[200];

	if (id)
		snprintf(v, sizeof(v), COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict", id);
	else
		snprintf(v, sizeof(v), COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
	MHD_add_response_header(r, "Set-Cookie", v);
}

/* ---- the daemon ---- */

static void client_addr(struct MHD_Connection *c, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(buf, len, "unknown");
	if (sa && sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)len);
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a))
			inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)len);
		else
			inet_ntop(AF_INET6, a, buf, (socklen_t)len);
	}
}

/* A header value we are about to send the daemon: no control characters. */
static int header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* Ask the daemon, as the session's user when info is set. */
static struct zlw_upstream *ask(struct zlw_handler *h, struct MHD_Connection *c,
				const struct zlw_session_info *info, const char *method,
				const char *path, const struct req *r)
{
	char user[128], role[64], client[96], ctype[160];
	const char *hdrs[5];
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	int n = 0;

	client_addr(c, client + 17, sizeof(client) - 17);
	memcpy(client, "X-Zhulan-Client: ", 17);
	hdrs[n++] = client;
	if (info) {
		snprintf(user, sizeof(user), "X-Zhulan-User: %s", info->user);
		snprintf(role, sizeof(role), "X-Zhulan-Role: %s", info->role);
		hdrs[n++] = user;
		hdrs[n++] = role;
	}
	if (r && r->len) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s",
			 ct && header_safe(ct) && strlen(ct) < 128 ? ct : "application/json");
		hdrs[n++] = ctype;
	}
	hdrs[n] = NULL;
	/* HEAD is a GET whose body libmicrohttpd leaves out: the daemon need
	 * not know HEAD, and curl would wait for a body after one */
	if (!strcmp(method, "HEAD"))
		method = "GET";
	return zlw_upstream_start(h->sock, method, path, r && r->len ? r->body : NULL,
				  r ? r->len : 0, hdrs);
}

static enum MHD_Result no_daemon(struct MHD_Connection *c, struct zlw_upstream *u)
{
	char msg[400];

	snprintf(msg, sizeof(msg), "the zhulan daemon does not answer: %s",
		 u ? zlw_upstream_error(u) : "out of memory");
	zl_log_warnx("%s", msg);
	zlw_upstream_free(u);
	return fail(c, MHD_HTTP_BAD_GATEWAY, "the zhulan daemon does not answer");
}

/* The daemon's JSON answer read whole, or NULL. */
static json_t *answer_json(struct zlw_upstream *u)
{
	const char *body;
	size_t len;

	if (zlw_upstream_body(u, &body, &len) < 0)
		return NULL;
	return json_loadb(body, len, 0, NULL);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	ssize_t n = zlw_upstream_read(cls, buf, max);

	return n > 0 ? n : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM :
		MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
	zlw_upstream_free(cls);
}

/* Pass the daemon's answer to the browser (u is consumed): its status,
 * Content-Type, Content-Disposition, X-Zhulan-Next-Before-Id and body, the
 * body streamed when it had not all arrived with the headers. */
static enum MHD_Result relay(struct MHD_Connection *c, struct zlw_upstream *u)
{
	static const char *const pass[] = { "Content-Type", "Content-Disposition",
					    "X-Zhulan-Next-Before-Id", NULL };
	struct MHD_Response *r;
	long status = zlw_upstream_status(u);
	const char *body, *v;
	size_t len;
	int i;

	if (!status)
		return no_daemon(c, u);
	if (zlw_upstream_complete(u)) {
		if (zlw_upstream_body(u, &body, &len) < 0)
			return no_daemon(c, u);
		r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	} else {
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read,
						      u, stream_free);
	}
	if (!r) {
		zlw_upstream_free(u);
		return MHD_NO;
	}
	for (i = 0; pass[i]; i++)
		if ((v = zlw_upstream_header(u, pass[i])))
			MHD_add_response_header(r, pass[i], v);
	if (zlw_upstream_complete(u))
		zlw_upstream_free(u);
	return send_response(c, (unsigned)status, r, 1);
}

/* ---- login, logout, session ---- */

static int jbool(json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k));
}

static enum MHD_Result login(struct zlw_handler *h, struct MHD_Connection *c, struct req *r)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	struct zlw_session_info info = { .limited = 0 };
	struct zlw_upstream *u;
	struct MHD_Response *resp;
	char client[64], id[ZLW_SESSION_HEX];
	const char *user, *role;
	json_t *j;

	client_addr(c, client, sizeof(client));
	/* A form on another site cannot send JSON without asking first. */
	if (!ct || strncasecmp(ct, "application/json", 16))
		return fail(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "login: expected application/json");
	if (zlw_login_attempt(h->sessions, client) < 0) {
		zl_log_warnx("login: too many attempts from %s", client);
		return fail(c, MHD_HTTP_TOO_MANY_REQUESTS, "too many attempts from this address");
	}
	u = ask(h, c, NULL, "POST", "/v1/login", r);
	if (!u || !zlw_upstream_status(u))
		return no_daemon(c, u);
	if (zlw_upstream_status(u) != MHD_HTTP_OK)
		return relay(c, u);
	j = answer_json(u);
	zlw_upstream_free(u);
	user = json_string_value(json_object_get(j, "user"));
	role = json_string_value(json_object_get(j, "role"));
	if (!user || !role || strlen(user) >= sizeof(info.user) || strlen(role) >= sizeof(info.role) ||
	    !header_safe(user) || !header_safe(role)) {
		json_decref(j);
		zl_log_warnx("login: the daemon's answer has no usable user and role");
		return fail(c, MHD_HTTP_BAD_GATEWAY, "the zhulan daemon's answer is not understood");
	}
	snprintf(info.user, sizeof(info.user), "%s", user);
	snprintf(info.role, sizeof(info.role), "%s", role);
	info.limited = jbool(j, "must_change") || jbool(j, "totp_enroll");
	if (zlw_session_create(h->sessions, &info, id) < 0) {
		json_decref(j);
		return fail(c, MHD_HTTP_SERVICE_UNAVAILABLE, "too many sessions");
	}
	json_object_set_new(j, "csrf", json_string(info.csrf));
	/* a login replaces the browser's previous session, if any */
	zlw_session_end(h->sessions, MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE));
	zl_log_info("login: %s (%s) from %s%s", info.user, info.role, client,
		    info.limited ? ", limited until the account is set up" : "");
	resp = json_response(j);
	if (resp)
		set_cookie(resp, id);
	return send_response(c, MHD_HTTP_OK, resp, 1);
}

static enum MHD_Result logout(struct zlw_handler *h, struct MHD_Connection *c, const char *id,
			      const struct zlw_session_info *info)
{
	struct zlw_upstream *u = ask(h, c, info, "POST", "/v1/logout", NULL);
	struct MHD_Response *resp;

	zlw_upstream_free(u);   /* the daemon's audit row is best effort */
	zlw_session_end(h->sessions, id);
	resp = json_response(json_pack("{s:b}", "logged_out", 1));
	if (resp)
		set_cookie(resp, NULL);
	return send_response(c, MHD_HTTP_OK, resp, 1);
}

/* The daemon's /v1/session for this session: its JSON (new reference) or
 * NULL; the limited flag follows the daemon's answer, and a session the
 * daemon no longer accepts (account disabled, role changed) ends. */
static json_t *refresh(struct zlw_handler *h, struct MHD_Connection *c, const char *id,
		       const struct zlw_session_info *info, long *status)
{
	struct zlw_upstream *u = ask(h, c, info, "GET", "/v1/session", NULL);
	json_t *j = NULL;

	*status = u ? zlw_upstream_status(u) : 0;
	if (*status == MHD_HTTP_OK && (j = answer_json(u)))
		zlw_session_set_limited(h->sessions, id,
					jbool(j, "must_change") || jbool(j, "totp_enroll"));
	else if (*status == MHD_HTTP_UNAUTHORIZED || *status == MHD_HTTP_FORBIDDEN)
		zlw_session_end(h->sessions, id);
	zlw_upstream_free(u);
	return j;
}

static enum MHD_Result session(struct zlw_handler *h, struct MHD_Connection *c, const char *id,
			       const struct zlw_session_info *info)
{
	long status;
	json_t *j = refresh(h, c, id, info, &status);

	if (!j) {
		if (status == MHD_HTTP_UNAUTHORIZED || status == MHD_HTTP_FORBIDDEN)
			return fail(c, MHD_HTTP_UNAUTHORIZED, "not logged in");
		return fail(c, MHD_HTTP_BAD_GATEWAY, "the zhulan daemon does not answer");
	}
	json_object_set_new(j, "csrf", json_string(info->csrf));
	return send_response(c, MHD_HTTP_OK, json_response(j), 1);
}

/* ---- routing ---- */

static int changes_state(const char *method)
{
	return strcmp(method, "GET") && strcmp(method, "HEAD");
}

/* An Origin header, when present, must be this console's own origin. */
static int same_origin(struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");

	if (!origin)
		return 1;
	return host && !strncmp(origin, "https://", 8) && !strcmp(origin + 8, host);
}

/* What a limited session (password to change, TOTP to enrol) may reach. */
static int limited_ok(const char *path)
{
	return !strcmp(path, "/v1/session") || !strcmp(path, "/v1/logout") ||
	       !strncmp(path, "/v1/account/", 12);
}

/* The raw URI is forwarded as it came: visible ASCII only. */
static int raw_ok(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return 0;
	return 1;
}

/* The decoded path, which decisions are made on (and the daemon sees): no
 * control characters, no "." or ".." segment, however it was escaped. */
static int decoded_ok(const char *p)
{
	const char *s;

	for (s = p; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	for (s = p; (s = strchr(s, '/')); s++)
		if (s[1] == '.' && (!s[2] || s[2] == '/' || (s[2] == '.' && (!s[3] || s[3] == '/'))))
			return 0;
	return 1;
}

static int known_method(const char *m)
{
	return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "POST") ||
	       !strcmp(m, "PUT") || !strcmp(m, "PATCH") || !strcmp(m, "DELETE");
}

/*
 * url is the decoded path; routing and the limited-session check use it
 * (url + 4: "/v1/..."), so no escaping ("/api/v1/log%69n") reaches an
 * endpoint by another name. The raw path and query are what is forwarded.
 */
static enum MHD_Result api(struct zlw_handler *h, struct MHD_Connection *c, const char *url,
			   const char *method, struct req *r)
{
	const char *raw = r->uri ? r->uri : "", *v1 = url + 4;
	const char *id = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE);
	const char *token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
	struct zlw_session_info info;
	struct zlw_upstream *u;
	char path[8192];
	enum MHD_Result rc;
	long status;
	int account;

	if (strncmp(url, "/api/v1/", 8) || strncmp(raw, "/api/v1/", 8) || strlen(raw) >= sizeof(path) ||
	    !raw_ok(raw) || !decoded_ok(url))
		return fail(c, MHD_HTTP_NOT_FOUND, "no such endpoint");
	if (!known_method(method))
		return fail(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	snprintf(path, sizeof(path), "%s", raw + 4);   /* "/v1/..." and the query */
	if (changes_state(method) && !same_origin(c))
		return fail(c, MHD_HTTP_FORBIDDEN, "cross-origin request refused");
	if (!strcmp(v1, "/v1/login")) {
		if (strcmp(method, "POST"))
			return fail(c, MHD_HTTP_METHOD_NOT_ALLOWED, "login: POST only");
		return login(h, c, r);
	}
	if (zlw_session_get(h->sessions, id, &info) < 0)
		return fail(c, MHD_HTTP_UNAUTHORIZED, "not logged in");
	if (changes_state(method) && (!token || !zlw_token_equal(token, info.csrf)))
		return fail(c, MHD_HTTP_FORBIDDEN, "missing or wrong X-CSRF-Token");
	if (!strcmp(v1, "/v1/logout") && !strcmp(method, "POST"))
		return logout(h, c, id, &info);
	if (info.limited && !limited_ok(v1))
		return fail(c, MHD_HTTP_FORBIDDEN,
			    "change your password or enrol TOTP first");
	if (!strcmp(v1, "/v1/session") && !strcmp(method, "GET"))
		return session(h, c, id, &info);
	u = ask(h, c, &info, method, path, r);
	if (!u)
		return MHD_NO;
	account = !strncmp(v1, "/v1/account/", 12) && zlw_upstream_status(u) == MHD_HTTP_OK;
	rc = relay(c, u);
	if (account) {
		/* password changed, TOTP enrolled: is the session still limited?
		 * (asked after u is done with, so one request holds one slot) */
		json_decref(refresh(h, c, id, &info, &status));
	}
	return rc;
}

enum MHD_Result zlw_handler_access(void *cls, struct MHD_Connection *c, const char *url,
				   const char *method, const char *version, const char *upload,
				   size_t *upload_size, void **reqp)
{
	struct zlw_handler *h = cls;
	struct req *r = *reqp;
	struct MHD_Response *resp;
	unsigned status = MHD_HTTP_NOT_FOUND;

	if (!r)
		return MHD_NO;
	if (!r->started) {
		r->started = 1;
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->len + *upload_size > MAX_BODY) {
			r->too_big = 1;
		} else if (!r->too_big) {
			if (r->len + *upload_size + 1 > r->cap) {
				size_t cap = (r->len + *upload_size + 1) * 2;
				char *p = realloc(r->body, cap);
				if (!p)
					return MHD_NO;
				r->body = p;
				r->cap = cap;
			}
			memcpy(r->body + r->len, upload, *upload_size);
			r->len += *upload_size;
			r->body[r->len] = 0;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->too_big)
		return fail(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large (16 MB at most)");
	if (!strncmp(url, "/api/", 5) || !strcmp(url, "/api"))
		return api(h, c, url, method, r);
	if (changes_state(method))
		return send_response(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				     MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT), 0);
	resp = zlw_static_response(h->files, url, &status);
	if (!resp) {
		static const char nf[] = "not found\n";
		resp = MHD_create_response_from_buffer(sizeof(nf) - 1, (void *)nf,
						       MHD_RESPMEM_PERSISTENT);
		if (resp)
			MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
		return send_response(c, status, resp, 0);
	}
	return send_response(c, MHD_HTTP_OK, resp, 0);
}
