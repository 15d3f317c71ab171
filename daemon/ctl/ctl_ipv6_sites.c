/*
 * ctl_ipv6_sites.c - zhulanctl ipv6 sites|queue (ctl_ipv6_sites.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_ipv6_sites.h"
#include "ctl_ipv6_stats.h"

static const char *js(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static void print_sites(json_t *j)
{
	json_t *sum = json_object_get(j, "summary"), *s, *c;
	size_t i, k;

	printf("%lld of %lld configured sites IPv6-ready (%.0f%%; target %lld%%), %lld checked\n",
	       (long long)json_integer_value(json_object_get(sum, "ready")),
	       (long long)json_integer_value(json_object_get(sum, "configured")),
	       json_number_value(json_object_get(sum, "ready_percent")),
	       (long long)json_integer_value(json_object_get(json_object_get(j, "targets"),
							     "portals_percent")),
	       (long long)json_integer_value(json_object_get(sum, "checked")));
	json_array_foreach(json_object_get(j, "sites"), i, s) {
		printf("\n%s%s\n", js(s, "url"), json_is_true(json_object_get(s, "configured")) ? "" :
		       " (checked on demand, not in ipv6_sites)");
		if (json_is_null(json_object_get(s, "checked"))) {
			printf("  not checked yet\n");
			continue;
		}
		printf("  %s, checked %s (since %s)\n",
		       json_is_true(json_object_get(s, "ready")) ? "IPv6-ready ✓" : "not IPv6-ready ✗",
		       js(s, "checked"), js(s, "ready_since"));
		json_array_foreach(json_object_get(s, "criteria"), k, c)
			printf("  %s %s (%s): %s (since %s)\n",
			       json_is_true(json_object_get(c, "ok")) ? "✓" : "✗", js(c, "name_zh"),
			       js(c, "name"), js(c, "reason"), js(c, "since"));
	}
}

int zl_ctl_ipv6_sites(const char *sock, int json, int argc, char **argv, zl_ctl_call_fn call)
{
	int queue = argc >= 1 && (!strcmp(argv[0], "queue") || !strcmp(argv[0], "check"));
	json_t *j, *body = NULL, *v;
	char *b = NULL;
	long code = 0;
	size_t i;
	int rc;

	if (argc < 1 || (!queue && argc != 1) || (queue && argc > 2) ||
	    (!queue && strcmp(argv[0], "sites"))) {
		fprintf(stderr, "usage: zhulanctl ipv6 sites [--json] | ipv6 queue [URL]\n");
		return 2;
	}
	if (queue) {
		body = argc == 2 ? json_pack("{s:s}", "url", argv[1]) : json_object();
		b = json_dumps(body, JSON_COMPACT);
		json_decref(body);
	}
	j = call(sock, queue ? "POST" : "GET", queue ? "/v1/ipv6/check" : "/v1/ipv6/sites", b, &code);
	free(b);
	if ((rc = zl_ctl_ipv6_answer(j, code, queue ? 202 : 200, json)) != 0)
		return rc < 0 ? 1 : 0;
	if (queue) {
		json_array_foreach(json_object_get(j, "queued"), i, v)
			printf("queued: %s\n", json_string_value(v));
	} else {
		print_sites(j);
	}
	json_decref(j);
	return 0;
}
