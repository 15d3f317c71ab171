/*
 * ctl_ipv6.c - zhulanctl ipv6 check URL [--json] [--interval-ms N]
 *              [--max-pages N] [--cacert FILE]
 *
 * Runs the national-method readiness check of one site in zhulanctl's own
 * process (it needs no privilege, only the network), and prints each
 * criterion with its verdict and reason. The printer reads the check's
 * JSON, the same document the daemon will answer with once it runs the
 * checks itself.
 *
 * Exit status: 0 the site is IPv6-ready, 1 it is not, 2 usage or a URL
 * that cannot be checked.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_ipv6.h"
#include "sitecheck.h"

static void usage(FILE *o)
{
	fprintf(o, "usage: zhulanctl [--json] ipv6 check URL [--interval-ms N] [--max-pages N]\n"
		   "                 [--cacert FILE]\n");
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static void print_result(json_t *j)
{
	json_t *crits = json_object_get(j, "criteria"), *c;
	size_t i, failed = 0;
	int ready = json_is_true(json_object_get(j, "ready"));

	json_array_foreach(crits, i, c)
		failed += !json_is_true(json_object_get(c, "ok"));
	if (ready)
		printf("%s: IPv6-ready ✓\n", str(j, "url"));
	else
		printf("%s: not IPv6-ready ✗ (%zu of %zu criteria failed)\n", str(j, "url"),
		       failed, json_array_size(crits));
	json_array_foreach(crits, i, c)
		printf("  %s %s (%s): %s\n", json_is_true(json_object_get(c, "ok")) ? "✓" : "✗",
		       str(c, "name_zh"), str(c, "name"), str(c, "reason"));
	json_array_foreach(crits, i, c) {
		json_t *nr = json_object_get(c, "not_ready"), *l;
		size_t k;
		if (!json_array_size(nr))
			continue;
		printf("  %s, not IPv6-ready:\n", str(c, "name_zh"));
		json_array_foreach(nr, k, l)
			printf("    %s: %s\n", str(l, "url"), str(l, "reason"));
	}
	printf("  (%lld requests in %.1f s, %s)\n",
	       (long long)json_integer_value(json_object_get(j, "requests")),
	       json_integer_value(json_object_get(j, "duration_ms")) / 1000.0, str(j, "checked"));
}

static int number(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int check(int json, int argc, char **argv)
{
	enum { OPT_INTERVAL = 0x200, OPT_PAGES, OPT_CACERT };
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval-ms", required_argument, NULL, OPT_INTERVAL },
		{ "max-pages", required_argument, NULL, OPT_PAGES },
		{ "cacert", required_argument, NULL, OPT_CACERT },
		{ NULL, 0, NULL, 0 },
	};
	struct zl_sitecheck_opts o;
	struct zl_sitecheck_result *r;
	char err[512];
	long v;
	int c, rc;
	json_t *j;

	zl_sitecheck_opts_default(&o);
	optind = 0;
	while ((c = getopt_long(argc, argv, "j", lo, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case OPT_INTERVAL:
			if (number(optarg, 0, 60000, &v)) {
				fprintf(stderr, "zhulanctl: --interval-ms wants 0 to 60000\n");
				return 2;
			}
			o.interval_ms = v;
			break;
		case OPT_PAGES:
			if (number(optarg, 0, 1000, &v)) {
				fprintf(stderr, "zhulanctl: --max-pages wants 0 to 1000\n");
				return 2;
			}
			o.max_pages = (int)v;
			break;
		case OPT_CACERT: o.ca_file = optarg; break;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "zhulanctl: ipv6 check wants one URL (the policy's sites are "
			"checked by the daemon)\n");
		usage(stderr);
		return 2;
	}
	if (zl_sitecheck_global_init()) {
		fprintf(stderr, "zhulanctl: libcurl could not start\n");
		return 2;
	}
	rc = zl_sitecheck_run(argv[optind], &o, &r, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "zhulanctl: %s\n", err);
		return 2;
	}
	j = zl_sitecheck_json(r);
	if (json)
		json_dumpf(j, stdout, JSON_INDENT(2)), putchar('\n');
	else
		print_result(j);
	rc = zl_sitecheck_ready(r) ? 0 : 1;
	json_decref(j);
	zl_sitecheck_result_free(r);
	return rc;
}

int zl_ctl_ipv6(int json, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return check(json, argc - 1, argv + 1);
	usage(stderr);
	return 2;
}
