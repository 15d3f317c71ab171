/*
 * main.c - the zhulan command line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "engine.h"
#include "read.h"

#define MAX_FILES 16

struct files {
	const char *v[MAX_FILES + 1];
	char *owned[MAX_FILES];
	int n;
};

static int add_file(struct files *f, const char *path, int own)
{
	if (f->n >= MAX_FILES) {
		fprintf(stderr, "zhulan: too many protocol/category files (max %d)\n",
			MAX_FILES);
		return -1;
	}
	f->v[f->n] = path;
	f->owned[f->n] = own ? (char *)path : NULL;
	f->n++;
	f->v[f->n] = NULL;
	return 0;
}

static int add_from_dir(struct files *f, const char *dir, const char *name,
			int must_exist)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return -1;
	if (!must_exist && access(p, R_OK) != 0) {
		free(p);
		return 0;
	}
	return add_file(f, p, 1);
}

static void usage(FILE *out)
{
	fprintf(out,
"usage: zhulan [-f] [-c FILE]          run the daemon (default config %s)\n"
"       zhulan --read FILE [--flows-json PATH|-] [--incidents-json PATH|-]\n"
"              [--policy FILE] [--apps] [-q]\n"
"              [--datadir DIR] [--protos FILE]... [--categories FILE]...\n"
"              [--max-flows N] [--eager-dpi] [--dns-answers]\n"
"       zhulan --version\n"
"\n"
"  --read FILE        classify every flow of a pcap/pcapng capture and exit\n"
"  --flows-json PATH  write one JSON object per flow (\"-\" for stdout)\n"
"  --incidents-json PATH  run the incident detectors; write the deduplicated\n"
"                     incidents as JSON lines (\"-\" for stdout) at the end\n"
"  --policy FILE      the detectors' settings from FILE's incidents section\n"
"  --apps             print flows, packets and bytes per application\n"
"  --datadir DIR      where zhulan-protos.txt and zhulan-categories.txt are\n"
"                     (default %s)\n"
"  --protos FILE      an extra nDPI protocol file (repeatable)\n"
"  --categories FILE  an extra nDPI category file (repeatable)\n"
"  --max-flows N      flow table size (default 1048576)\n"
"  --eager-dpi        give nDPI state to flows from their first packet\n"
"  --dns-answers      read DNS responses' record types as the daemon does (the\n"
"                     IPv6 measurement's AAAA; for measuring their cost)\n"
"  --no-app-pack      load neither the Chinese application pack nor /etc files\n"
"  --no-idle-timeout  end flows only at the end of the file\n"
"  -q                 no summary on stderr\n"
"  -f                 stay in the foreground, log to stderr\n"
"  -c FILE            configuration file\n", ZL_SYSCONFDIR "/zhulan/zhulan.conf", ZL_DATADIR);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "flows-json", required_argument, NULL, 'j' },
		{ "apps", no_argument, NULL, 'a' },
		{ "incidents-json", required_argument, NULL, 'I' },
		{ "policy", required_argument, NULL, 'P' },
		{ "datadir", required_argument, NULL, 'D' },
		{ "protos", required_argument, NULL, 'p' },
		{ "categories", required_argument, NULL, 'C' },
		{ "max-flows", required_argument, NULL, 'm' },
		{ "eager-dpi", no_argument, NULL, 'E' },
		{ "dns-answers", no_argument, NULL, 'A' },
		{ "no-app-pack", no_argument, NULL, 'N' },
		{ "no-idle-timeout", no_argument, NULL, 'T' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct zl_read_opts ro = { 0 };
	struct zl_engine_opts eo;
	struct files protos = { 0 }, cats = { 0 }, xprotos = { 0 }, xcats = { 0 };
	const char *datadir = getenv("ZHULAN_DATADIR");
	int c, i, rc, pack = 1, fg = 0;
	const char *conf = ZL_SYSCONFDIR "/zhulan/zhulan.conf";
	char *end;

	zl_engine_opts_default(&eo);
	if (!datadir)
		datadir = ZL_DATADIR;
	while ((c = getopt_long(argc, argv, "qhfc:", lo, NULL)) != -1) {
		switch (c) {
		case 'r': ro.path = optarg; break;
		case 'j': ro.json_path = optarg; break;
		case 'a': ro.apps = 1; break;
		case 'I': ro.incidents_path = optarg; break;
		case 'P': ro.policy_path = optarg; break;
		case 'q': ro.quiet = 1; break;
		case 'f': fg = 1; break;
		case 'c': conf = optarg; break;
		case 'D': datadir = optarg; break;
		case 'p': if (add_file(&xprotos, optarg, 0) < 0) return 2; break;
		case 'C': if (add_file(&xcats, optarg, 0) < 0) return 2; break;
		case 'm':
			eo.flows.max_flows = (uint32_t)strtoul(optarg, &end, 10);
			if (*end || !eo.flows.max_flows) {
				fprintf(stderr, "zhulan: --max-flows: not a positive number: %s\n", optarg);
				return 2;
			}
			break;
		case 'E': eo.classify.eager = 1; break;
		case 'A': eo.dns_answers = 1; break;
		case 'N': pack = 0; break;
		case 'T':
			/* Keep every flow until the end of the file, as
			 * ndpiReader does (and as the memory benchmark needs). */
			eo.flows.timeout_tcp = eo.flows.timeout_tcp_closed =
				eo.flows.timeout_tcp_half =
				eo.flows.timeout_udp = eo.flows.timeout_other = UINT32_MAX;
			break;
		case 'V': printf("zhulan %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!ro.path)
		return zl_daemon_run(conf, fg);
	/* The shipped application pack first, then the administrator's
	 * additions in /etc/zhulan, then files named on the command line. */
	if ((pack && (add_from_dir(&protos, datadir, "zhulan-protos.txt", 1) < 0 ||
		      add_from_dir(&cats, datadir, "zhulan-categories.txt", 1) < 0)) ||
	    (pack && (add_from_dir(&protos, ZL_SYSCONFDIR "/zhulan", "protos.txt", 0) < 0 ||
		      add_from_dir(&cats, ZL_SYSCONFDIR "/zhulan", "categories.txt", 0) < 0)))
		return 2;
	for (i = 0; i < xprotos.n; i++)
		if (add_file(&protos, xprotos.v[i], 0) < 0)
			return 2;
	for (i = 0; i < xcats.n; i++)
		if (add_file(&cats, xcats.v[i], 0) < 0)
			return 2;
	eo.classify.protocol_files = protos.v;
	eo.classify.category_files = cats.v;
	rc = zl_read_file(&ro, &eo);
	for (i = 0; i < protos.n; i++)
		free(protos.owned[i]);
	for (i = 0; i < cats.n; i++)
		free(cats.owned[i]);
	return rc;
}
