/*
 * ctl_incidents.c - zhulanctl incidents and zhulanctl incident N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "ctl_incidents.h"

static void usage(void)
{
	fprintf(stderr, "usage: zhulanctl incidents [--status S] [--type T] [--severity S] "
		"[--department D] [--since 1d] [--limit N] [--json]\n"
		"       zhulanctl incident N [--json]\n"
		"       zhulanctl incident N ack|resolve|false-positive [--note TEXT] "
		"[--assign USER]\n"
		"       zhulanctl incident N note --note TEXT | assign --assign USER\n");
}

static const char *js(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "-";
}

static void add_arg(char *q, size_t len, const char *k, const char *v)
{
	char *e;

	if (!v)
		return;
	e = curl_easy_escape(NULL, v, 0);
	snprintf(q + strlen(q), len - strlen(q), "%s%s=%s", strchr(q, '?') ? "&" : "?", k, e);
	curl_free(e);
}

/* "2026-11-29T20:39:03Z" -> "2026-11-29 20:39:03" */
static const char *when(json_t *o, const char *k, char *buf, size_t len)
{
	snprintf(buf, len, "%.19s", js(o, k));
	if (strlen(buf) > 10 && buf[10] == 'T')
		buf[10] = ' ';
	return buf;
}

static void print_list(json_t *j)
{
	json_t *a = json_object_get(j, "incidents"), *i;
	char last[24];
	size_t k;

	printf("%-6s %-19s %-10s %-9s %-14s %7s  %-14s %s\n", "id", "last (UTC)", "type",
	       "severity", "status", "count", "assignee", "what");
	json_array_foreach(a, k, i)
		printf("%-6lld %-19s %-10s %-9s %-14s %7lld  %-14s %s\n",
		       (long long)json_integer_value(json_object_get(i, "id")),
		       when(i, "last", last, sizeof(last)), js(i, "type"), js(i, "severity"),
		       js(i, "status"), (long long)json_integer_value(json_object_get(i, "count")),
		       js(i, "assignee"), js(json_object_get(i, "message"), "en"));
	printf("(%zu incident%s%s)\n", json_array_size(a), json_array_size(a) == 1 ? "" : "s",
	       json_is_true(json_object_get(j, "more")) ? "; more with --limit" : "");
}

static void print_who(const char *label, json_t *i, const char *ip, const char *port,
		      const char *who)
{
	json_t *w = json_object_get(i, who);

	if (!json_is_string(json_object_get(i, ip)))
		return;
	printf("%-12s %s", label, js(i, ip));
	if (json_is_integer(json_object_get(i, port)))
		printf(" port %lld", (long long)json_integer_value(json_object_get(i, port)));
	if (json_is_string(json_object_get(w, "host")) || json_is_string(json_object_get(w, "person")))
		printf("  %s, %s, %s", js(w, "host"), js(w, "person"), js(w, "department"));
	putchar('\n');
}

static void print_one(json_t *i)
{
	json_t *n, *f, *msg = json_object_get(i, "message");
	char a[24], b[24];
	size_t k;

	printf("incident %lld: %s, %s, %s\n", (long long)json_integer_value(json_object_get(i, "id")),
	       js(i, "type"), js(i, "severity"), js(i, "status"));
	printf("%-12s %s\n%-12s %s\n", "en", js(msg, "en"), "zh", js(msg, "zh"));
	printf("%-12s %s to %s (UTC), %lld event(s)\n", "time", when(i, "first", a, sizeof(a)),
	       when(i, "last", b, sizeof(b)), (long long)json_integer_value(json_object_get(i, "count")));
	print_who("source", i, "src_ip", "src_port", "src");
	print_who("destination", i, "dest_ip", "dest_port", "dest");
	if (json_is_string(json_object_get(i, "app_proto")))
		printf("%-12s %s\n", "application", js(i, "app_proto"));
	if (json_array_size(json_object_get(i, "risks")))
		printf("%-12s %s\n", "risk", json_string_value(json_array_get(json_object_get(i, "risks"), 0)));
	printf("%-12s %s\n", "assignee", js(i, "assignee"));
	json_array_foreach(json_object_get(i, "evidence_flows"), k, f)
		printf("%-12s flow %lld: %s %s:%lld -> %s:%lld %s, %s\n", k ? "" : "evidence",
		       (long long)json_integer_value(json_object_get(f, "id")), js(f, "proto"),
		       js(f, "src_ip"), (long long)json_integer_value(json_object_get(f, "src_port")),
		       js(f, "dst_ip"), (long long)json_integer_value(json_object_get(f, "dst_port")),
		       js(f, "app"), when(f, "first_seen", a, sizeof(a)));
	json_array_foreach(json_object_get(i, "notes"), k, n)
		printf("%-12s %s %s: %s -> %s%s%s%s%s\n", k ? "" : "notes", when(n, "ts", a, sizeof(a)),
		       js(n, "who"), js(n, "from"), js(n, "to"),
		       *js(n, "assignee") != '-' && *js(n, "assignee") ? ", assigned to " : "",
		       *js(n, "assignee") != '-' ? js(n, "assignee") : "",
		       *js(n, "text") != '-' && *js(n, "text") ? ": " : "",
		       *js(n, "text") != '-' ? js(n, "text") : "");
}

