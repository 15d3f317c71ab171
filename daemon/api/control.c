/*
 * control.c - the control API over a unix socket.
 *
 * The socket file is 0660 and belongs to the daemon's group, so only root
 * and that group (the web console's user is put in it) can connect; the
 * peer's uid (SO_PEERCRED) and, for the console, the X-Zhulan-User header
 * name who asked, in the audit table. Every route names the roles that may
 * call it (docs/API.md); the handlers live in api_*.c.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <libgen.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <jansson.h>
#include <microhttpd.h>

#include "aggcache.h"
#include "api.h"
#include "flowjson.h"
#include "log.h"
#include "timearg.h"
#include "users.h"



int zl_control_socket(const char *path, gid_t gid, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *dcopy = strdup(path), *dir;
	struct stat st;
	int fd;

	if (!dcopy)
		return -1;
	dir = dirname(dcopy);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a unix socket", path);
		free(dcopy);
		return -1;
	}
	if (stat(dir, &st) < 0) {
		if (errno != ENOENT || mkdir(dir, 0750) < 0 || stat(dir, &st) < 0) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			free(dcopy);
			return -1;
		}
		if (chown(dir, 0, gid) < 0) { /* root:group, 0750 */ }
	}
	/* A directory others can write to lets them replace our socket. */
	if ((st.st_mode & S_IWOTH) || (st.st_uid != 0 && st.st_uid != geteuid())) {
		snprintf(err, errlen, "%s: refusing a control socket in a directory "
			 "that others can write to (mode %03o, owner uid %u)",
			 dir, st.st_mode & 0777, st.st_uid);
		free(dcopy);
		return -1;
	}
	free(dcopy);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	strcpy(sa.sun_path, path);
	/* A socket that answers belongs to a live daemon: never take it over.
	 * Only a dead one (ECONNREFUSED) is removed. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		snprintf(err, errlen, "%s: another process answers on this socket; "
			 "not taking it over", path);
		close(fd);
		return -1;
	}
	if ((errno == ECONNREFUSED && unlink(path) < 0) ||
	    (errno != ECONNREFUSED && errno != ENOENT)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0660) < 0 || chown(path, 0, gid) < 0 ||
	    listen(fd, 64) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

enum MHD_Result zl_api_reply(struct MHD_Connection *conn, unsigned code, json_t *body)
{
	char *s = json_dumps(body, JSON_COMPACT);
	struct MHD_Response *r;
	enum MHD_Result rc;

	json_decref(body);
	if (!s)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	rc = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return rc;
}

enum MHD_Result zl_api_fail(struct MHD_Connection *conn, unsigned code, const char *msg)
{
	return zl_api_reply(conn, code, json_pack("{s:s}", "error", msg));
}

int zl_api_arg_time(struct MHD_Connection *conn, const char *name, long long *us,
		     char *err, size_t errlen)
{
	return zl_timearg_parse(name, MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name),
				zl_api_now_us(), us, err, errlen);
}

int zl_api_arg_uint(struct MHD_Connection *conn, const char *name, unsigned def, unsigned max,
		    unsigned *out, char *err, size_t errlen)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name), *p;
	unsigned long long n = 0;

	*out = def;
	if (!v || !*v)
		return 0;
	/* plain digits only: no sign, no spaces, no hex, no "10abc" */
	for (p = v; *p >= '0' && *p <= '9'; p++)
		if ((n = n * 10 + (unsigned)(*p - '0')) > max)
			n = max;
	if (*p) {
		snprintf(err, errlen, "%s: \"%.40s\" is not a whole number (0 to %u)", name, v, max);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

const char *zl_api_arg(struct MHD_Connection *conn, const char *name)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
	return v && *v ? v : NULL;
}

long long zl_api_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

#define MAX_BODY (64u << 20)       /* a policy with a large blocklist */

