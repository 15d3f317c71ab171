/*
 * control.c - the control API over a unix socket.
 *
 * The socket file is 0660 and belongs to the daemon's group, so only root
 * and that group (the web console's user is put in it) can connect; the
 * peer's uid (SO_PEERCRED) and, for the console, the X-Zhulan-User header
 * name who asked, in the audit table.
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

#include "control.h"
#include "flowjson.h"
#include "log.h"

#define API_VERSION 1

struct zl_control {
	struct MHD_Daemon *mhd;
	struct zl_control_ctx ctx;
};

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

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code, json_t *body)
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

static enum MHD_Result fail(struct MHD_Connection *conn, unsigned code, const char *msg)
{
	return reply(conn, code, json_pack("{s:s}", "error", msg));
}

/* Who is asking: "name(uid N)", with the console's user in front. */
static void peer_name(struct MHD_Connection *conn, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	const char *console = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Zhulan-User");
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	struct passwd *pw;
	char who[128] = "unknown";

	if (ci && getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0) {
		pw = getpwuid(cr.uid);
		snprintf(who, sizeof(who), "%s(uid %u)", pw ? pw->pw_name : "?", cr.uid);
	}
	if (console && *console)
		snprintf(buf, len, "%.64s via %s", console, who);
	else
		snprintf(buf, len, "%s", who);
}

/* Parse a time argument: unix seconds, RFC 3339 UTC, or "-1h"/"-30m"/"-7d"
 * relative to now. Returns microseconds, 0 when absent, -1 when bad. */
static long long arg_time(struct MHD_Connection *conn, const char *name)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
	struct timespec now;
	struct tm tm;
	char *end;
	long long n;

	if (!v || !*v)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	if (v[0] == '-') {
		n = strtoll(v + 1, &end, 10);
		if (end == v + 1 || n < 0)
			return -1;
		switch (*end) {
		case 's': break;
		case 'm': n *= 60; break;
		case 'h': n *= 3600; break;
		case 'd': n *= 86400; break;
		default: return -1;
		}
		return ((long long)now.tv_sec - n) * 1000000LL;
	}
	n = strtoll(v, &end, 10);
	if (!*end)
		return n * 1000000LL;
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || (*end && *end != 'Z' && *end != '.'))
		return -1;
	return (long long)timegm(&tm) * 1000000LL;
}

static unsigned arg_uint(struct MHD_Connection *conn, const char *name, unsigned def, unsigned max)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return def;
	n = strtoul(v, &end, 10);
	if (*end)
		return def;
	return n > max ? max : (unsigned)n;
}

static const char *arg(struct MHD_Connection *conn, const char *name)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
	return v && *v ? v : NULL;
}

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static enum MHD_Result get_status(struct zl_control *c, struct MHD_Connection *conn)
{
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
		      "version", c->ctx.version, "api", API_VERSION,
		      "uptime_s", (json_int_t)((now_us() - c->ctx.started_us) / 1000000),
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
	json_object_set_new(o, "policy", c->ctx.fw ? zl_fw_status(c->ctx.fw) : json_null());
	json_object_set_new(o, "behaviour", c->ctx.bh ? zl_bh_status(c->ctx.bh) : json_null());
	return reply(conn, MHD_HTTP_OK, o);
}

static enum MHD_Result get_flows(struct zl_control *c, struct MHD_Connection *conn)
{
	struct zl_flow_query q = { 0 };
	struct zl_live_filter lf = { 0 };
	const char *which = arg(conn, "live");
	json_t *out = json_object(), *live, *stored;
	char err[256];
	int i;

	q.from_us = arg_time(conn, "from");
	q.to_us = arg_time(conn, "to");
	if (q.from_us < 0 || q.to_us < 0)
		return fail(conn, MHD_HTTP_BAD_REQUEST,
			    "from/to: expected unix seconds, RFC 3339 (2026-11-28T08:00:00Z) or -1h/-30m/-7d");
	q.host = lf.host = arg(conn, "host");
	q.app = lf.app = arg(conn, "app");
	q.category = lf.category = arg(conn, "category");
	q.limit = arg_uint(conn, "limit", 100, 10000);
	q.offset = arg_uint(conn, "offset", 0, 1u << 30);
	if (!which || strcmp(which, "0")) {
		live = json_array();
		for (i = 0; i < c->ctx.n_sensors; i++)
			zl_sensor_live_flows(c->ctx.sensors[i], &lf, live);
		json_object_set_new(out, "live", live);
	}
	if (!which || strcmp(which, "1")) {
		stored = zl_store_flows(c->ctx.store, &q, err, sizeof(err));
		if (!stored) {
			json_decref(out);
			return fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
		}
		json_object_set_new(out, "stored", stored);
	}
	return reply(conn, MHD_HTTP_OK, out);
}

