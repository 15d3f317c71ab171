/*
 * ctl_ipv6_stats.c - zhulanctl ipv6 [hosts|services] [--department D]
 * [--json]: the county's and departments' IPv6 figures against the
 * national target, the hosts (admin only: personal data), the services
 * and the to-do lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_ipv6_stats.h"

static const char *js(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static long long ji(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);
	return (long long)json_integer_value(b ? json_object_get(v, b) : v);
}

static double jr(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);
	return json_number_value(b ? json_object_get(v, b) : v);
}

static void bytes(long long v, char *buf, size_t len)
{
	const char *u[] = { "B", "kB", "MB", "GB", "TB" };
	double d = (double)v;
	int i = 0;

	while (d >= 1000 && i < 4) {
		d /= 1000;
		i++;
	}
	snprintf(buf, len, i ? "%.1f %s" : "%.0f %s", d, u[i]);
}

/* Percent-encode v onto q (department names are Chinese). */
static void qarg(char *q, size_t len, const char *k, const char *v)
{
	size_t n = strlen(q);

	if (!v)
		return;
	n += (size_t)snprintf(q + n, n < len ? len - n : 0, "%s%s=", strchr(q, '?') ? "&" : "?", k);
	for (; *v && n + 4 < len; v++) {
		unsigned char c = (unsigned char)*v;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))
			q[n++] = (char)c;
		else
			n += (size_t)snprintf(q + n, len - n, "%%%02X", c);
	}
	q[n < len ? n : len - 1] = 0;
}

static void fig_row(const char *name, json_t *f)
{
	json_t *h = json_object_get(f, "hosts");

	printf("%-16s %6lld %7lld %6lld %8lld %8lld %9.2f%% %9.2f%% %9.2f%%\n", name,
	       ji(h, "total", NULL), ji(h, "dual_stack_active", NULL), ji(h, "ipv6_idle", NULL),
	       ji(h, "ipv4_only", NULL), ji(h, "ipv6_only", NULL), jr(f, "bytes", "ipv6_share"),
	       jr(f, "flows", "ipv6_share"), jr(f, "active_hosts_share", NULL));
}

static void print_summary(json_t *j)
{
	json_t *c = json_object_get(j, "county"), *d;
	size_t i;

	printf("IPv6 on %s (the gateway's local date; from the %s); national target: %lld%% of traffic, "
	       "%lld%% of portals\n", js(j, "day"), js(j, "source"),
	       ji(j, "targets", "traffic_percent"), ji(j, "targets", "portals_percent"));
	printf("%-16s %6s %7s %6s %8s %8s %10s %10s %10s\n", "", "hosts", "active", "idle",
	       "v4-only", "v6-only", "bytes v6", "flows v6", "hosts v6");
	fig_row("county", c);
	json_array_foreach(json_object_get(j, "departments"), i, d)
		fig_row(js(d, "department")[0] ? js(d, "department") : "(none)", d);
	printf("dual-stack hosts that use IPv6: %.2f%%\n", jr(c, "dual_stack_use_share", NULL));
	printf("to do: %lld services used over IPv4 although they have AAAA, %lld without AAAA "
	       "(zhulanctl ipv6 services)\n", ji(j, "todo", "aaaa_over_ipv4"), ji(j, "todo", "no_aaaa"));
	printf("internal servers: %lld, %lld of them serving over IPv6\n",
	       ji(j, "internal", "servers"), ji(j, "internal", "serving_ipv6"));
}

static void print_hosts(json_t *j)
{
	json_t *h, *a;
	size_t i, k;
	char b4[32], b6[32];

	printf("hosts on %s (the gateway's local date)\n", js(j, "day"));
	printf("%-18s %-12s %-16s %-18s %10s %10s %8s  %s\n", "host", "department", "name",
	       "state", "IPv4", "IPv6", "v6 share", "addresses");
	json_array_foreach(json_object_get(j, "hosts"), i, h) {
		bytes(ji(h, "bytes_ipv4", NULL), b4, sizeof(b4));
		bytes(ji(h, "bytes_ipv6", NULL), b6, sizeof(b6));
		printf("%-18s %-12s %-16s %-18s %10s %10s %7.2f%% ", js(h, "host"),
		       js(h, "department"), js(h, "name"), js(h, "state"), b4, b6,
		       jr(h, "bytes_ipv6_share", NULL));
		json_array_foreach(json_object_get(h, "addresses"), k, a)
			printf(" %s", json_string_value(a));
		printf("\n");
	}
}