static enum MHD_Result body_add(struct zl_api_body *b, const char *data, size_t n)
{
	if (b->too_big || b->len + n + 1 > MAX_BODY) {
		b->too_big = 1;
		return MHD_YES;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *v = realloc(b->buf, cap);
		if (!v)
			return MHD_NO;
		b->buf = v;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = 0;
	return MHD_YES;
}

json_t *zl_api_body_json(struct zl_api_req *r, enum MHD_Result *rc)
{
	const struct zl_api_body *b = r->body;
	struct MHD_Connection *conn = r->conn;
	json_error_t je;
	json_t *j;
	char msg[300];

	if (b->too_big) {
		*rc = zl_api_fail(conn, MHD_HTTP_CONTENT_TOO_LARGE, "request body over 64 MiB");
		return NULL;
	}
	j = json_loadb(b->buf ? b->buf : "{}", b->buf ? b->len : 2, 0, &je);
	if (!j || !json_is_object(j)) {
		snprintf(msg, sizeof(msg), "request body: expected a JSON object%s%s",
			 j ? "" : ": ", j ? "" : je.text);
		json_decref(j);
		*rc = zl_api_fail(conn, MHD_HTTP_BAD_REQUEST, msg);
		return NULL;
	}
	return j;
}

static void completed(void *cls, struct MHD_Connection *conn, void **state,
		      enum MHD_RequestTerminationCode toe)
{
	struct zl_api_body *b = *state;

	(void)cls; (void)conn; (void)toe;
	if (b) {
		free(b->buf);
		free(b);
		*state = NULL;
	}
}

static const char *const role_names[] = { "admin", "security", "auditor", "report" };

unsigned zl_role_bit(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (!strcmp(name, role_names[i]))
			return 1u << i;
	return 0;
}

const char *zl_role_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (bit == 1u << i)
			return role_names[i];
	return "";
}

/* Route flags. */
enum {
	R_PREFIX = 1,       /* the path is a prefix ending where a '/' or the end follows */
	R_GROUP = 2,        /* local callers of the daemon's group (not root) may call it */
	R_LIMITED = 4,      /* open to a limited account (must change its password or
			     * enrol TOTP first) */
};

struct route {
	const char *method, *path;
	unsigned flags;
	unsigned roles;     /* console roles allowed (local root always is) */
	zl_api_fn fn;
};

#define A ZL_ROLE_ADMIN
#define S ZL_ROLE_SECURITY
#define U ZL_ROLE_AUDITOR
#define P ZL_ROLE_REPORT
/* Each route's roles are documented in docs/API.md; keep the two in step. */
static const struct route routes[] = {
	{ "GET",  "/v1/status",       R_GROUP,  A | S | P,     zl_api_status },
	{ "GET",  "/v1/flows",        0,        S,             zl_api_flows },
	{ "GET",  "/v1/top",          0,        A | S | P,     zl_api_top },
	{ "GET",  "/v1/series",       0,        A | S | P,     zl_api_series },
	{ "GET",  "/v1/audit",        0,        U,             zl_api_audit },
	{ "GET",  "/v1/access-log",   0,        S,             zl_api_access_log },
	{ "POST", "/v1/reload",       0,        A,             zl_api_reload },
	{ "GET",  "/v1/policy",       R_PREFIX, A,             zl_api_policy_get },
	{ "POST", "/v1/policy",       R_PREFIX, A,             zl_api_policy_post },
	{ "GET",  "/v1/hosts",        0,        A | S,         zl_api_hosts },
	{ "POST", "/v1/hosts/import", 0,        A,             zl_api_hosts_import },
	{ "GET",  "/v1/behaviour",    0,        A | S,         zl_api_behaviour },
	/* the console's accounts (api_account.c, api_users.c) */
	{ "POST", "/v1/login",        R_GROUP | R_LIMITED, A | S | U | P, zl_api_login },
	{ "POST", "/v1/logout",       R_LIMITED, A | S | U | P, zl_api_logout },
	{ "GET",  "/v1/session",      R_LIMITED, A | S | U | P, zl_api_session },
	{ "POST", "/v1/account/password", R_LIMITED, A | S | U | P, zl_api_account_password },
	{ "POST", "/v1/account/totp/begin", R_LIMITED, A | S | U | P, zl_api_totp_begin },
	{ "POST", "/v1/account/totp/finish", R_LIMITED, A | S | U | P, zl_api_totp_finish },
	{ "GET",  "/v1/users",        0,        A,             zl_api_users_get },
	{ "POST", "/v1/users",        R_PREFIX, A,             zl_api_users_post },
	{ "POST", "/v1/web/announce", R_GROUP,  0,             zl_api_web_announce },
	/* the IPv6 measurement (api_ipv6.c) */
	{ "GET",  "/v1/ipv6",         0,        A | P,         zl_api_ipv6 },
	{ "GET",  "/v1/ipv6/hosts",   0,        A,             zl_api_ipv6_hosts },
	{ "GET",  "/v1/ipv6/services", 0,       A | P,         zl_api_ipv6_services },
	{ "GET",  "/v1/ipv6/trend",   0,        A | P,         zl_api_ipv6_trend },
	{ "POST", "/v1/ipv6/snapshot", 0,       A,             zl_api_ipv6_snapshot },
	/* security incidents (api_incidents.c) */
	{ "GET",  "/v1/incidents",    R_PREFIX, S | U,         zl_api_incidents_get },
	{ "POST", "/v1/incidents",    R_PREFIX, S,             zl_api_incidents_post },
	{ "GET",  "/v1/ipv6/sites",   0,        A | P,         zl_api_ipv6_sites },
	{ "POST", "/v1/ipv6/check",   0,        A,             zl_api_ipv6_check },
	/* the monthly reports (api_reports.c) */
	{ "GET",  "/v1/reports",      R_PREFIX, A | S | P,     zl_api_reports_get },
	{ "POST", "/v1/reports",      0,        A | S | P,     zl_api_reports_post },
};
#undef A
#undef S
#undef U
#undef P