/* The answer to a request made with code's address (evaluated first). */
static int finish(json_t *j, const long *code, int json, const char *what,
		  void (*print)(json_t *))
{
	int rc = *code == 200 ? 0 : 1;

	if (rc)
		fprintf(stderr, "zhulanctl: %s: %s\n", what, js(j, "error"));
	else if (json)
		json_dumpf(j, stdout, JSON_INDENT(2)), putchar('\n');
	else
		print(j);
	json_decref(j);
	return rc;
}

static void print_change(json_t *j)
{
	printf("incident %lld: %s -> %s\n", (long long)json_integer_value(json_object_get(j, "id")),
	       js(j, "from"), js(j, "status"));
}

int zl_ctl_incidents(const char *sock, int json, const char *cmd, int argc, char **argv,
		     const struct zl_ctl_inc_opts *o, zl_ctl_call_fn call)
{
	static const char *const actions[] = { "ack", "resolve", "false-positive", "note", "assign" };
	char q[1024], since[64], *body;
	const char *id, *act;
	json_t *req;
	long code = 0;
	size_t i;
	int rc;

	if (!strcmp(cmd, "incidents")) {
		if (argc) {
			usage();
			return 2;
		}
		snprintf(q, sizeof(q), "/v1/incidents");
		add_arg(q, sizeof(q), "status", o->status);
		add_arg(q, sizeof(q), "type", o->type);
		add_arg(q, sizeof(q), "severity", o->severity);
		add_arg(q, sizeof(q), "department", o->department);
		if (o->since) {
			/* "1d" means a day ago; a time or "-1d" is passed as it is */
			snprintf(since, sizeof(since), "%s%s",
				 strchr("0123456789", o->since[0]) && !strchr(o->since, '-') &&
				 strpbrk(o->since, "smhd") ? "-" : "", o->since);
			add_arg(q, sizeof(q), "since", since);
		}
		add_arg(q, sizeof(q), "limit", o->limit);
		return finish(call(sock, "GET", q, NULL, &code), &code, json, "incidents", print_list);
	}
	id = argc > 0 ? argv[0] : NULL;
	act = argc > 1 ? argv[1] : NULL;
	if (!id || argc > 2 || strspn(id, "0123456789") != strlen(id) || id[0] == '0') {
		usage();
		return 2;
	}
	snprintf(q, sizeof(q), "/v1/incidents/%s", id);
	if (!act)
		return finish(call(sock, "GET", q, NULL, &code), &code, json, "incident", print_one);
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(act, actions[i]))
			break;
	if (i == sizeof(actions) / sizeof(actions[0]) || (i == 3 && !o->note) ||
	    (i == 4 && !o->assign)) {
		usage();
		return 2;
	}
	req = json_pack("{s:s*, s:s*, s:s*}", "action", i < 3 ? act : NULL, "note", o->note,
			"assign", o->assign);
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	rc = finish(call(sock, "POST", q, body, &code), &code, json, act, print_change);
	free(body);
	return rc;
}
