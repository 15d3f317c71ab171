/*
 * test_policy.c - the policy front end: the design's example parses into
 * the model it describes, every tests/policy/good-*.conf is clean, and
 * every tests/policy/bad-*.conf produces exactly the diagnostics kept in
 * its .expected file. Set ZL_POLICY_REGEN=1 to rewrite the .expected files
 * from the parser's output (then read the diff before committing it).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "flat.h"
#include "policy.h"
#include "policydiff.h"
#include "tap.h"

/* A stand-in for nDPI's names, with a crude "did you mean". */
static const char *const apps[] = {
	"Douyin", "Kuaishou", "Bilibili", "DingTalk", "WeCom", "1kxun", "Zoom", NULL
};
static const char *const categories[] = {
	"Game", "Video", "Download-FileTransfer-FileSharing", NULL
};

static int known(const char *const *names, const char *name, char *suggest, size_t n)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], name))
			return 1;
	for (int i = 0; names[i]; i++) {
		long d = (long)strlen(names[i]) - (long)strlen(name);

		if (!strncasecmp(names[i], name, 2) && d >= -2 && d <= 2) {
			snprintf(suggest, n, "%s", names[i]);
			break;
		}
	}
	return 0;
}

static int known_app(const char *name, char *suggest, size_t n, void *ud)
{
	(*(int *)ud)++;
	return known(apps, name, suggest, n);
}

static int known_category(const char *name, char *suggest, size_t n, void *ud)
{
	(*(int *)ud)++;
	return known(categories, name, suggest, n);
}

static int hook_calls;
static const struct zl_policy_hooks hooks = { known_app, known_category, NULL, &hook_calls, NULL };

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		buf[0] = 0;
	fclose(fp);
	return buf;
}

/* Messages from index 'from' on, one a line. */
static char *render(const struct zl_diag *d, size_t from)
{
	size_t len = 1;
	char *out, line[1024];

	for (size_t i = from; i < d->n; i++)
		len += (size_t)zl_diag_format(&d->msgs[i], NULL, 0) + 1;
	out = calloc(1, len);
	for (size_t i = from; i < d->n; i++) {
		zl_diag_format(&d->msgs[i], line, sizeof(line));
		strcat(out, line);
		strcat(out, "\n");
	}
	return out;
}

static const char *fmt(const struct zl_prefix *p)
{
	static char buf[4][64];
	static int i;

	i = (i + 1) % 4;
	zl_prefix_format(p, buf[i], sizeof(buf[i]));
	return buf[i];
}

