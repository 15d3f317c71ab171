/*
 * zhulanctl.c - the administrator's command line over the control API.
 *
 *   zhulanctl [-s SOCKET] [--json] status
 *   zhulanctl [-s SOCKET] [--json] flows [--live|--stored] [--host IP]
 *             [--app NAME] [--category NAME] [--since 1h] [--limit N]
 *   zhulanctl [-s SOCKET] [--json] top [hosts|apps|categories|departments] [--since 1h] [--limit N]
 *   zhulanctl [-s SOCKET] reload
 *   zhulanctl [-s SOCKET] [--json|--csv] access-log [--since 1d] [--from T] [--to T]
 *             [--department D] [--host H] [--owner P] [--app A] [--domain D]
 *             [--action block|audit|limit] [--limit N] [--before-id N]
 *   zhulanctl policy check FILE        (needs neither the daemon nor root)
 *   zhulanctl policy compile FILE      (the nft script of the table)
 *   zhulanctl policy apply FILE [--confirm SECONDS] [--comment TEXT]
 *   zhulanctl policy diff FILE | confirm | rollback [VERSION] | history
 *   zhulanctl policy show [--counters]
 *   zhulanctl [--json] ipv6 check URL          (ctl_ipv6.c)
 *   zhulanctl [--json] ipv6 sites|queue [URL]  (ctl_ipv6_sites.c)
 *   zhulanctl report --month YYYY-MM ... --output PATH (ctl_report.c)
 *
 * Exit status: 0 ok, 1 the daemon refused the request, 2 usage error or
 * the daemon is not running.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "bundle.h"
#include "ctl_ipv6_stats.h"
#include "ctl_incidents.h"
#include "ctl_users.h"
#include "classify.h"
#include "ctl_ipv6.h"
#include "ctl_ipv6_sites.h"
#include "ctl_policy.h"
#include "ctl_util.h"
#include "ctl_report.h"
#include "flat.h"
#include "policy.h"

struct buf {
	char *p;
	size_t n;
};

static size_t collect(char *d, size_t sz, size_t nm, void *ud)
{
	struct buf *b = ud;
	char *p = realloc(b->p, b->n + sz * nm + 1);

	if (!p)
		return 0;
	memcpy(p + b->n, d, sz * nm);
	b->p = p;
	b->n += sz * nm;
	b->p[b->n] = 0;
	return sz * nm;
}

/* Request 'path' (with a JSON body for POST, or none) and return the
 * answer's bytes in *b; exits 2 when nobody answers. */