static enum MHD_Result get_top(struct zl_control *c, struct MHD_Connection *conn)
{
	const char *what = arg(conn, "what");
	long long from = arg_time(conn, "from"), to = arg_time(conn, "to");
	char err[256];
	json_t *r;

	if (!what)
		what = "apps";
	if (strcmp(what, "hosts") && strcmp(what, "apps") && strcmp(what, "categories"))
		return fail(conn, MHD_HTTP_BAD_REQUEST, "what: expected hosts, apps or categories");
	if (from < 0 || to < 0)
		return fail(conn, MHD_HTTP_BAD_REQUEST, "from/to: bad time");
	if (!from)
		from = now_us() - 3600LL * 1000000;
	r = zl_store_top(c->ctx.store, what, from, to, arg_uint(conn, "limit", 10, 1000),
			 err, sizeof(err));
	if (!r)
		return fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	return reply(conn, MHD_HTTP_OK, json_pack("{s:s, s:o}", "what", what, "top", r));
}

static enum MHD_Result get_series(struct zl_control *c, struct MHD_Connection *conn)
{
	long long from = arg_time(conn, "from"), to = arg_time(conn, "to");
	unsigned step = arg_uint(conn, "step", 300, 86400 * 31);
	char err[256];
	json_t *r;

	if (from < 0 || to < 0)
		return fail(conn, MHD_HTTP_BAD_REQUEST, "from/to: bad time");
	if (step < 300 || step % 300)
		return fail(conn, MHD_HTTP_BAD_REQUEST, "step: expected a multiple of 300 seconds");
	if (!from)
		from = now_us() - 24LL * 3600 * 1000000;
	r = zl_store_series(c->ctx.store, from, to, step, arg(conn, "host"), arg(conn, "app"),
			    err, sizeof(err));
	if (!r)
		return fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	return reply(conn, MHD_HTTP_OK, json_pack("{s:i, s:o}", "step", step, "series", r));
}

static enum MHD_Result get_audit(struct zl_control *c, struct MHD_Connection *conn)
{
	long long from = arg_time(conn, "from"), to = arg_time(conn, "to");
	char err[256];
	json_t *r;

	if (from < 0 || to < 0)
		return fail(conn, MHD_HTTP_BAD_REQUEST, "from/to: bad time");
	r = zl_store_audit_list(c->ctx.store, from, to, arg_uint(conn, "limit", 100, 10000),
				err, sizeof(err));
	if (!r)
		return fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	return reply(conn, MHD_HTTP_OK, json_pack("{s:o}", "audit", r));
}

/* ---- the access log: personal data, every read audited ---- */

/*
 * The console (it sends X-Zhulan-User) must also say that its user holds
 * a role entitled to read the access log; local callers reach the socket
 * only as root or the daemon's group. Roles are a list ("viewer,auditor").
 */
static int access_entitled(struct MHD_Connection *conn)
{
	const char *user = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Zhulan-User");
	const char *roles = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Zhulan-Role");
	const char *p = roles;
	size_t n;

	if (!user)
		return 1;
	while (p && *p) {
		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if ((n == 8 && !strncasecmp(p, "security", n)) || (n == 7 && !strncasecmp(p, "auditor", n)))
			return 1;
		p += n;
	}
	return 0;
}

static const char *const access_args[] = {
	"from", "to", "department", "host", "owner", "app", "domain", "action", "limit", "before_id",
};

/* The audit row of one access-log request: the filters as given, and the
 * rows returned or why none were. */
