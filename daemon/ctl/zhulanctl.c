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
#include "ctl_incidents.h"
#include "ctl_ipv6_stats.h"
#include "ctl_users.h"
#include "classify.h"
#include "ctl_ipv6.h"
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

static void human_bytes(double v, char *buf, size_t len)
{
	const char *u[] = { "B", "kB", "MB", "GB", "TB" };
	int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static long long jint(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void print_status(json_t *j)
{
	json_t *ifs = json_object_get(j, "interfaces"), *i, *db = json_object_get(j, "database"), *pol;
	char b[32];
	size_t k;

	printf("zhulan %s, up %llds, %lld flows tracked\n", jstr(j, "version"),
	       jint(j, "uptime_s"), jint(j, "flows_tracked"));
	printf("\n%-12s %12s %12s %12s %10s %10s %10s\n", "interface", "packets", "bytes",
	       "kernel drop", "decode err", "flows", "evicted");
	json_array_foreach(ifs, k, i) {
		json_t *e = json_object_get(i, "decode_errors"), *v;
		const char *key;
		long long errs = 0;
		json_object_foreach(e, key, v)
			if (strcmp(key, "not_ip"))  /* ARP and the like are not errors */
				errs += (long long)json_integer_value(v);
		human_bytes((double)jint(i, "bytes"), b, sizeof(b));
		printf("%-12s %12lld %12s %12lld %10lld %10lld %10lld\n", jstr(i, "name"),
		       jint(i, "packets"), b, jint(i, "kernel_dropped"), errs,
		       jint(i, "flows_live"), jint(i, "flows_evicted"));
		if (!strcmp(jstr(i, "state"), "down"))
			printf("  DOWN since %s, reopening: %s\n", jstr(i, "down_since"),
			       jstr(i, "last_error"));
		else if (jint(i, "reopens"))
			printf("  up; reopened %lld times, last error: %s\n", jint(i, "reopens"),
			       jstr(i, "last_error"));
	}
	human_bytes((double)jint(db, "bytes"), b, sizeof(b));
	printf("\ndatabase %s: %s, %lld records written, %lld dropped (%lld access-log rows), "
	       "%lld purged%s%s\n",
	       jstr(db, "path"), b, jint(db, "written"), jint(db, "dropped"),
	       jint(db, "access_dropped"), jint(db, "purged"), json_is_true(json_object_get(db, "writable")) ? "" : ", NOT WRITABLE: ",
	       json_is_true(json_object_get(db, "writable")) ? "" : jstr(db, "last_error"));
	pol = json_object_get(j, "policy");
	if (json_is_object(pol)) {
		printf("policy: version %lld (%s)", jint(pol, "version"), jstr(pol, "state"));
		if (json_is_string(json_object_get(pol, "confirm_by")))
			printf(", reverts at %s unless confirmed", jstr(pol, "confirm_by"));
		if (json_is_string(json_object_get(pol, "last_error")))
			printf("; last error: %s", jstr(pol, "last_error"));
		printf("\n");
	}
	pol = json_object_get(j, "behaviour");
	if (json_is_object(pol)) {
		json_t *dec = json_object_get(pol, "decisions"), *lat = json_object_get(pol, "block_latency_us");
		printf("behaviour: %lld rules, %lld blocks held; decided %lld block, %lld limit, "
		       "%lld audit, %lld allow", jint(pol, "rules"), jint(pol, "blocks_active"),
		       jint(dec, "block"), jint(dec, "limit"), jint(dec, "audit"), jint(dec, "allow"));
		if (json_is_object(lat))
			printf("; block in the kernel %lld us after its packet (p99 %lld us)",
			       jint(lat, "p50"), jint(lat, "p99"));
		if (json_is_string(json_object_get(pol, "last_error")))
			printf("; last error: %s", jstr(pol, "last_error"));
		printf("\n");
	}
	pol = json_object_get(j, "incidents");
	if (json_is_object(pol)) {
		json_t *o = json_object_get(pol, "open_by_severity");
		printf("incidents open: %lld critical, %lld high, %lld medium, %lld low, %lld info; "
		       "events %lld, queue dropped %lld\n", jint(o, "critical"), jint(o, "high"),
		       jint(o, "medium"), jint(o, "low"), jint(o, "info"), jint(pol, "events"),
		       jint(pol, "dropped"));
	}
	pol = json_object_get(j, "web");
	if (json_is_object(pol))
		printf("web console: https://%s, certificate SHA256 %s (since %s)\n",
		       jstr(pol, "listen"), jstr(pol, "fingerprint"), jstr(pol, "since"));
}

static void flow_row(json_t *f, int live)
{
	char src[80], dst[80], b[32];
	const char *t = jstr(f, "last_seen");

	snprintf(src, sizeof(src), "%s:%lld", jstr(f, "src_ip"), jint(f, "src_port"));
	snprintf(dst, sizeof(dst), "%s:%lld", jstr(f, "dst_ip"), jint(f, "dst_port"));
	human_bytes((double)jint(f, "bytes"), b, sizeof(b));
	printf("%-19.19s %-6s %-30s %-30s %-22s %-16s %-28.28s %8lld %10s %s\n",
	       t, jstr(f, "proto"), src, dst, jstr(f, "app"), jstr(f, "category"),
	       jstr(f, "host"), jint(f, "packets"), b, live ? "live" : jstr(f, "end_reason"));
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

	printf("%-40s %12s %12s %8s\n", jstr(j, "what"), "bytes", "packets", "flows");
	json_array_foreach(t, k, r) {
		human_bytes((double)jint(r, "bytes"), b, sizeof(b));
		printf("%-40s %12s %12lld %8lld\n", jstr(r, "name"), b, jint(r, "packets"),
		       jint(r, "flows"));
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
		snprintf(t, sizeof(t), "%.19s", jstr(r, "ts"));
		if (t[10] == 'T')
			t[10] = ' ';
		snprintf(server, sizeof(server), strchr(jstr(r, "server_ip"), ':') ? "[%s]:%lld" :
			 "%s:%lld", jstr(r, "server_ip"), jint(r, "server_port"));
		human_bytes((double)jint(r, "bytes_up"), up, sizeof(up));
		human_bytes((double)jint(r, "bytes_down"), down, sizeof(down));
		col(t, 19);
		col(jstr(r, "client_ip"), 15);
		col(jstr(r, "host_name"), 14);
		col(jstr(r, "owner"), 8);
		col(jstr(r, "department"), 16);
		col(jstr(r, "app"), 18);
		col(jstr(r, "domain"), 28);
		col(server, 21);
		printf("%9s %9s ", up, down);
		col(jstr(r, "action"), 6);
		printf("%s\n", jstr(r, "rule"));
	}
	if (json_is_integer(json_object_get(j, "next_before_id")))
		printf("(%zu row%s; older ones: --before-id %lld)\n", json_array_size(rows),
		       json_array_size(rows) == 1 ? "" : "s", jint(j, "next_before_id"));
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
		fprintf(stderr, "zhulanctl: %s\n", j ? jstr(j, "error") : "the daemon refused");
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

"       zhulanctl report (--month YYYY-MM | --from T --to T) [--format pdf|xlsx|csv] [--lang zh|en]\n"
"                 [--persons] --output PATH; report list; report get N --output PATH\n");
}

static int hook_app(const char *name, char *suggest, size_t n, void *ud)
{
	return zl_app_known(ud, name, suggest, n);
}

static int hook_category(const char *name, char *suggest, size_t n, void *ud)
{
	return zl_category_known(ud, name, suggest, n);
}

static int hook_risk(const char *name, char *suggest, size_t n, void *ud)
{
	(void)ud;
	return zl_risk_known(name, suggest, n);
}

/* nDPI's and the pack's names (the same files the daemon loads), or NULL
 * with a warning: names are then not checked here. */
static struct zl_classifier *names(struct zl_policy_hooks *h)
{
	const char *dir = getenv("ZHULAN_DATADIR") ? getenv("ZHULAN_DATADIR") : ZL_DATADIR;
	char pp[1024], cp[1024], err[512];
	const char *protos[3] = { pp, NULL, NULL }, *cats[3] = { cp, NULL, NULL };
	struct zl_classifier_opts o = { protos, cats, 0, 0, 0 };
	struct zl_classifier *c;

	snprintf(pp, sizeof(pp), "%s/zhulan-protos.txt", dir);
	snprintf(cp, sizeof(cp), "%s/zhulan-categories.txt", dir);
	if (access(ZL_SYSCONFDIR "/zhulan/protos.txt", R_OK) == 0)
		protos[1] = ZL_SYSCONFDIR "/zhulan/protos.txt";
	if (access(ZL_SYSCONFDIR "/zhulan/categories.txt", R_OK) == 0)
		cats[1] = ZL_SYSCONFDIR "/zhulan/categories.txt";
	c = zl_classifier_new(&o, err, sizeof(err));
	if (!c)
		fprintf(stderr, "zhulanctl: %s (application names are not checked)\n", err);
	*h = (struct zl_policy_hooks){ hook_app, hook_category, NULL, c, hook_risk };
	return c;
}

/*
 * `policy check FILE`: the policy's grammar and names, with application
 * and category names checked against nDPI and the application pack. No
 * daemon, no root.
 */
static int policy_check(const char *path)
{
	struct zl_policy_hooks h;
	struct zl_classifier *c = names(&h);
	int rc = zl_policy_check_report(path, c ? &h : NULL, stdout, stderr);

	zl_classifier_free(c);
	return rc;
}

/* FILE and its set files as the daemon takes them, checked here first:
 * NULL (errors printed) if the policy has errors. */
static json_t *read_bundle(const char *path)
{
	struct zl_policy_hooks h;
	struct zl_classifier *c = names(&h);
	struct zl_diag d;
	json_t *b;

	zl_diag_init(&d);
	b = zl_bundle_read(path, c ? &h : NULL, &d);
	zl_diag_print(&d, stderr);
	zl_diag_free(&d);
	zl_classifier_free(c);
	return b;
}

static void print_lines(json_t *a, FILE *o)
{
	json_t *v;
	size_t k;

	json_array_foreach(a, k, v)
		fprintf(o, "%s\n", json_string_value(v));
}

static void print_diff(json_t *j)
{
	json_t *v, *e;
	size_t k, m;
	int any = 0;

	json_array_foreach(json_object_get(j, "chains"), k, v) {
		printf("~ filter %s: default %s -> %s\n", jstr(v, "chain"), jstr(v, "from"), jstr(v, "to"));
		any = 1;
	}
	json_array_foreach(json_object_get(j, "rules"), k, v) {
		printf("%s %-8s %-24s %s\n", jstr(v, "op"), jstr(v, "chain"), jstr(v, "line"),
		       jstr(v, "rule"));
		any = 1;
	}
	json_array_foreach(json_object_get(j, "sets"), k, v) {
		printf("~ set %s (%s): %lld added, %lld removed\n", jstr(v, "set"), jstr(v, "change"),
		       jint(v, "added"), jint(v, "removed"));
		json_array_foreach(json_object_get(v, "add"), m, e)
			printf("+   %s\n", json_string_value(e));
		json_array_foreach(json_object_get(v, "remove"), m, e)
			printf("-   %s\n", json_string_value(e));
		any = 1;
	}
	if (!any)
		printf("no change against version %lld\n", jint(j, "against"));
}

static void print_history(json_t *j)
{
	json_t *v;
	size_t k;

	printf("%7s  %-9s  %-20s  %-28s %s\n", "version", "state", "applied (UTC)", "by", "comment");
	json_array_foreach(json_object_get(j, "versions"), k, v)
		printf("%7lld  %-9s  %-20s  %-28s %s\n", jint(v, "version"), jstr(v, "state"),
		       jstr(v, "ts"), jstr(v, "who"), jstr(v, "comment"));
}

static void print_show(json_t *j, int counters)
{
	json_t *v;
	size_t k;

	printf("policy version %lld (%s)", jint(j, "version"), jstr(j, "state"));
	if (json_is_string(json_object_get(j, "applied")))
		printf(", applied %s", jstr(j, "applied"));
	if (json_is_string(json_object_get(j, "name")))
		printf(", from %s", jstr(j, "name"));
	printf("\n");
	if (json_is_string(json_object_get(j, "confirm_by")))
		printf("awaiting confirmation: reverts at %s unless `zhulanctl policy confirm`\n",
		       jstr(j, "confirm_by"));
	if (json_is_string(json_object_get(j, "last_error")))
		printf("last error: %s\n", jstr(j, "last_error"));
	if (!json_is_true(json_object_get(j, "table")))
		printf("table inet zhulan is not in the kernel\n");
	if (!counters) {
		printf("\n%s", json_is_string(json_object_get(j, "text")) ? jstr(j, "text") : "");
		return;
	}
	printf("\n%-8s %-22s %12s %12s  %s\n", "chain", "line", "packets", "bytes", "rule");
	json_array_foreach(json_object_get(j, "rules"), k, v) {
		char b[32];
		if (!json_is_string(json_object_get(v, "line")))
			continue;       /* the built-in head of each chain */
		human_bytes((double)jint(v, "bytes"), b, sizeof(b));
		printf("%-8s %-22s %12lld %12s  %s\n", jstr(v, "chain"), jstr(v, "line"),
		       jint(v, "packets"), b, jstr(v, "source"));
	}
}

/*
 * `hosts import FILE`: the address book from a CSV (address or MAC, host
 * name, owner, department); bad rows are reported with their lines and
 * left out, the good ones kept (exit 1 if any row was refused).
 * `hosts list`: the book, with where MAC rows were last seen.
 */
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
			fprintf(stderr, "zhulanctl: %s\n", jstr(j, "error"));
		else
			printf("%lld hosts imported, %lld rows refused, %lld warnings\n",
			       jint(j, "imported"), jint(j, "refused"), jint(j, "warnings"));
	} else {
		printf("%-20s %-18s %-20s %-12s %-16s %s\n", "address", "mac", "name", "owner",
		       "department", "seen at");
		json_array_foreach(json_object_get(j, "hosts"), k, v) {
			json_t *a;
			size_t m;
			printf("%-20s %-18s %-20s %-12s %-16s", jstr(v, "address"), jstr(v, "mac"),
			       jstr(v, "name"), jstr(v, "owner"), jstr(v, "department"));
			json_array_foreach(json_object_get(v, "seen_at"), m, a)
				printf(" %s", json_string_value(a));
			printf("\n");
		}
	}
	if (!rc && !strcmp(argv[0], "import") && jint(j, "refused") > 0)
		rc = 1;
	json_decref(j);
	curl_global_cleanup();
	return rc;
}

