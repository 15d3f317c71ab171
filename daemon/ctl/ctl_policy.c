/*
 * ctl_policy.c - zhulanctl's policy commands: check and compile a file
 * here (with nDPI's and the pack's names), and apply, diff, confirm,
 * rollback, history and show through the daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "bundle.h"
#include "classify.h"
#include "ctl_policy.h"
#include "ctl_util.h"
#include "flat.h"
#include "policy.h"

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

static void put_line(const char *name, void *ud)
{
	(void)ud;
	puts(name);
}

/* `policy names apps|categories`: what a policy may name, one a line. */
static int policy_names(const char *what)
{
	struct zl_policy_hooks h;
	struct zl_classifier *c;

	if (strcmp(what, "apps") && strcmp(what, "categories")) {
		fprintf(stderr, "usage: zhulanctl policy names apps|categories\n");
		return 2;
	}
	if (!(c = names(&h)))
		return 1;
	zl_names_each(c, !strcmp(what, "categories"), put_line, NULL);
	zl_classifier_free(c);
	return 0;
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
		printf("~ filter %s: default %s -> %s\n", zl_ctl_jstr(v, "chain"), zl_ctl_jstr(v, "from"), zl_ctl_jstr(v, "to"));
		any = 1;
	}
	json_array_foreach(json_object_get(j, "rules"), k, v) {
		printf("%s %-8s %-24s %s\n", zl_ctl_jstr(v, "op"), zl_ctl_jstr(v, "chain"), zl_ctl_jstr(v, "line"),
		       zl_ctl_jstr(v, "rule"));
		any = 1;
	}
	json_array_foreach(json_object_get(j, "sets"), k, v) {
		printf("~ set %s (%s): %lld added, %lld removed\n", zl_ctl_jstr(v, "set"), zl_ctl_jstr(v, "change"),
		       zl_ctl_jint(v, "added"), zl_ctl_jint(v, "removed"));
		json_array_foreach(json_object_get(v, "add"), m, e)
			printf("+   %s\n", json_string_value(e));
		json_array_foreach(json_object_get(v, "remove"), m, e)
			printf("-   %s\n", json_string_value(e));
		any = 1;
	}
	json_array_foreach(json_object_get(j, "sections"), k, v) {
		printf("%s %-8s %-24s %s\n", zl_ctl_jstr(v, "op"), zl_ctl_jstr(v, "section"),
		       zl_ctl_jstr(v, "line"), zl_ctl_jstr(v, "item"));
		any = 1;
	}
	if (!any)
		printf("no change against version %lld\n", zl_ctl_jint(j, "against"));
}

static void print_history(json_t *j)
{
	json_t *v;
	size_t k;

	printf("%7s  %-9s  %-20s  %-28s %s\n", "version", "state", "applied (UTC)", "by", "comment");
	json_array_foreach(json_object_get(j, "versions"), k, v)
		printf("%7lld  %-9s  %-20s  %-28s %s\n", zl_ctl_jint(v, "version"), zl_ctl_jstr(v, "state"),
		       zl_ctl_jstr(v, "ts"), zl_ctl_jstr(v, "who"), zl_ctl_jstr(v, "comment"));
}

static void print_show(json_t *j, int counters)
{
	json_t *v;
	size_t k;

	printf("policy version %lld (%s)", zl_ctl_jint(j, "version"), zl_ctl_jstr(j, "state"));
	if (json_is_string(json_object_get(j, "applied")))
		printf(", applied %s", zl_ctl_jstr(j, "applied"));
	if (json_is_string(json_object_get(j, "name")))
		printf(", from %s", zl_ctl_jstr(j, "name"));
	printf("\n");
	if (json_is_string(json_object_get(j, "confirm_by")))
		printf("awaiting confirmation: reverts at %s unless `zhulanctl policy confirm`\n",
		       zl_ctl_jstr(j, "confirm_by"));
	if (json_is_string(json_object_get(j, "last_error")))
		printf("last error: %s\n", zl_ctl_jstr(j, "last_error"));
	if (!json_is_true(json_object_get(j, "table")))
		printf("table inet zhulan is not in the kernel\n");
	if (!counters) {
		printf("\n%s", json_is_string(json_object_get(j, "text")) ? zl_ctl_jstr(j, "text") : "");
		return;
	}
	printf("\n%-8s %-22s %12s %12s  %s\n", "chain", "line", "packets", "bytes", "rule");
	json_array_foreach(json_object_get(j, "rules"), k, v) {
		char b[32];
		if (!json_is_string(json_object_get(v, "line")))
			continue;       /* the built-in head of each chain */
		zl_ctl_human_bytes((double)zl_ctl_jint(v, "bytes"), b, sizeof(b));
		printf("%-8s %-22s %12lld %12s  %s\n", zl_ctl_jstr(v, "chain"), zl_ctl_jstr(v, "line"),
		       zl_ctl_jint(v, "packets"), b, zl_ctl_jstr(v, "source"));
	}
}

/*
 * `hosts import FILE`: the address book from a CSV (address or MAC, host
 * name, owner, department); bad rows are reported with their lines and
 * left out, the good ones kept (exit 1 if any row was refused).
 * `hosts list`: the book, with where MAC rows were last seen.
 */
static int policy_remote(const char *sock, int json, int argc, char **argv,
			 const char *confirm, const char *comment, int counters, zl_ctl_call_fn call_body)
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
		j = call_body(sock, "GET", path, NULL, &code);
	}
	rc = code == 200 ? 0 : 1;
	if (json) {
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (rc) {
		fprintf(stderr, "zhulanctl: %s\n", zl_ctl_jstr(j, "error"));
		if (json_array_size(json_object_get(j, "diagnostics")) > 1)
			print_lines(json_object_get(j, "diagnostics"), stderr);
		if (code == 409 && json_is_integer(json_object_get(j, "in_force")))
			fprintf(stderr, "zhulanctl: version %lld stays in force\n", zl_ctl_jint(j, "in_force"));
	} else if (!strcmp(sub, "apply") || !strcmp(sub, "rollback")) {
		printf("version %lld in force: %lld rules, applied in %.1f ms\n", zl_ctl_jint(j, "version"),
		       zl_ctl_jint(j, "rules"), json_real_value(json_object_get(j, "apply_ms")));
		if (json_is_string(json_object_get(j, "confirm_by")))
			printf("confirm with `zhulanctl policy confirm` by %s, or the previous "
			       "version comes back\n", zl_ctl_jstr(j, "confirm_by"));
	} else if (!strcmp(sub, "confirm")) {
		printf("version %lld confirmed\n", zl_ctl_jint(j, "version"));
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

int zl_ctl_policy(const char *sock, int json, int argc, char **argv, const char *confirm,
		  const char *comment, int counters, zl_ctl_call_fn call)
{
	if (argc == 2 && !strcmp(argv[0], "check"))
		return policy_check(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "compile"))
		return policy_compile(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "names"))
		return policy_names(argv[1]);
	if (argc >= 1)
		return policy_remote(sock, json, argc, argv, confirm, comment, counters, call);
	fprintf(stderr, "usage: zhulanctl policy check|compile|apply|diff FILE, "
		"policy confirm|history|show, policy rollback [VERSION]\n");
	return 2;
}