static void test_example(void)
{
	struct zl_diag d;
	struct zl_policy *p;
	const struct zl_rule *r;
	const struct zl_bh_rule *b;
	const struct zl_set *s;
	char *text;

	zl_diag_init(&d);
	hook_calls = 0;
	p = zl_policy_parse("good-example.conf", &hooks, &d);
	text = render(&d, 0);
	ok(p != NULL, "the example parses");
	is_str(text, "", "the example has no diagnostics");
	free(text);
	is_int(hook_calls, 8, "every app and category name went through the hooks");
	if (!p) {
		zl_diag_free(&d);
		return;
	}
	is_str(p->file, "good-example.conf", "the policy knows its file");

	is_int(p->n_zones, 2, "two zones");
	is_str(p->zones[0].name, "lan", "zone lan");
	is_int(p->zones[0].n_ifaces, 1, "lan has one interface");
	is_str(p->zones[0].ifaces[0].s, "lan0", "lan is lan0");
	is_str(p->zones[1].ifaces[0].s, "wan0", "wan is wan0");
	is_int(p->zones[1].loc.line, 2, "wan defined on line 2");

	is_int(p->n_sets, 3, "three sets");
	s = &p->sets[0];
	is_str(s->name, "finance", "set finance");
	is_int(s->n_v4, 1, "finance: one IPv4 prefix");
	is_int(s->n_v6, 1, "finance: one IPv6 prefix");
	is_str(fmt(&s->v4[0]), "192.0.2.0/26", "finance's IPv4 prefix");
	is_str(fmt(&s->v6[0]), "2001:db8:10::/64", "finance's IPv6 prefix");
	is_int(s->v6[0].family, AF_INET6, "an IPv6 family");
	ok(s->path == NULL, "finance is written inline");
	s = &p->sets[2];
	is_str(s->name, "blocklist", "set blocklist");
	is_str(s->path, "blocklist.txt", "blocklist read from blocklist.txt");
	is_int(s->n_v4, 3, "blocklist: three IPv4 entries");
	is_int(s->n_v6, 1, "blocklist: one IPv6 entry");
	is_str(fmt(&s->v4[0]), "203.0.113.7", "an address is a /32");
	is_int(s->v4[0].len, 32, "a /32");
	is_str(fmt(&s->v4[1]), "203.0.113.128/25", "a prefix with a comment after it");
	is_str(fmt(&s->v6[0]), "2001:db8:dead::/48", "an IPv6 prefix from the file");

	is_int(p->n_schedules, 1, "one schedule");
	is_str(p->schedules[0].name, "workhours", "schedule workhours");
	is_int(p->schedules[0].n_spans, 2, "two spans");
	is_int(p->schedules[0].spans[0].days, ZL_MON | ZL_TUE | ZL_WED | ZL_THU | ZL_FRI,
	       "mon-fri");
	is_int(p->schedules[0].spans[0].start, 8 * 60 + 30, "from 08:30");
	is_int(p->schedules[0].spans[0].end, 12 * 60, "to 12:00");
	is_int(p->schedules[0].spans[1].start, 14 * 60, "from 14:00");
	is_int(p->schedules[0].spans[1].end, 17 * 60 + 30, "to 17:30");

	is_int(p->n_filters, 2, "two filters");
	is_int(p->filters[0].hook, ZL_FORWARD, "forward first");
	is_int(p->filters[0].policy, ZL_BLOCK, "default drop");
	is_int(p->filters[0].n_rules, 5, "forward has 5 rules");
	is_int(p->filters[1].hook, ZL_INPUT, "then input");
	is_int(p->filters[1].n_rules, 2, "input has 2 rules");

	r = &p->filters[0].rules[0];
	is_int(r->action, ZL_BLOCK, "rule 1: block");
	is_int(r->log, 1, "rule 1: log before the match");
	is_int(r->from.n, 1, "rule 1: one source");
	is_int(r->from.v[0].type, ZL_EP_SET, "rule 1: from a set");
	ok(r->from.v[0].set == &p->sets[2], "rule 1: from $blocklist, resolved");
	is_int(r->to.n, 0, "rule 1: to any");
	is_int(r->n_protos, 0, "rule 1: any protocol");
	is_str(r->loc.file, "good-example.conf", "rule 1: its file");
	is_int(r->loc.line, 10, "rule 1: line 10");
	is_int(r->loc.col, 3, "rule 1: column 3");

	r = &p->filters[0].rules[1];
	is_int(r->action, ZL_BLOCK, "rule 2: block");
	is_int(r->n_protos, 1, "rule 2: one protocol");
	is_int(r->protos[0], 6, "rule 2: tcp");
	is_int(r->n_ports, 1, "rule 2: one port");
	is_int(r->ports[0].lo, 445, "rule 2: port 445");
	is_int(r->ports[0].hi, 445, "rule 2: a single port");
	is_int(r->log, 1, "rule 2: log after the match");
	ok(r->from.v[0].type == ZL_EP_ZONE && r->from.v[0].zone == &p->zones[0],
	   "rule 2: from zone lan");
	is_int(r->to.n, 0, "rule 2: to any");
	is_int(r->loc.line, 11, "rule 2: line 11");

	r = &p->filters[0].rules[2];
	is_int(r->action, ZL_REJECT, "rule 3: reject");
	is_str(r->from.v[0].name, "education", "rule 3: from $education");
	ok(r->to.v[0].zone == &p->zones[1], "rule 3: to wan");
	is_str(r->during.s, "workhours", "rule 3: during workhours");
	ok(r->schedule == &p->schedules[0], "rule 3: schedule resolved");
	is_int(r->log, 0, "rule 3: no log");
	is_int(r->loc.line, 12, "rule 3: line 12");

	r = &p->filters[0].rules[3];
	is_int(r->action, ZL_PASS, "rule 4: pass");
	ok(r->schedule == NULL && r->during.s == NULL, "rule 4: always");
	is_int(r->loc.line, 13, "rule 4: line 13");

	r = &p->filters[0].rules[4];
	is_int(r->to.v[0].type, ZL_EP_PREFIX, "rule 5: to an address");
	is_str(fmt(&r->to.v[0].prefix), "198.51.100.10", "rule 5: to 198.51.100.10");
	is_int(r->to.v[0].prefix.len, 32, "rule 5: a host");
	is_int(r->n_ports, 2, "rule 5: two ports");
	is_int(r->ports[0].lo, 80, "rule 5: 80");
	is_int(r->ports[1].lo, 443, "rule 5: and 443");
	is_int(r->to.v[0].loc.col, 30, "rule 5: the address's column");

	r = &p->filters[1].rules[0];
	is_int(r->to.v[0].type, ZL_EP_SELF, "input rule 1: to self");
	is_int(r->ports[1].lo, 8443, "input rule 1: port 8443");
	is_int(r->loc.line, 17, "input rule 1: line 17");
	r = &p->filters[1].rules[1];
	is_int(r->n_protos, 2, "input rule 2: two protocols");
	is_int(r->protos[0], 1, "input rule 2: icmp");
	is_int(r->protos[1], 58, "input rule 2: icmpv6");
	ok(r->from.n == 0 && r->to.n == 0, "input rule 2: any to any");

	is_int(p->n_bh, 6, "six behaviour rules");
	b = &p->bh[0];
	is_int(b->action, ZL_BH_BLOCK, "behaviour 1: block");
	is_int(b->object, ZL_BH_APP, "behaviour 1: apps");
	is_int(b->n_names, 3, "behaviour 1: three apps");
	is_str(b->names[2].s, "Bilibili", "behaviour 1: Bilibili");
	is_int(b->names[2].loc.col, 31, "behaviour 1: Bilibili's column");
	ok(b->from.n == 1 && b->from.v[0].set == &p->sets[0], "behaviour 1: from $finance");
	ok(b->schedule == &p->schedules[0], "behaviour 1: during workhours");
	is_int(b->loc.line, 22, "behaviour 1: line 22");
	b = &p->bh[1];
	is_int(b->object, ZL_BH_CATEGORY, "behaviour 2: categories");
	is_str(b->names[1].s, "Video", "behaviour 2: Video");
	ok(b->from.v[0].zone == &p->zones[0], "behaviour 2: from lan");
	b = &p->bh[2];
	is_int(b->action, ZL_BH_LIMIT, "behaviour 3: limit");
	is_str(b->names[0].s, "Download-FileTransfer-FileSharing", "behaviour 3: a name with dashes");
	is_int(b->rate_bps, 2000000, "behaviour 3: 2 mbit/s");
	ok(b->from.v[0].zone == &p->zones[0], "behaviour 3: from lan, after the rate");
	b = &p->bh[3];
	is_int(b->object, ZL_BH_DOMAIN, "behaviour 4: domains");
	is_str(b->names[0].s, "*.casino.example", "behaviour 4: a suffix");
	is_str(b->names[1].s, "ads.example.com", "behaviour 4: an exact name");
	is_int(b->from.n, 0, "behaviour 4: from anyone");
	b = &p->bh[4];
	is_int(b->action, ZL_BH_ALLOW, "behaviour 5: allow");
	is_str(b->names[1].s, "WeCom", "behaviour 5: WeCom");
	b = &p->bh[5];
	is_int(b->action, ZL_BH_AUDIT, "behaviour 6: audit");
	is_int(b->object, ZL_BH_ALL, "behaviour 6: all");
	is_int(b->n_names, 0, "behaviour 6: no names");

	zl_policy_free(p);
	zl_diag_free(&d);
}