static const struct route *route_find(const char *method, const char *url, int *path_known)
{
	size_t i, n;

	*path_known = 0;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		n = strlen(routes[i].path);
		if (strncmp(url, routes[i].path, n) ||
		    (url[n] && !((routes[i].flags & R_PREFIX) && url[n] == '/')))
			continue;
		*path_known = 1;
		if (!strcmp(method, routes[i].method))
			return &routes[i];
	}
	return NULL;
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
	return v && *v ? v : NULL;
}

/* Who is asking: the socket's peer, and the console's user in front. */
static void identify(struct MHD_Connection *conn, struct zl_caller *who)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	struct passwd pw, *pwp = NULL;
	char pwbuf[1024], peer[128] = "unknown";

	memset(who, 0, sizeof(*who));
	who->uid = (uid_t)-1;
	if (ci && getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0) {
		who->uid = cr.uid;
		getpwuid_r(cr.uid, &pw, pwbuf, sizeof(pwbuf), &pwp);
		snprintf(peer, sizeof(peer), "%s(uid %u)", pwp ? pwp->pw_name : "?", cr.uid);
	}
	who->user = header(conn, "X-Zhulan-User");
	who->client = header(conn, "X-Zhulan-Client");
	who->role = who->user ? zl_role_bit(header(conn, "X-Zhulan-Role")) : 0;
	who->root = !who->user && who->uid == 0;
	if (who->user)
		snprintf(who->name, sizeof(who->name), "%.64s via %s%s%.46s", who->user, peer,
			 who->client ? " from " : "", who->client ? who->client : "");
	else
		snprintf(who->name, sizeof(who->name), "%s", peer);
	if (who->user)
		snprintf(who->account, sizeof(who->account), "%.64s", who->user);
	else if (pwp)
		snprintf(who->account, sizeof(who->account), "%.64s", pwp->pw_name);
	else
		snprintf(who->account, sizeof(who->account), "uid %d", (int)who->uid);
}

/* May this caller use this route? 0, or an HTTP status with why. */
static unsigned authorize(struct zl_control *c, const struct route *rt,
			  const struct zl_caller *who, char *why, size_t len)
{
	struct zl_account a;
	int rc;

	if (who->root)
		return 0;
	if (!who->user) {
		if (rt->flags & R_GROUP)
			return 0;
		snprintf(why, len, "%s %s: local callers other than root need a console "
			 "account (X-Zhulan-User)", rt->method, rt->path);
		return MHD_HTTP_FORBIDDEN;
	}
	if (!who->role) {
		snprintf(why, len, "X-Zhulan-Role: expected admin, security, auditor or report");
		return MHD_HTTP_FORBIDDEN;
	}
	/* the console's word is checked against our own accounts */
	rc = c->users ? zl_users_get(c->users, who->user, &a) : -EIO;
	if (rc < 0) {
		snprintf(why, len, "the accounts cannot be read");
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	if (rc == 0 || !a.enabled) {
		snprintf(why, len, "X-Zhulan-User: %s", rc ? "the account is disabled"
			 : "no such account");
		return MHD_HTTP_FORBIDDEN;
	}
	if (zl_role_bit(a.role) != who->role) {
		snprintf(why, len, "X-Zhulan-Role: the account's role is not %s",
			 zl_role_name(who->role));
		return MHD_HTTP_FORBIDDEN;
	}
	if (a.limited && !(rt->flags & R_LIMITED)) {
		snprintf(why, len, "%s %s: %s first", rt->method, rt->path,
			 a.must_change ? "change the password" : "enrol a TOTP authenticator");
		return MHD_HTTP_FORBIDDEN;
	}
	if (!(rt->roles & who->role)) {
		snprintf(why, len, "%s %s is not open to the %s role", rt->method, rt->path,
			 zl_role_name(who->role));
		return MHD_HTTP_FORBIDDEN;
	}
	return 0;
}

/* The request's arguments as one JSON object, for the audit table. */
static enum MHD_Result audit_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	json_t *j = value ? json_string(value) : json_null();

	(void)kind;
	json_object_set_new(cls, key, j ? j : json_string("(not UTF-8)"));
	return MHD_YES;
}