static void access_audit(struct zl_control *c, struct MHD_Connection *conn, int csv,
			 const char *outcome, long long rows)
{
	json_t *d = json_object(), *f = json_object();
	const char *v;
	char who[200], *s;
	json_t *j;
	size_t i;

	for (i = 0; i < sizeof(access_args) / sizeof(access_args[0]); i++)
		if ((v = arg(conn, access_args[i]))) {
			j = json_string(v);
			json_object_set_new(f, access_args[i], j ? j : json_string("(not UTF-8)"));
		}
	json_object_set_new(d, "filters", f);
	if (outcome)
		json_object_set_new(d, "refused", (j = json_string(outcome)) ? j : json_string("?"));
	else
		json_object_set_new(d, "rows", json_integer(rows));
	s = json_dumps(d, JSON_COMPACT);
	peer_name(conn, who, sizeof(who));
	zl_store_audit(c->ctx.store, who, csv ? "access-log export" : "access-log query", s ? s : "");
	free(s);
	json_decref(d);
}

/* A CSV field: quoted when needed, and a text starting like a formula
 * (=, +, -, @) made inert with a quote, since names come from packets. */
static void csv_field(FILE *f, const char *s, int text)
{
	if (text && *s && strchr("=+-@\t\r", *s))
		fputc('\'', f);
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
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
		return fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	fputs("\xef\xbb\xbf", f);
	for (k = 0; k < sizeof(access_columns) / sizeof(access_columns[0]); k++)
		fprintf(f, "%s%s", k ? "," : "", access_columns[k]);
	fputs("\r\n", f);
	json_array_foreach(rows, i, row) {
		for (k = 0; k < sizeof(access_columns) / sizeof(access_columns[0]); k++) {
			v = json_object_get(row, access_columns[k]);
			if (k)
				fputc(',', f);
			if (json_is_integer(v)) {
				snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
				csv_field(f, num, 0);
			} else {
				csv_field(f, json_string_value(v) ? json_string_value(v) : "", 1);
			}
		}
		fputs("\r\n", f);
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

static enum MHD_Result get_access_log(struct zl_control *c, struct MHD_Connection *conn)
{
	struct zl_access_query q = { 0 };
	const char *format = arg(conn, "format"), *v;
	int csv = format && !strcmp(format, "csv");
	char err[300], *end;
	json_t *out;

	if (format && !csv && strcmp(format, "json")) {
		access_audit(c, conn, 0, "format: expected json or csv", 0);
		return fail(conn, MHD_HTTP_BAD_REQUEST, "format: expected json or csv");
	}
	if (!access_entitled(conn)) {
		access_audit(c, conn, csv, "X-Zhulan-Role has neither security nor auditor", 0);
		return fail(conn, MHD_HTTP_FORBIDDEN, "the access log is readable only with the "
			    "security or auditor role");
	}
	q.from_us = arg_time(conn, "from");
	q.to_us = arg_time(conn, "to");
	q.department = arg(conn, "department");
	q.host = arg(conn, "host");
	q.owner = arg(conn, "owner");
	q.app = arg(conn, "app");
	q.domain = arg(conn, "domain");
	q.action = arg(conn, "action");
	q.limit = arg_uint(conn, "limit", 100, 10000);
	err[0] = 0;
	if (q.from_us < 0 || q.to_us < 0)
		snprintf(err, sizeof(err), "from/to: expected unix seconds, RFC 3339 "
			 "(2026-11-28T08:00:00Z) or -1h/-30m/-7d");
	else if (q.action && strcmp(q.action, "block") && strcmp(q.action, "audit") &&
		 strcmp(q.action, "limit"))
		snprintf(err, sizeof(err), "action: expected block, audit or limit");
	else if (q.domain && (q.domain[0] == '*' ? strncmp(q.domain, "*.", 2) || !q.domain[2] :
			      !!strchr(q.domain, '*')))
		snprintf(err, sizeof(err), "domain: expected a name or *.name");
	if ((v = arg(conn, "before_id"))) {
		q.before_id = strtoll(v, &end, 10);
		if (*end || q.before_id <= 0)
			snprintf(err, sizeof(err), "before_id: expected a row id");
	}
	if (*err) {
		access_audit(c, conn, csv, err, 0);
		return fail(conn, MHD_HTTP_BAD_REQUEST, err);
	}
	out = zl_store_access_query(c->ctx.store, &q, err, sizeof(err));
	if (!out) {
		access_audit(c, conn, csv, err, 0);
		return fail(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	}
	access_audit(c, conn, csv, NULL, (long long)json_array_size(json_object_get(out, "rows")));
	return csv ? reply_csv(conn, out) : reply(conn, MHD_HTTP_OK, out);
}

static enum MHD_Result post_reload(struct zl_control *c, struct MHD_Connection *conn)
{
	char who[200], msg[512];
	int rc;

	peer_name(conn, who, sizeof(who));
	rc = c->ctx.reload ? c->ctx.reload(c->ctx.ud, msg, sizeof(msg)) : -1;
	if (!c->ctx.reload)
		snprintf(msg, sizeof(msg), "reload not available");
	zl_store_audit(c->ctx.store, who, "reload", rc == 0 ? "ok" : msg);
	if (rc < 0)
		return fail(conn, 422, msg);
	return reply(conn, MHD_HTTP_OK, json_pack("{s:s}", "result", "reloaded"));
}

/* A request body, gathered over the calls libmicrohttpd makes. */
struct body {
	char *buf;
	size_t len, cap;
	int too_big;
};

#define MAX_BODY (64u << 20)       /* a policy with a large blocklist */

static enum MHD_Result body_add(struct body *b, const char *data, size_t n)
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

/* The body as a JSON object; NULL and an answer already queued if not. */
static json_t *body_json(struct MHD_Connection *conn, const struct body *b,
			 enum MHD_Result *rc)
{
	json_error_t je;
	json_t *j;
	char msg[300];

	if (b->too_big) {
		*rc = fail(conn, MHD_HTTP_CONTENT_TOO_LARGE, "request body over 64 MiB");
		return NULL;
	}
	j = json_loadb(b->buf ? b->buf : "{}", b->buf ? b->len : 2, 0, &je);
	if (!j || !json_is_object(j)) {
		snprintf(msg, sizeof(msg), "request body: expected a JSON object%s%s",
			 j ? "" : ": ", j ? "" : je.text);
		json_decref(j);
		*rc = fail(conn, MHD_HTTP_BAD_REQUEST, msg);
		return NULL;
	}
	return j;
}

static enum MHD_Result fw_reply(struct MHD_Connection *conn, unsigned status, json_t *out)
{
	return reply(conn, status, out ? out : json_pack("{s:s}", "error", "out of memory"));
}

/* POST /v1/policy/{apply,diff,confirm,rollback} */
static enum MHD_Result post_policy(struct zl_control *c, struct MHD_Connection *conn,
				   const char *what, const struct body *b)
{
	char who[200];
	enum MHD_Result rc = MHD_NO;
	json_t *in, *out = NULL, *bundle;
	unsigned status;

	if (!c->ctx.fw)
		return fail(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "the policy engine is not running");
	if (!(in = body_json(conn, b, &rc)))
		return rc;
	peer_name(conn, who, sizeof(who));
	bundle = json_object_get(in, "policy");
	if (!strcmp(what, "apply") || !strcmp(what, "diff")) {
		if (!json_is_object(bundle)) {
			json_decref(in);
			return fail(conn, MHD_HTTP_BAD_REQUEST,
				    "expected {\"policy\": {\"name\", \"text\", \"files\"}}");
		}
		if (!strcmp(what, "apply")) {
			json_int_t confirm = json_integer_value(json_object_get(in, "confirm"));
			if (confirm < 0 || confirm > 86400) {
				json_decref(in);
				return fail(conn, MHD_HTTP_BAD_REQUEST, "confirm: 1 to 86400 seconds");
			}
			status = zl_fw_apply(c->ctx.fw, bundle, who,
					     json_string_value(json_object_get(in, "comment")),
					     (unsigned)confirm, &out);
		} else {
			status = zl_fw_diff(c->ctx.fw, bundle, &out);
		}
	} else if (!strcmp(what, "confirm")) {
		status = zl_fw_confirm(c->ctx.fw, who, &out);
	} else {
		status = zl_fw_rollback(c->ctx.fw, json_integer_value(json_object_get(in, "version")),
					who, &out);
	}
	json_decref(in);
	return fw_reply(conn, status, out);
}

static enum MHD_Result get_policy(struct zl_control *c, struct MHD_Connection *conn,
				  const char *what)
{
	json_t *out = NULL;
	unsigned status;

	if (!c->ctx.fw)
		return fail(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "the policy engine is not running");
	if (!strcmp(what, ""))
		status = zl_fw_show(c->ctx.fw, &out);
	else if (!strcmp(what, "/history"))
		status = zl_fw_history(c->ctx.fw, arg_uint(conn, "limit", 100, 10000), &out);
	else if (!strncmp(what, "/versions/", 10) && what[10])
		status = zl_fw_version(c->ctx.fw, strtoll(what + 10, NULL, 10), &out);
	else
		return fail(conn, MHD_HTTP_NOT_FOUND, "no such endpoint (see docs/API.md)");
	return fw_reply(conn, status, out);
}

/* POST /v1/hosts/import {"name": "hosts.csv", "csv": "..."}; GET /v1/hosts */
static enum MHD_Result hosts(struct zl_control *c, struct MHD_Connection *conn, int post,
			     const struct body *b)
{
	enum MHD_Result rc = MHD_NO;
	json_t *in, *out = NULL;
	const char *csv, *name;
	char who[200];
	unsigned status;

	if (!c->ctx.dir)
		return fail(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "the address book is not available");
	if (!post)
		return reply(conn, MHD_HTTP_OK, zl_dir_list(c->ctx.dir));
	if (!(in = body_json(conn, b, &rc)))
		return rc;
	csv = json_string_value(json_object_get(in, "csv"));
	name = json_string_value(json_object_get(in, "name"));
	if (!csv) {
		json_decref(in);
		return fail(conn, MHD_HTTP_BAD_REQUEST, "expected {\"name\": \"hosts.csv\", \"csv\": \"...\"}");
	}
	peer_name(conn, who, sizeof(who));
	status = zl_dir_import(c->ctx.dir, name ? name : "hosts.csv", csv, strlen(csv), who, &out);
	json_decref(in);
	return fw_reply(conn, status, out);
}

static void completed(void *cls, struct MHD_Connection *conn, void **state,
		      enum MHD_RequestTerminationCode toe)
{
	struct body *b = *state;

	(void)cls; (void)conn; (void)toe;
	if (b) {
		free(b->buf);
		free(b);
		*state = NULL;
	}
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct zl_control *c = cls;
	struct body *b = *state;

	(void)version;
	/* The first call only announces the request; answer on the last. */
	if (!b) {
		if (!(b = calloc(1, sizeof(*b))))
			return MHD_NO;
		*state = b;
		return MHD_YES;
	}
	if (*upload_size) {
		enum MHD_Result r = body_add(b, upload, *upload_size);
		*upload_size = 0;
		return r;
	}
	if (!strcmp(url, "/v1/hosts") && !strcmp(method, "GET"))
		return hosts(c, conn, 0, b);
	if (!strcmp(url, "/v1/hosts/import") && !strcmp(method, "POST"))
		return hosts(c, conn, 1, b);
	if (!strncmp(url, "/v1/policy", 10) && (url[10] == 0 || url[10] == '/')) {
		if (!strcmp(method, "GET"))
			return get_policy(c, conn, url + 10);
		if (!strcmp(method, "POST") && (!strcmp(url + 10, "/apply") ||
		    !strcmp(url + 10, "/diff") || !strcmp(url + 10, "/confirm") ||
		    !strcmp(url + 10, "/rollback")))
			return post_policy(c, conn, url + 11, b);
	}
	if (!strcmp(method, "GET")) {
		if (!strcmp(url, "/v1/status"))
			return get_status(c, conn);
		if (!strcmp(url, "/v1/flows"))
			return get_flows(c, conn);
		if (!strcmp(url, "/v1/top"))
			return get_top(c, conn);
		if (!strcmp(url, "/v1/series"))
			return get_series(c, conn);
		if (!strcmp(url, "/v1/audit"))
			return get_audit(c, conn);
		if (!strcmp(url, "/v1/access-log"))
			return get_access_log(c, conn);
	} else if (!strcmp(method, "POST")) {
		if (!strcmp(url, "/v1/reload"))
			return post_reload(c, conn);
	}
	return fail(conn, MHD_HTTP_NOT_FOUND, "no such endpoint (see docs/API.md)");
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
	c->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
				  0, NULL, NULL, handle, c,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
				  MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
				  MHD_OPTION_END);
	if (!c->mhd) {
		snprintf(err, errlen, "control socket: libmicrohttpd could not start");
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
	free(c);
}