static void test_features(void)
{
	struct zl_diag d;
	struct zl_policy *p;
	const struct zl_schedule *s;
	const struct zl_rule *r;

	zl_diag_init(&d);
	p = zl_policy_parse("good-features.conf", &hooks, &d);
	ok(p && d.n == 0, "good-features.conf parses cleanly");
	if (!p) {
		zl_diag_print(&d, stdout);
		zl_diag_free(&d);
		return;
	}
	is_int(p->filters[0].hook, ZL_OUTPUT, "filters keep their order");
	r = &p->filters[1].rules[0];
	ok(r->from.v[0].set == &p->sets[0], "a set used before its definition resolves");
	is_int(r->n_ports, 2, "a port list with a range and a trailing comma");
	ok(r->ports[0].lo == 1 && r->ports[0].hi == 1023, "the range 1-1023");
	is_int(p->filters[1].rules[2].protos[0], 47, "a protocol by number");
	s = &p->schedules[0];
	is_int(s->spans[0].days, ZL_MON | ZL_WED | ZL_FRI, "mon,wed,fri");
	is_int(s->spans[1].days, ZL_FRI | ZL_SAT | ZL_SUN | ZL_MON, "fri-mon wraps the week");
	is_int(s->spans[1].end, 24 * 60, "24:00 ends a day");
	is_int(s->spans[2].days, ZL_SAT | ZL_SUN, "'sat - sun' with spaces");
	is_str(p->zones[0].ifaces[2].s, "br-office.10", "interface names may have '-' and '.'");
	is_int(p->n_bh, 4, "'behavior' is accepted too");
	is_str(p->bh[0].names[0].s, "1kxun", "a quoted app name");
	is_int(p->bh[1].rate_bps, 500000, "500 kbit");
	is_int(p->bh[2].rate_bps, 1000000000, "1 gbit");
	is_str(p->bh[3].names[0].s, "ads.example.com", "domains are lower-cased");
	is_str(p->bh[3].names[1].s, "tracker.example", "a domain without quotes");
	zl_policy_free(p);
	zl_diag_free(&d);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_bad_files(void)
{
	DIR *dir = opendir(".");
	struct dirent *e;
	char *names[256];
	int n = 0;

	while (dir && (e = readdir(dir)) && n < 256) {
		size_t len = strlen(e->d_name);

		if (!strncmp(e->d_name, "bad-", 4) && len > 5 && !strcmp(e->d_name + len - 5, ".conf"))
			names[n++] = strdup(e->d_name);
	}
	if (dir)
		closedir(dir);
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	ok(n >= 20, "%d bad inputs", n);
	for (int i = 0; i < n; i++) {
		char exp_path[300], *want, *got;
		struct zl_diag d;
		struct zl_policy *p;
		int has_error;

		snprintf(exp_path, sizeof(exp_path), "%.*s.expected",
			 (int)strlen(names[i]) - 5, names[i]);
		zl_diag_init(&d);
		p = zl_policy_parse(names[i], &hooks, &d);
		got = render(&d, 0);
		if (getenv("ZL_POLICY_REGEN")) {
			FILE *fp = fopen(exp_path, "w");

			if (fp) {
				fputs(got, fp);
				fclose(fp);
			}
		}
		want = slurp(exp_path);
		ok(want != NULL, "%s has %s beside it", names[i], exp_path);
		is_str(got, want ? want : "", "%s: the expected diagnostics", names[i]);
		ok(d.n > 0, "%s: at least one diagnostic", names[i]);
		has_error = want && strstr(want, ": error: ");
		ok((p == NULL) == (has_error != 0), "%s: %s", names[i],
		   has_error ? "rejected" : "accepted, with warnings");
		zl_policy_free(p);
		zl_diag_free(&d);
		free(want);
		free(got);
		free(names[i]);
	}
}

static void test_api(void)
{
	static const char bad[] = "zone lan { interface lan0 }\n"
		"filter forward default drop { pass from lna }\n";
	static const char good[] = "set b file \"blocklist.txt\"\n";
	struct zl_diag d;
	struct zl_policy *p;
	struct zl_prefix pre;
	char err[200], *text;

	zl_diag_init(&d);
	p = zl_policy_parse_file("no-such-policy.conf", &d);
	ok(p == NULL, "a missing policy is an error");
	text = render(&d, 0);
	is_str(text, "no-such-policy.conf: error: cannot read the policy: No such file or directory\n",
	       "a whole-file message has no line or column");
	free(text);

	p = zl_policy_parse_string("mem.conf", bad, strlen(bad), NULL, &d);
	ok(p == NULL, "a policy from memory, with an error");
	text = render(&d, 1);
	is_str(text, "mem.conf:2:41: error: unknown zone \"lna\" (did you mean \"lan\"?)\n",
	       "messages are appended to the caller's list");
	free(text);
	is_int(d.errors, 2, "the list counts errors");
	is_int(d.warnings, 0, "and warnings");

	p = zl_policy_parse_string("./inline.conf", good, strlen(good), NULL, &d);
	ok(p != NULL, "set files are relative to the policy's directory");
	if (p) {
		is_str(p->sets[0].path, "./blocklist.txt", "the path that was read");
		is_int(p->sets[0].n_v4, 3, "and what it holds");
	}
	zl_policy_free(p);
	zl_diag_free(&d);

	zl_diag_init(&d);
	p = zl_policy_parse_file("bad-behaviour-names.conf", &d);
	ok(p != NULL, "without hooks, app and category names are not checked");
	zl_policy_free(p);
	zl_diag_free(&d);

	ok(zl_prefix_parse("2001:DB8::/32", &pre, err, sizeof(err)) == 0, "an IPv6 prefix in capitals");
	is_str(fmt(&pre), "2001:db8::/32", "printed the usual way");
	ok(zl_prefix_parse("0.0.0.0/0", &pre, err, sizeof(err)) == 0 && pre.len == 0, "a /0");
	ok(zl_prefix_parse("198.51.100.7/24", &pre, err, sizeof(err)) < 0, "host bits refused");
	is_str(err, "198.51.100.7/24 has host bits set; did you mean 198.51.100.0/24?",
	       "with the prefix that was meant");
	ok(zl_prefix_parse("::ffff:192.0.2.1", &pre, err, sizeof(err)) == 0 &&
	   pre.family == AF_INET6 && pre.len == 128, "a v4-mapped IPv6 address");
	ok(zl_prefix_parse("192.0.2.0/", &pre, err, sizeof(err)) < 0, "a slash without a length");
	is_str(zl_action_name(ZL_REJECT), "reject", "action names");
	is_str(zl_hook_name(ZL_OUTPUT), "output", "hook names");
	is_str(zl_bh_action_name(ZL_BH_LIMIT), "limit", "behaviour action names");
}

/* Every threshold issue #11 names is the policy's: scan, brute force,
 * policy violations (`violation`, or the incident type's name `policy`)
 * and the dedup window. */
static void test_incident_thresholds(void)
{
	static const char text[] =
		"incidents {\n  threshold scan 16 in 30s; threshold bruteforce 5 in 1m\n"
		"  threshold violation 10 in 10m\n  dedup 2h\n}\n";
	const struct zl_inc_threshold *t;
	struct zl_diag d;
	struct zl_policy *p;

	zl_diag_init(&d);
	p = zl_policy_parse_string("thr.conf", text, strlen(text), NULL, &d);
	ok(p && d.n == 0, "scan, bruteforce and violation thresholds and a dedup window parse");
	if (!p) {
		zl_diag_print(&d, stdout);
		zl_diag_free(&d);
		return;
	}
	t = p->incidents.thresholds;
	ok(p->incidents.n_thresholds == 4 && !strcmp(t[2].type, "violation") && t[2].count == 10 &&
	   t[2].window_s == 600, "threshold violation 10 in 10m: more than 10 in 600 s");
	ok(!strcmp(t[3].type, "dedup") && t[3].window_s == 7200, "dedup 2h: 7200 s");
	ok(t[0].count == 16 && t[0].window_s == 30 && t[1].count == 5 && t[1].window_s == 60,
	   "scan 16 in 30 s, bruteforce 5 in 60 s");
	zl_policy_free(p);
	p = zl_policy_parse_string("pol.conf", "incidents { threshold policy 60 in 1h }\n", 40,
				   NULL, &d);
	ok(p && d.n == 0 && p->incidents.n_thresholds == 1 &&
	   !strcmp(p->incidents.thresholds[0].type, "violation") &&
	   p->incidents.thresholds[0].window_s == 3600, "'threshold policy' is the violation threshold");
	zl_policy_free(p);
	p = zl_policy_parse_string("n.conf", "set dedup { 192.0.2.1 }\n", 24, NULL, &d);
	ok(p && d.n == 0, "'dedup' is a name outside the incidents section");
	zl_policy_free(p);
	zl_diag_free(&d);
}

/* The incidents section as issue #11 writes it, into plain data. */
static void test_incidents(void)
{
	static const char text[] =
		"set vuln_scanners { 192.0.2.10, 2001:db8:1::10 }\n"
		"set internal_servers { 198.51.100.0/24 }\n"
		"set suppress { 203.0.113.9 }   # the section's words are names elsewhere\n"
		"incidents { suppress scan from $vuln_scanners; suppress risk \"Self-signed Certificate\" "
		"to $internal_servers; threshold bruteforce 10 in 5m; routers { fe80::1, 00:00:5E:00:53:01 };\n"
		"  risk add \"Weak TLS Cipher\" risk remove \"Unsafe Protocol\", \"Desktop/File Sharing Session\"\n"
		"  blocklist { $suppress, 198.51.100.66 } }\n";
	struct zl_diag d;
	struct zl_policy *p;
	const struct zl_incidents_conf *in;

	zl_diag_init(&d);
	p = zl_policy_parse_string("inc.conf", text, strlen(text), NULL, &d);
	ok(p && d.n == 0, "the issue's incidents section parses cleanly");
	if (!p) {
		zl_diag_print(&d, stdout);
		zl_diag_free(&d);
		return;
	}
	in = &p->incidents;
	ok(in->present && in->loc.line == 4, "the section and where it is");
	is_int(in->n_suppress, 2, "two suppression rules");
	is_str(in->suppress[0].type, "scan", "rule 1: scans");
	ok(in->suppress[0].from.n == 1 && in->suppress[0].from.v[0].set &&
	   in->suppress[0].from.v[0].set->n_v6 == 1, "... from a resolved set");
	ok(in->suppress[1].risk && !strcmp(in->suppress[1].risk, "Self-signed Certificate") &&
	   in->suppress[1].to.n == 1 && !in->suppress[1].from.n, "rule 2: one risk, to a set, from any");
	ok(in->n_thresholds == 1 && in->thresholds[0].count == 10 &&
	   in->thresholds[0].window_s == 300, "threshold bruteforce 10 in 5m is 300 s");
	ok(in->n_routers == 1 && in->routers[0].family == AF_INET6 && in->n_router_macs == 1 &&
	   in->router_macs[0][3] == 0x00 && in->router_macs[0][2] == 0x5e, "routers: an address and a MAC");
	ok(in->n_risks_add == 1 && in->n_risks_remove == 2, "risks added and removed");
	ok(in->threats.n == 2 && in->threats.v[0].set && in->threats.v[1].type == ZL_EP_PREFIX,
	   "the threat sets: a $set named like a keyword, and an address");
	zl_policy_free(p);
	zl_diag_free(&d);
	test_incident_thresholds();
}

/* The ipv6 section: its sites and internal addresses, as zhulan.conf would write them. */
static void test_ipv6(void)
{
	static const char text[] =
		"set servers { 192.0.2.10, 2001:db8:1::/48 }\n"
		"set sites { 198.51.100.1 }   # the section's words are names elsewhere\n"
		"ipv6 {\n"
		"  sites { \"https://www.example.gov.cn/\", \"http://www.example.org:8080/a\", };\n"
		"  internal $servers, 2001:db8:2::/48\n"
		"}\n";
	struct zl_diag d;
	struct zl_policy *p;
	char *sites, *internal;

	zl_diag_init(&d);
	p = zl_policy_parse_string("v6.conf", text, strlen(text), NULL, &d);
	ok(p && d.n == 0, "the issue's ipv6 section parses cleanly");
	if (!p) {
		zl_diag_print(&d, stdout);
		zl_diag_free(&d);
		return;
	}
	ok(p->ipv6.present && p->ipv6.loc.line == 3, "the section and where it is");
	sites = zl_policy_ipv6_sites(p);
	internal = zl_policy_ipv6_internal(p);
	is_str(sites, "https://www.example.gov.cn/ http://www.example.org:8080/a",
	       "the sites, in order");
	is_str(internal, "192.0.2.10 2001:db8:1::/48 2001:db8:2::/48",
	       "the internal addresses: the set's, then the prefix");
	free(sites);
	free(internal);
	zl_policy_free(p);
	p = zl_policy_parse_string("none.conf", "zone lan { interface eth1 }\n", 28, NULL, &d);
	ok(p && !zl_policy_ipv6_sites(p) && !zl_policy_ipv6_internal(p),
	   "without the section, neither is set (zhulan.conf's keys apply)");
	zl_policy_free(p);
	zl_diag_free(&d);
}

/* `policy diff` shows what changes in the incidents and ipv6 sections. */
static void test_section_diff(void)
{
	static const char old_text[] =
		"set scanners { 192.0.2.10 }\n"
		"incidents { suppress scan from $scanners; threshold bruteforce 10 in 5m;\n"
		"  routers { fe80::1 } }\n"
		"ipv6 { sites { \"https://a.example.gov.cn/\" }; internal 2001:db8::/32 }\n";
	static const char new_text[] =
		"set scanners { 192.0.2.10 }\n"
		"incidents { suppress scan from $scanners; threshold bruteforce 20 in 5m;\n"
		"  routers { fe80::1, 00:00:5e:00:53:01 }\n"
		"  suppress risk \"XSS Attack\" to 198.51.100.0/24\n"
		"  threshold violation 10 in 10m; dedup 2h\n"
		"}\n"
		"ipv6 { sites { \"https://a.example.gov.cn/\", \"https://b.example.gov.cn/\" } }\n";
	struct zl_diag d;
	struct zl_policy *op, *np;
	json_t *j, *v;
	char *got = NULL, *t;
	size_t i;

	zl_diag_init(&d);
	op = zl_policy_parse_string("old.conf", old_text, strlen(old_text), NULL, &d);
	np = zl_policy_parse_string("new.conf", new_text, strlen(new_text), NULL, &d);
	ok(op && np && d.n == 0, "two policies with incidents and ipv6 sections");
	if (!op || !np) {
		zl_diag_print(&d, stdout);
		zl_policy_free(op);
		zl_policy_free(np);
		zl_diag_free(&d);
		return;
	}
	j = zl_policy_diff(op, np);
	json_array_foreach(json_object_get(j, "sections"), i, v) {
		if (asprintf(&t, "%s%s %s %s %s|", got ? got : "",
			     json_string_value(json_object_get(v, "op")),
			     json_string_value(json_object_get(v, "section")),
			     json_string_value(json_object_get(v, "line")),
			     json_string_value(json_object_get(v, "item"))) < 0)
			break;
		free(got);
		got = t;
	}
	is_str(got ? got : "",
	       "- incidents old.conf:2 threshold bruteforce 10 in 5m|"
	       "+ incidents new.conf:4 suppress risk \"XSS Attack\" to 198.51.100.0/24|"
	       "+ incidents new.conf:2 threshold bruteforce 20 in 5m|"
	       "+ incidents new.conf:5 threshold violation 10 in 10m|"
	       "+ incidents new.conf:5 dedup 2h|"
	       "+ incidents new.conf:2 router 00:00:5e:00:53:01|"
	       "- ipv6 old.conf:4 internal 2001:db8::/32|"
	       "+ ipv6 new.conf:7 site \"https://b.example.gov.cn/\"|",
	       "the diff names each changed suppress rule, threshold, router, site and internal entry");
	ok(json_array_size(json_object_get(j, "rules")) == 0 &&
	   json_array_size(json_object_get(j, "sets")) == 0, "... and nothing else changed");
	free(got);
	json_decref(j);
	j = zl_policy_diff(np, np);
	is_int(json_array_size(json_object_get(j, "sections")), 0, "a policy against itself: no change");
	json_decref(j);
	zl_policy_free(op);
	zl_policy_free(np);
	zl_diag_free(&d);
}

/* Local schedules as the kernel's UTC hours and sys_tz days. */
static void test_ktime(void)
{
	struct zl_timespan work[2] = { { 0x1f, 8 * 60 + 30, 12 * 60 }, { 0x1f, 14 * 60, 17 * 60 + 30 } };
	struct zl_timespan early = { 0x1f, 7 * 60, 9 * 60 };
	struct zl_timespan whole = { 0x7f, 0, 1440 };
	struct zl_timespan sunday = { ZL_SUN, 0, 1440 };
	struct zl_ktime t[16];
	size_t n;

	n = zl_ktime_from_spans(work, 2, 0, 0, t, 16);
	is_int(n, 2, "UTC: working hours are two windows");
	is_int(t[0].days, 0x3e, "... Monday to Friday (nft bits 1-5)");
	is_int(t[0].start_s, 8 * 3600 + 30 * 60, "... from 08:30:00");
	is_int(t[0].end_s, 12 * 3600 - 1, "... to 11:59:59");
	is_int(t[1].start_s, 14 * 3600, "... and from 14:00:00");

	n = zl_ktime_from_spans(work, 2, 8 * 3600, 0, t, 16);
	is_int(n, 2, "Asia/Shanghai (UTC+8): still two windows");
	is_int(t[0].start_s, 30 * 60, "... 08:30 local is 00:30 UTC");
	is_int(t[0].days, 0x3e, "... on the same days");
	is_int(t[1].end_s, 9 * 3600 + 30 * 60 - 1, "... 17:30 local is 09:30 UTC");

	n = zl_ktime_from_spans(&early, 1, 8 * 3600, 0, t, 16);
	is_int(n, 2, "07:00-09:00 in UTC+8 crosses UTC midnight: two windows");
	is_int(t[0].days, 0x3e, "... 00:00-00:59 UTC Monday to Friday");
	is_int(t[0].end_s, 3599, "... to 00:59:59");
	is_int(t[1].days, 0x1f, "... 23:00-23:59 UTC Sunday to Thursday");
	is_int(t[1].start_s, 23 * 3600, "... from 23:00:00");
	is_int(t[1].end_s, 86399, "... to the end of the UTC day");

	n = zl_ktime_from_spans(&early, 1, 8 * 3600, -8 * 60, t, 16);
	is_int(n, 2, "with the kernel's zone at UTC+8 too (sys_tz)");
	is_int(t[1].days, 0x3e, "... the days are local again: Monday to Friday");

	n = zl_ktime_from_spans(&whole, 1, 8 * 3600, 0, t, 16);
	is_int(n, 1, "every minute of the week is one window");
	ok(t[0].days == 0x7f && t[0].start_s == 0 && t[0].end_s == 86399, "... every day, all day");

	n = zl_ktime_from_spans(&sunday, 1, 8 * 3600, 0, t, 16);
	is_int(n, 2, "Sunday in UTC+8 is Saturday 16:00 to Sunday 16:00 UTC");
	ok(t[1].days == 0x01 && t[1].start_s == 0 && t[1].end_s == 16 * 3600 - 1,
	   "... Sunday until 15:59:59");
	ok(t[0].days == 0x40 && t[0].start_s == 16 * 3600 && t[0].end_s == 86399,
	   "... Saturday from 16:00");
	is_int(zl_ktime_from_spans(&sunday, 1, 0, 0, t, 0), 1, "with no room it still says how many");
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/tests/policy", top && *top ? top : ".");
	if (chdir(dir) < 0) {
		printf("Bail out! cannot enter %s: %s\n", dir, strerror(errno));
		return 1;
	}
	test_example();
	test_incidents();
	test_ipv6();
	test_section_diff();
	test_features();
	test_bad_files();
	test_api();
	test_ktime();
	return done_testing();
}