static long request(const char *sock, const char *method, const char *path, const char *body,
		    long timeout_s, struct buf *b)
{
	struct curl_slist *hdr = NULL;
	CURL *c = curl_easy_init();
	char url[2100], errbuf[CURL_ERROR_SIZE] = "";
	long code = 0;
	CURLcode rc;

	snprintf(url, sizeof(url), "http://zhulan%s", path);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		fprintf(stderr, "zhulanctl: zhulan is not running (cannot connect to %s: %s)\n",
			sock, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		exit(2);
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	return code;
}

/* The same, for a JSON answer; exits 1 when it is not JSON. */
static json_t *call_body(const char *sock, const char *method, const char *path,
			 const char *body, long *code)
{
	struct buf b = { NULL, 0 };
	json_error_t je;
	json_t *j;

	*code = request(sock, method, path, body, 30, &b);
	j = b.p ? json_loads(b.p, 0, &je) : NULL;
	free(b.p);
	if (!j) {
		fprintf(stderr, "zhulanctl: the daemon's answer is not JSON\n");
		exit(1);
	}
	return j;
}

static json_t *call(const char *sock, const char *method, const char *path, long *code)
{
	return call_body(sock, method, path, NULL, code);
}

static void print_status(json_t *j)
{
	json_t *ifs = json_object_get(j, "interfaces"), *i, *db = json_object_get(j, "database"), *pol;
	char b[32];
	size_t k;

	printf("zhulan %s, up %llds, %lld flows tracked\n", zl_ctl_jstr(j, "version"),
	       zl_ctl_jint(j, "uptime_s"), zl_ctl_jint(j, "flows_tracked"));
	if (json_is_string(json_object_get(j, "setup")))
		printf("SETUP NEEDED: %s\n", zl_ctl_jstr(j, "setup"));
	printf("\n%-12s %12s %12s %12s %10s %10s %10s\n", "interface", "packets", "bytes",
	       "kernel drop", "decode err", "flows", "evicted");
	json_array_foreach(ifs, k, i) {
		json_t *e = json_object_get(i, "decode_errors"), *v;
		const char *key;
		long long errs = 0;
		json_object_foreach(e, key, v)
			if (strcmp(key, "not_ip"))  /* ARP and the like are not errors */
				errs += (long long)json_integer_value(v);
		zl_ctl_human_bytes((double)zl_ctl_jint(i, "bytes"), b, sizeof(b));
		printf("%-12s %12lld %12s %12lld %10lld %10lld %10lld\n", zl_ctl_jstr(i, "name"),
		       zl_ctl_jint(i, "packets"), b, zl_ctl_jint(i, "kernel_dropped"), errs,
		       zl_ctl_jint(i, "flows_live"), zl_ctl_jint(i, "flows_evicted"));
		if (!strcmp(zl_ctl_jstr(i, "state"), "down"))
			printf("  DOWN since %s, reopening: %s\n", zl_ctl_jstr(i, "down_since"),
			       zl_ctl_jstr(i, "last_error"));
		else if (zl_ctl_jint(i, "reopens"))
			printf("  up; reopened %lld times, last error: %s\n", zl_ctl_jint(i, "reopens"),
			       zl_ctl_jstr(i, "last_error"));
	}
	zl_ctl_human_bytes((double)zl_ctl_jint(db, "bytes"), b, sizeof(b));
	printf("\ndatabase %s: %s, %lld records written, %lld dropped (%lld access-log rows), "
	       "%lld purged%s%s\n",
	       zl_ctl_jstr(db, "path"), b, zl_ctl_jint(db, "written"), zl_ctl_jint(db, "dropped"),
	       zl_ctl_jint(db, "access_dropped"), zl_ctl_jint(db, "purged"), json_is_true(json_object_get(db, "writable")) ? "" : ", NOT WRITABLE: ",
	       json_is_true(json_object_get(db, "writable")) ? "" : zl_ctl_jstr(db, "last_error"));
	pol = json_object_get(j, "policy");
	if (json_is_object(pol)) {
		printf("policy: version %lld (%s)", zl_ctl_jint(pol, "version"), zl_ctl_jstr(pol, "state"));
		if (json_is_string(json_object_get(pol, "confirm_by")))
			printf(", reverts at %s unless confirmed", zl_ctl_jstr(pol, "confirm_by"));
		if (json_is_string(json_object_get(pol, "last_error")))
			printf("; last error: %s", zl_ctl_jstr(pol, "last_error"));
		printf("\n");
	}
	pol = json_object_get(j, "behaviour");
	if (json_is_object(pol)) {
		json_t *dec = json_object_get(pol, "decisions"), *lat = json_object_get(pol, "block_latency_us");
		printf("behaviour: %lld rules, %lld blocks held; decided %lld block, %lld limit, "
		       "%lld audit, %lld allow", zl_ctl_jint(pol, "rules"), zl_ctl_jint(pol, "blocks_active"),
		       zl_ctl_jint(dec, "block"), zl_ctl_jint(dec, "limit"), zl_ctl_jint(dec, "audit"), zl_ctl_jint(dec, "allow"));
		if (json_is_object(lat))
			printf("; block in the kernel %lld us after its packet (p99 %lld us)",
			       zl_ctl_jint(lat, "p50"), zl_ctl_jint(lat, "p99"));
		if (json_is_string(json_object_get(pol, "last_error")))
			printf("; last error: %s", zl_ctl_jstr(pol, "last_error"));
		printf("\n");
	}
	pol = json_object_get(j, "incidents");
	if (json_is_object(pol)) {
		json_t *o = json_object_get(pol, "open_by_severity");
		printf("incidents open: %lld critical, %lld high, %lld medium, %lld low, %lld info; "
		       "events %lld, queue dropped %lld\n", zl_ctl_jint(o, "critical"), zl_ctl_jint(o, "high"),
		       zl_ctl_jint(o, "medium"), zl_ctl_jint(o, "low"), zl_ctl_jint(o, "info"), zl_ctl_jint(pol, "events"),
		       zl_ctl_jint(pol, "dropped"));
	}
	pol = json_object_get(j, "web");
	if (json_is_object(pol))
		printf("web console: https://%s, certificate SHA256 %s (since %s)\n",
		       zl_ctl_jstr(pol, "listen"), zl_ctl_jstr(pol, "fingerprint"), zl_ctl_jstr(pol, "since"));
}

static void flow_row(json_t *f, int live)
{
	char src[80], dst[80], b[32];
	const char *t = zl_ctl_jstr(f, "last_seen");

	snprintf(src, sizeof(src), "%s:%lld", zl_ctl_jstr(f, "src_ip"), zl_ctl_jint(f, "src_port"));
	snprintf(dst, sizeof(dst), "%s:%lld", zl_ctl_jstr(f, "dst_ip"), zl_ctl_jint(f, "dst_port"));
	zl_ctl_human_bytes((double)zl_ctl_jint(f, "bytes"), b, sizeof(b));
	printf("%-19.19s %-6s %-30s %-30s %-22s %-16s %-28.28s %8lld %10s %s\n",
	       t, zl_ctl_jstr(f, "proto"), src, dst, zl_ctl_jstr(f, "app"), zl_ctl_jstr(f, "category"),
	       zl_ctl_jstr(f, "host"), zl_ctl_jint(f, "packets"), b, live ? "live" : zl_ctl_jstr(f, "end_reason"));
}

static void print_flows(json_t *j)
{
	json_t *live = json_object_get(j, "live"), *st = json_object_get(j, "stored"), *f;
	size_t k;

	printf("%-19s %-6s %-30s %-30s %-22s %-16s %-28s %8s %10s %s\n", "last seen (UTC)",
	       "proto", "source", "destination", "application", "category", "host",
	       "packets", "bytes", "state");
	json_array_foreach(live, k, f)
		flow_row(f, 1);
	json_array_foreach(json_object_get(st, "flows"), k, f)
		flow_row(f, 0);
	printf("(%zu live%s, %zu stored%s)\n", json_array_size(live),
	       json_is_true(json_object_get(j, "live_more")) ? " shown, more not" : "",
	       json_array_size(json_object_get(st, "flows")),
	       json_is_true(json_object_get(st, "more")) ? " shown, more with --limit" : "");
}

static void print_top(json_t *j)
{
	json_t *t = json_object_get(j, "top"), *r;
	char b[32];
	size_t k;

	printf("%-40s %12s %12s %8s\n", zl_ctl_jstr(j, "what"), "bytes", "packets", "flows");
	json_array_foreach(t, k, r) {
		zl_ctl_human_bytes((double)zl_ctl_jint(r, "bytes"), b, sizeof(b));
		printf("%-40s %12s %12lld %8lld\n", zl_ctl_jstr(r, "name"), b, zl_ctl_jint(r, "packets"),
		       zl_ctl_jint(r, "flows"));
	}
}

/* ---- access-log ---- */

/* Columns on a terminal: CJK characters take two cells, so widths are
 * counted in cells, not bytes (no locale needed: the data is UTF-8). */
static int cells(unsigned cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	       (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	       (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd) ? 2 : 1;
}

/* s cut or padded to w cells, then a space. */
static void col(const char *s, int w)
{
	const unsigned char *p = (const unsigned char *)s;
	int used = 0, n, c;
	unsigned cp;

	while (*p) {
		n = *p < 0x80 ? 1 : *p >> 5 == 6 ? 2 : *p >> 4 == 14 ? 3 : *p >> 3 == 30 ? 4 : 1;
		cp = n == 1 ? *p : (unsigned)(*p & (0x7f >> n));
		for (c = 1; c < n && (p[c] & 0xc0) == 0x80; c++)
			cp = cp << 6 | (p[c] & 0x3f);
		if (c < n)
			n = c;
		if (used + cells(cp) > w)
			break;
		fwrite(p, 1, (size_t)n, stdout);
		used += cells(cp);
		p += n;
	}
	printf("%*s", w - used + 1, "");
}

static void print_access(json_t *j)
{
	json_t *rows = json_object_get(j, "rows"), *r;
	char t[20], server[80], up[32], down[32];
	size_t k;

	printf("%-19s %-15s %-14s %-8s %-16s %-18s %-28s %-21s %9s %9s %-6s %s\n",
	       "time (UTC)", "client", "host name", "owner", "department", "app", "domain",
	       "server", "up", "down", "action", "rule");
	json_array_foreach(rows, k, r) {
		snprintf(t, sizeof(t), "%.19s", zl_ctl_jstr(r, "ts"));
		if (t[10] == 'T')
			t[10] = ' ';
		snprintf(server, sizeof(server), strchr(zl_ctl_jstr(r, "server_ip"), ':') ? "[%s]:%lld" :
			 "%s:%lld", zl_ctl_jstr(r, "server_ip"), zl_ctl_jint(r, "server_port"));
		zl_ctl_human_bytes((double)zl_ctl_jint(r, "bytes_up"), up, sizeof(up));
		zl_ctl_human_bytes((double)zl_ctl_jint(r, "bytes_down"), down, sizeof(down));
		col(t, 19);
		col(zl_ctl_jstr(r, "client_ip"), 15);
		col(zl_ctl_jstr(r, "host_name"), 14);
		col(zl_ctl_jstr(r, "owner"), 8);
		col(zl_ctl_jstr(r, "department"), 16);
		col(zl_ctl_jstr(r, "app"), 18);
		col(zl_ctl_jstr(r, "domain"), 28);
		col(server, 21);
		printf("%9s %9s ", up, down);
		col(zl_ctl_jstr(r, "action"), 6);
		printf("%s\n", zl_ctl_jstr(r, "rule"));
	}
	if (json_is_integer(json_object_get(j, "next_before_id")))
		printf("(%zu row%s; older ones: --before-id %lld)\n", json_array_size(rows),
		       json_array_size(rows) == 1 ? "" : "s", zl_ctl_jint(j, "next_before_id"));
	else
		printf("(%zu row%s)\n", json_array_size(rows), json_array_size(rows) == 1 ? "" : "s");
}

/* GET path and copy the answer to stdout as it is (the CSV export);
 * a JSON error is printed as one. */
static int get_raw(const char *sock, const char *path)
{
	struct buf b = { NULL, 0 };
	long code = request(sock, "GET", path, NULL, 60, &b);
	json_t *j;

	if (code != 200) {
		j = b.p ? json_loads(b.p, 0, NULL) : NULL;
		fprintf(stderr, "zhulanctl: %s\n", j ? zl_ctl_jstr(j, "error") : "the daemon refused");
		json_decref(j);
		free(b.p);
		return 1;
	}
	if (b.n)
		fwrite(b.p, 1, b.n, stdout);
	free(b.p);
	return 0;
}

static void usage(FILE *o)
{
	fprintf(o,
"usage: zhulanctl [-s SOCKET] [--json] status\n"
"       zhulanctl [-s SOCKET] [--json] flows [--live|--stored] [--host IP] [--app NAME]\n"
"                 [--category NAME] [--since 1h] [--limit N]\n"
"       zhulanctl [-s SOCKET] [--json] top [hosts|apps|categories|departments] [--since 1h] [--limit N]\n"
"       zhulanctl [-s SOCKET] reload\n"
"       zhulanctl [-s SOCKET] [--json|--csv] access-log [--since 1d] [--from T] [--to T]\n"
"                 [--department D] [--host H] [--owner P] [--app A] [--domain D|*.D]\n"
"                 [--action block|audit|limit] [--limit N] [--before-id N]\n"
"       zhulanctl policy check FILE\n"
"       zhulanctl policy compile FILE       (the table inet zhulan, in nft syntax)\n"
"       zhulanctl policy names apps|categories   (the names a policy may use)\n"
"       zhulanctl [-s SOCKET] [--json] policy apply FILE [--confirm SECONDS] [--comment TEXT]\n"
"       zhulanctl [-s SOCKET] [--json] policy diff FILE\n"
"       zhulanctl [-s SOCKET] [--json] policy confirm | rollback [VERSION] | history\n"
"       zhulanctl [-s SOCKET] [--json] policy show [--counters]\n"
"       zhulanctl [-s SOCKET] [--json] hosts import FILE.csv | hosts list\n"
"       zhulanctl [-s SOCKET] [--json] users add NAME --role ROLE | list (root only)\n"
"       zhulanctl [-s SOCKET] users disable|enable|passwd|reset-2fa NAME (root only)\n"
"       zhulanctl [--json] ipv6 check URL [--interval-ms N] [--max-pages N] [--cacert FILE]\n"
"       zhulanctl [-s SOCKET] [--json] ipv6 [hosts|services] [--department D]\n"

"       zhulanctl [-s SOCKET] [--json] incidents [--status S] [--type T] [--severity S]\n"
"                 [--department D] [--since 1d] [--limit N]\n"
"       zhulanctl [-s SOCKET] [--json] incident N [ack|resolve|false-positive] [--note TEXT]\n"
"                 [--assign USER]\n"

"       zhulanctl [-s SOCKET] [--json] ipv6 sites | ipv6 queue [URL] | ipv6 check\n"

"       zhulanctl report (--month YYYY-MM | --from T --to T) [--format pdf|xlsx|csv] [--lang zh|en]\n"
"                 [--persons] --output PATH; report list; report get N --output PATH\n");
}

static int hosts(const char *sock, int json, int argc, char **argv)
{
	json_t *j, *v;
	long code = 0;
	size_t k;
	int rc;

	if (argc == 2 && !strcmp(argv[0], "import")) {
		FILE *fp = fopen(argv[1], "r");
		char *text = NULL, *body;
		size_t cap = 0, len = 0, r;
		json_t *req;
		const char *base = strrchr(argv[1], '/');

		if (!fp) {
			fprintf(stderr, "zhulanctl: %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
		do {
			if (len + 65536 + 1 > cap) {
				char *t = realloc(text, cap = (len + 65536 + 1) * 2);
				if (!t) {
					fclose(fp);
					free(text);
					return 1;
				}
				text = t;
			}
			r = fread(text + len, 1, cap - len - 1, fp);
			len += r;
		} while (r > 0);
		fclose(fp);
		text[len] = 0;
		req = json_pack("{s:s, s:s%}", "name", base ? base + 1 : argv[1], "csv", text, len);
		free(text);
		if (!req) {
			fprintf(stderr, "zhulanctl: %s: not UTF-8 text\n", argv[1]);
			return 1;
		}
		body = json_dumps(req, JSON_COMPACT);
		json_decref(req);
		curl_global_init(CURL_GLOBAL_DEFAULT);
		j = call_body(sock, "POST", "/v1/hosts/import", body, &code);
		free(body);
	} else if (argc == 1 && !strcmp(argv[0], "list")) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		j = call(sock, "GET", "/v1/hosts", &code);
	} else {
		fprintf(stderr, "usage: zhulanctl hosts import FILE | hosts list\n");
		return 2;
	}
	rc = code == 200 ? 0 : 1;
	if (json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (!strcmp(argv[0], "import")) {
		json_array_foreach(json_object_get(j, "messages"), k, v)
			fprintf(stderr, "%s\n", json_string_value(v));
		if (rc)
			fprintf(stderr, "zhulanctl: %s\n", zl_ctl_jstr(j, "error"));
		else
			printf("%lld hosts imported, %lld rows refused, %lld warnings\n",
			       zl_ctl_jint(j, "imported"), zl_ctl_jint(j, "refused"), zl_ctl_jint(j, "warnings"));
	} else {
		printf("%-20s %-18s %-20s %-12s %-16s %s\n", "address", "mac", "name", "owner",
		       "department", "seen at");
		json_array_foreach(json_object_get(j, "hosts"), k, v) {
			json_t *a;
			size_t m;
			printf("%-20s %-18s %-20s %-12s %-16s", zl_ctl_jstr(v, "address"), zl_ctl_jstr(v, "mac"),
			       zl_ctl_jstr(v, "name"), zl_ctl_jstr(v, "owner"), zl_ctl_jstr(v, "department"));
			json_array_foreach(json_object_get(v, "seen_at"), m, a)
				printf(" %s", json_string_value(a));
			printf("\n");
		}
	}
	if (!rc && !strcmp(argv[0], "import") && zl_ctl_jint(j, "refused") > 0)
		rc = 1;
	json_decref(j);
	curl_global_cleanup();
	return rc;
}

/* `policy apply|diff|confirm|rollback|history|show` through the daemon. */
/* Append "&k=v" with v escaped. */
static void qadd(char *q, size_t len, const char *k, const char *v)
{
	char *e;

	if (!v)
		return;
	e = curl_easy_escape(NULL, v, 0);
	snprintf(q + strlen(q), len - strlen(q), "%s%s=%s", strchr(q, '?') ? "&" : "?", k, e);
	curl_free(e);
}

/* access-log's options, long only (no letter to clash with) */
enum { OPT_FROM = 0x100, OPT_TO, OPT_DEPARTMENT, OPT_OWNER, OPT_DOMAIN, OPT_ACTION,
       OPT_BEFORE_ID, OPT_CSV, OPT_ROLE,
       OPT_STATUS, OPT_TYPE, OPT_SEVERITY, OPT_NOTE, OPT_ASSIGN };

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' },
		{ "live", no_argument, NULL, 'L' }, { "stored", no_argument, NULL, 'S' },
		{ "host", required_argument, NULL, 'H' }, { "app", required_argument, NULL, 'a' },
		{ "category", required_argument, NULL, 'C' }, { "since", required_argument, NULL, 'i' },
		{ "limit", required_argument, NULL, 'l' }, { "help", no_argument, NULL, 'h' },
		{ "confirm", required_argument, NULL, 'c' }, { "comment", required_argument, NULL, 'm' },
		{ "counters", no_argument, NULL, 'k' },
		/* access-log (long options only) */
		{ "from", required_argument, NULL, OPT_FROM }, { "to", required_argument, NULL, OPT_TO },
		{ "department", required_argument, NULL, OPT_DEPARTMENT },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "domain", required_argument, NULL, OPT_DOMAIN },
		{ "action", required_argument, NULL, OPT_ACTION },
		{ "before-id", required_argument, NULL, OPT_BEFORE_ID },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "role", required_argument, NULL, OPT_ROLE },
		/* incidents */
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "severity", required_argument, NULL, OPT_SEVERITY },
		{ "note", required_argument, NULL, OPT_NOTE },
		{ "assign", required_argument, NULL, OPT_ASSIGN },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *to = NULL, *department = NULL, *owner = NULL, *domain = NULL,
		   *action = NULL, *before_id = NULL;
	int csv = 0;
	const char *role = NULL;
	struct zl_ctl_inc_opts io = { 0 };
	const char *sock = "/run/zhulan/control.sock", *host = NULL, *app = NULL,
		   *cat = NULL, *since = NULL, *limit = NULL, *live = NULL, *cmd = NULL, *pos,
		   *confirm = NULL, *comment = NULL;
	char q[2048], since_arg[64];
	int c, json = 0, rc, pass, counters = 0;
	long code = 0;
	json_t *j;

	if (getenv("ZHULAN_SOCKET"))
		sock = getenv("ZHULAN_SOCKET");
	/* Options before the command ("+": stop at it), then the command's
	 * own options and subject, parsed as an argument vector of their own
	 * (argv[0] = the command) from the start. */
	for (pass = 0; pass < 2; pass++) {
		while ((c = getopt_long(argc, argv, pass ? "s:jh" : "+s:jh", lo, NULL)) != -1) {
			switch (c) {
			case 's': sock = optarg; break;
			case 'j': json = 1; break;
			case 'L': live = "1"; break;
			case 'S': live = "0"; break;
			case 'H': host = optarg; break;
			case 'a': app = optarg; break;
			case 'C': cat = optarg; break;
			case 'i': since = optarg; break;
			case 'l': limit = optarg; break;
			case 'c': confirm = optarg; break;
			case 'm': comment = optarg; break;
			case 'k': counters = 1; break;
			case OPT_FROM: from = optarg; break;
			case OPT_TO: to = optarg; break;
			case OPT_DEPARTMENT: department = optarg; break;
			case OPT_OWNER: owner = optarg; break;
			case OPT_DOMAIN: domain = optarg; break;
			case OPT_ACTION: action = optarg; break;
			case OPT_BEFORE_ID: before_id = optarg; break;
			case OPT_CSV: csv = 1; break;
			case OPT_ROLE: role = optarg; break;
			case OPT_STATUS: io.status = optarg; break;
			case OPT_TYPE: io.type = optarg; break;
			case OPT_SEVERITY: io.severity = optarg; break;
			case OPT_NOTE: io.note = optarg; break;
			case OPT_ASSIGN: io.assign = optarg; break;
			case 'h': usage(stdout); return 0;
			default: usage(stderr); return 2;
			}
		}
		if (pass == 0) {
			if (optind >= argc) {
				usage(stderr);
				return 2;
			}
			cmd = argv[optind];
			argc -= optind;
			argv += optind;
			optind = 0;
			/* "ipv6 check" has its own options (ctl_ipv6.c); "ipv6 [hosts|services]"
			 * asks the daemon (ctl_ipv6_stats.c) */
			if (!strcmp(cmd, "ipv6") && argc > 2 && !strcmp(argv[1], "check"))
				return zl_ctl_ipv6(json, argc, argv);
			if (!strcmp(cmd, "report"))  /* ctl_report.c */
				return zl_ctl_report(sock, json, argc, argv, call_body);
		}
	}
	if (since)
		snprintf(since_arg, sizeof(since_arg), "%s%s", since[0] == '-' ? "" : "-", since);
	if (!strcmp(cmd, "policy"))
		return zl_ctl_policy(sock, json, argc - optind, argv + optind, confirm, comment,
				     counters, call_body);
	if (!strcmp(cmd, "hosts"))
		return hosts(sock, json, argc - optind, argv + optind);
	if (!strcmp(cmd, "users"))
		return zl_ctl_users(sock, json, argc - optind, argv + optind, role, call_body);
	if (!strcmp(cmd, "ipv6") && argc - optind >= 1 && (!strcmp(argv[optind], "sites") ||
	    !strcmp(argv[optind], "queue") || !strcmp(argv[optind], "check")))
		return zl_ctl_ipv6_sites(sock, json, argc - optind, argv + optind, call_body);
	if (!strcmp(cmd, "ipv6"))
		return zl_ctl_ipv6_stats(sock, json, argc - optind, argv + optind, department,
					 call_body);
	if (!strcmp(cmd, "incidents") || !strcmp(cmd, "incident")) {
		io.department = department;
		io.since = since;
		io.limit = limit;
		return zl_ctl_incidents(sock, json, cmd, argc - optind, argv + optind, &io, call_body);
	}
	pos = optind < argc ? argv[optind++] : NULL;
	if (optind < argc || (pos && strcmp(cmd, "top"))) {
		fprintf(stderr, "zhulanctl: unexpected argument \"%s\"\n", optind < argc ? argv[optind] : pos);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!strcmp(cmd, "status")) {
		j = call(sock, "GET", "/v1/status", &code);
	} else if (!strcmp(cmd, "flows")) {
		snprintf(q, sizeof(q), "/v1/flows");
		qadd(q, sizeof(q), "live", live);
		qadd(q, sizeof(q), "host", host);
		qadd(q, sizeof(q), "app", app);
		qadd(q, sizeof(q), "category", cat);
		qadd(q, sizeof(q), "from", since ? since_arg : NULL);
		qadd(q, sizeof(q), "limit", limit);
		j = call(sock, "GET", q, &code);
	} else if (!strcmp(cmd, "top")) {
		snprintf(q, sizeof(q), "/v1/top");
		qadd(q, sizeof(q), "what", pos ? pos : "apps");
		qadd(q, sizeof(q), "from", since ? since_arg : NULL);
		qadd(q, sizeof(q), "limit", limit);
		j = call(sock, "GET", q, &code);
	} else if (!strcmp(cmd, "reload")) {
		j = call(sock, "POST", "/v1/reload", &code);
	} else if (!strcmp(cmd, "access-log")) {
		snprintf(q, sizeof(q), "/v1/access-log");
		qadd(q, sizeof(q), "from", from ? from : since ? since_arg : NULL);
		qadd(q, sizeof(q), "to", to);
		qadd(q, sizeof(q), "department", department);
		qadd(q, sizeof(q), "host", host);
		qadd(q, sizeof(q), "owner", owner);
		qadd(q, sizeof(q), "app", app);
		qadd(q, sizeof(q), "domain", domain);
		qadd(q, sizeof(q), "action", action);
		qadd(q, sizeof(q), "limit", limit);
		qadd(q, sizeof(q), "before_id", before_id);
		if (csv) {
			qadd(q, sizeof(q), "format", "csv");
			rc = get_raw(sock, q);
			curl_global_cleanup();
			return rc;
		}
		j = call(sock, "GET", q, &code);
	} else {
		fprintf(stderr, "zhulanctl: unknown command \"%s\"\n", cmd);
		usage(stderr);
		return 2;
	}
	rc = code == 200 ? 0 : 1;
	if (rc) {
		fprintf(stderr, "zhulanctl: %s\n", zl_ctl_jstr(j, "error"));
	} else if (json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (!strcmp(cmd, "status")) {
		print_status(j);
	} else if (!strcmp(cmd, "flows")) {
		print_flows(j);
	} else if (!strcmp(cmd, "top")) {
		print_top(j);
	} else if (!strcmp(cmd, "access-log")) {
		print_access(j);
	} else {
		printf("%s\n", zl_ctl_jstr(j, "result"));
	}
	json_decref(j);
	curl_global_cleanup();
	return rc;
}