static void svc_rows(const char *title, json_t *a)
{
	json_t *s;
	size_t i;
	char b4[32], b6[32];

	printf("%s\n", title);
	if (!json_array_size(a))
		printf("  (none)\n");
	json_array_foreach(a, i, s) {
		bytes(ji(s, "bytes_ipv4", NULL), b4, sizeof(b4));
		bytes(ji(s, "bytes_ipv6", NULL), b6, sizeof(b6));
		printf("  %-32s %-20s AAAA %-7s IPv4 %10s  IPv6 %10s\n", js(s, "name"), js(s, "app"),
		       js(s, "aaaa"), b4, b6);
	}
}

static void print_apps(json_t *a)
{
	json_t *s;
	size_t i;
	char b4[32], b6[32];

	printf("by application:\n");
	json_array_foreach(a, i, s) {
		bytes(ji(s, "bytes_ipv4", NULL), b4, sizeof(b4));
		bytes(ji(s, "bytes_ipv6", NULL), b6, sizeof(b6));
		printf("  %-20s %5lld names (%lld with AAAA, %lld without)  IPv4 %10s  IPv6 %10s  "
		       "%.2f%%\n", js(s, "app"), ji(s, "services", NULL), ji(s, "with_aaaa", NULL),
		       ji(s, "without_aaaa", NULL), b4, b6, jr(s, "bytes_ipv6_share", NULL));
	}
}

static void print_services(json_t *j)
{
	printf("services from %s to %s (the gateway's local dates)\n", js(j, "from"), js(j, "to"));
	svc_rows("used over IPv4 although they have AAAA (clients or resolvers to fix):",
		 json_object_get(json_object_get(j, "todo"), "aaaa_over_ipv4"));
	svc_rows("without AAAA (the provider's to do):",
		 json_object_get(json_object_get(j, "todo"), "no_aaaa"));
	svc_rows("internal servers' names:", json_object_get(j, "internal"));
	print_apps(json_object_get(j, "apps"));
}

int zl_ctl_ipv6_answer(json_t *j, long code, long want, int json)
{
	if (code != want) {
		fprintf(stderr, "zhulanctl: %s\n", js(j, "error")[0] ? js(j, "error") : "request failed");
		json_decref(j);
		return -1;
	}
	if (json) {
		char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(j);
		return 1;
	}
	return 0;
}

int zl_ctl_ipv6_stats(const char *sock, int json, int argc, char **argv, const char *department,
		      zl_ctl_call_fn call)
{
	int rc;
	const char *sub = argc > 0 ? argv[0] : NULL;
	char q[512];
	long code = 0;
	json_t *j;

	if (argc > 1 || (sub && strcmp(sub, "hosts") && strcmp(sub, "services"))) {
		fprintf(stderr, "usage: zhulanctl ipv6 [hosts|services] [--department D] [--json]\n");
		return 2;
	}
	snprintf(q, sizeof(q), "/v1/ipv6%s%s", sub ? "/" : "", sub ? sub : "");
	if (!sub || !strcmp(sub, "hosts"))
		qarg(q, sizeof(q), "department", department);
	j = call(sock, "GET", q, NULL, &code);
	if ((rc = zl_ctl_ipv6_answer(j, code, 200, json)) != 0)
		return rc < 0 ? 1 : 0;
	if (!sub) {
		print_summary(j);
	} else if (!strcmp(sub, "hosts")) {
		print_hosts(j);
	} else {
		print_services(j);
	}
	json_decref(j);
	return 0;
}