int zl_api_personal(struct zl_api_req *r, unsigned roles, const char *what,
		    enum MHD_Result *rc)
{
	json_t *d = json_object(), *args = json_object();
	int entitled = r->who.root || (r->who.role & roles);
	char *s;
	int st;

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, audit_arg, args);
	json_object_set_new(d, "args", args);
	if (!entitled)
		json_object_set_new(d, "refused", json_string("role not entitled"));
	s = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(d);
	st = zl_store_audit(r->c->ctx.store, r->who.name, what, s ? s : "");
	free(s);
	if (!entitled) {
		*rc = zl_api_fail(r->conn, MHD_HTTP_FORBIDDEN, "personal data: this role may not read it");
		return 0;
	}
	if (st < 0) {
		*rc = zl_api_fail(r->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "the audit row of this read could not be written, so nothing "
				  "is shown (no audit, no personal data); try again later");
		return 0;
	}
	return 1;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct zl_api_body *b = *state;
	struct zl_api_req r = { .c = cls, .conn = conn, .url = url, .method = method };
	const struct route *rt;
	char why[300];
	unsigned st;
	int known;

	(void)version;
	/* The first call only announces the request; answer on the last. */
	if (!b) {
		if (!(b = calloc(1, sizeof(*b))))
			return MHD_NO;
		*state = b;
		return MHD_YES;
	}
	if (*upload_size) {
		enum MHD_Result rc = body_add(b, upload, *upload_size);
		*upload_size = 0;
		return rc;
	}
	if (!(rt = route_find(method, url, &known)))
		return zl_api_fail(conn, known ? MHD_HTTP_METHOD_NOT_ALLOWED : MHD_HTTP_NOT_FOUND,
				   known ? "method not allowed on this endpoint (see docs/API.md)"
					 : "no such endpoint (see docs/API.md)");
	identify(conn, &r.who);
	if ((st = authorize(r.c, rt, &r.who, why, sizeof(why)))) {
		zl_store_audit(r.c->ctx.store, r.who.name, "refused", why);
		return zl_api_fail(conn, st, why);
	}
	r.rest = url + strlen(rt->path);
	r.body = b;
	return rt->fn(&r);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = 0;
	zl_log_warnx("control: %s", buf);
}

struct zl_control *zl_control_start(int fd, const struct zl_control_ctx *ctx,
				    char *err, size_t errlen)
{
	struct zl_control *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ctx = *ctx;
	pthread_mutex_init(&c->web.lock, NULL);
	c->aggs = zl_aggcache_new(0);
	if (!(c->users = zl_users_new(ctx->store, NULL, NULL)))
		zl_log_warnx("control: libsodium or liboath cannot start: no console logins");
	/* A pool of threads, so that a long search never holds up status or
	 * a policy confirm; the handlers share only what has its own lock
	 * (the store's connections, the firewall, the sensors, the book,
	 * the accounts' rate table). */
	c->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
				  0, NULL, NULL, handle, c,
				  MHD_OPTION_THREAD_POOL_SIZE, (unsigned)ZL_API_THREADS,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
				  MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
				  MHD_OPTION_END);
	if (!c->mhd) {
		snprintf(err, errlen, "control socket: libmicrohttpd could not start");
		zl_users_free(c->users);
		free(c);
		return NULL;
	}
	return c;
}

void zl_control_stop(struct zl_control *c)
{
	if (!c)
		return;
	MHD_stop_daemon(c->mhd);
	zl_users_free(c->users);
	zl_aggcache_free(c->aggs);
	pthread_mutex_destroy(&c->web.lock);
	free(c);
}