/* `policy apply|diff|confirm|rollback|history|show` through the daemon. */
static int policy_remote(const char *sock, int json, int argc, char **argv,
			 const char *confirm, const char *comment, int counters)
{
	const char *sub = argv[0];
	json_t *j = NULL, *req;
	long code = 0;
	char *body, path[64];
	int rc;

	if ((!strcmp(sub, "apply") || !strcmp(sub, "diff")) && argc == 2) {
		json_t *b = read_bundle(argv[1]);
		if (!b)
			return 1;
		req = json_pack("{s:o}", "policy", b);
		if (comment)
			json_object_set_new(req, "comment", json_string(comment));
		if (confirm) {
			char *end;
			long s = strtol(confirm, &end, 10);
			if (*end || s < 1 || s > 86400) {
				fprintf(stderr, "zhulanctl: --confirm: expected 1 to 86400 seconds\n");
				json_decref(req);
				return 2;
			}
			json_object_set_new(req, "confirm", json_integer(s));
		}
		snprintf(path, sizeof(path), "/v1/policy/%s", sub);
	} else if (!strcmp(sub, "rollback") && argc <= 2) {
		req = json_object();
		if (argc == 2)
			json_object_set_new(req, "version", json_integer(strtoll(argv[1], NULL, 10)));
		snprintf(path, sizeof(path), "/v1/policy/rollback");
	} else if (!strcmp(sub, "confirm") && argc == 1) {
		req = json_object();
		snprintf(path, sizeof(path), "/v1/policy/confirm");
	} else if ((!strcmp(sub, "history") || !strcmp(sub, "show")) && argc == 1) {
		req = NULL;
		snprintf(path, sizeof(path), "/v1/policy%s", !strcmp(sub, "history") ? "/history" : "");
	} else {
		fprintf(stderr, "usage: zhulanctl policy check|compile|apply|diff FILE, "
			"policy confirm|history|show, policy rollback [VERSION]\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (req) {
		body = json_dumps(req, JSON_COMPACT);
		json_decref(req);
		j = call_body(sock, "POST", path, body, &code);
		free(body);
	} else {
		j = call(sock, "GET", path, &code);
	}
	rc = code == 200 ? 0 : 1;
	if (json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (rc) {
		fprintf(stderr, "zhulanctl: %s\n", jstr(j, "error"));
		if (json_array_size(json_object_get(j, "diagnostics")) > 1)
			print_lines(json_object_get(j, "diagnostics"), stderr);
		if (code == 409 && json_is_integer(json_object_get(j, "in_force")))
			fprintf(stderr, "zhulanctl: version %lld stays in force\n", jint(j, "in_force"));
	} else if (!strcmp(sub, "apply") || !strcmp(sub, "rollback")) {
		printf("version %lld in force: %lld rules, applied in %.1f ms\n", jint(j, "version"),
		       jint(j, "rules"), json_real_value(json_object_get(j, "apply_ms")));
		if (json_is_string(json_object_get(j, "confirm_by")))
			printf("confirm with `zhulanctl policy confirm` by %s, or the previous "
			       "version comes back\n", jstr(j, "confirm_by"));
	} else if (!strcmp(sub, "confirm")) {
		printf("version %lld confirmed\n", jint(j, "version"));
	} else if (!strcmp(sub, "diff")) {
		print_diff(j);
	} else if (!strcmp(sub, "history")) {
		print_history(j);
	} else {
		print_show(j, counters);
	}
	json_decref(j);
	curl_global_cleanup();
	return rc;
}

/* `policy compile FILE`: the nft script Zhulan makes of a policy. */
static int policy_compile(const char *path)
{
	struct zl_diag d;
	struct zl_policy *p;
	struct zl_flat *f;
	int rc = 1;

	zl_diag_init(&d);
	p = zl_policy_parse(path, NULL, &d);
	zl_diag_print(&d, stderr);
	if (p && (f = zl_flat_new(p))) {
		rc = zl_flat_write_nft(f, stdout) < 0 ? 1 : 0;
		zl_flat_free(f);
	}
	zl_policy_free(p);
	zl_diag_free(&d);
	return rc;
}

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
			if (!strcmp(cmd, "ipv6") && argc > 1 && !strcmp(argv[1], "check"))
				return zl_ctl_ipv6(json, argc, argv);
			if (!strcmp(cmd, "report"))  /* ctl_report.c */
				return zl_ctl_report(sock, json, argc, argv, call_body);
		}
	}
	if (since)
		snprintf(since_arg, sizeof(since_arg), "%s%s", since[0] == '-' ? "" : "-", since);
	if (!strcmp(cmd, "policy")) {
		if (argc - optind == 2 && !strcmp(argv[optind], "check"))
			return policy_check(argv[optind + 1]);
		if (argc - optind == 2 && !strcmp(argv[optind], "compile"))
			return policy_compile(argv[optind + 1]);
		if (argc - optind >= 1)
			return policy_remote(sock, json, argc - optind, argv + optind, confirm,
					     comment, counters);
		fprintf(stderr, "usage: zhulanctl policy check|compile|apply|diff FILE, "
			"policy confirm|history|show, policy rollback [VERSION]\n");
		return 2;
	}
	if (!strcmp(cmd, "hosts"))
		return hosts(sock, json, argc - optind, argv + optind);
	if (!strcmp(cmd, "users"))
		return zl_ctl_users(sock, json, argc - optind, argv + optind, role, call_body);
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
		fprintf(stderr, "zhulanctl: %s\n", jstr(j, "error"));
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
		printf("%s\n", jstr(j, "result"));
	}
	json_decref(j);
	curl_global_cleanup();
	return rc;
}
