/*
 * report.c - `zhulanctl policy check FILE`: parse and check a policy, print
 * its diagnostics and what it holds.
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int zl_policy_check_report(const char *path, const struct zl_policy_hooks *hooks,
			   FILE *out, FILE *err)
{
	struct zl_diag d;
	struct zl_policy *p;
	size_t v4 = 0, v6 = 0, rules = 0;

	zl_diag_init(&d);
	p = zl_policy_parse(path, hooks, &d);
	zl_diag_print(&d, err);
	if (!p) {
		fprintf(err, "%s: %d %s, %d %s\n", path, d.errors,
			plural((size_t)d.errors, "error", "errors"), d.warnings,
			plural((size_t)d.warnings, "warning", "warnings"));
		zl_diag_free(&d);
		return 1;
	}
	for (size_t i = 0; i < p->n_sets; i++) {
		v4 += p->sets[i].n_v4;
		v6 += p->sets[i].n_v6;
	}
	for (size_t i = 0; i < p->n_filters; i++)
		rules += p->filters[i].n_rules;
	fprintf(out, "%zu %s, %zu %s (%zu IPv4 + %zu IPv6 %s), %zu %s, %zu %s with %zu %s, "
	       "%zu behaviour %s\n",
	       p->n_zones, plural(p->n_zones, "zone", "zones"),
	       p->n_sets, plural(p->n_sets, "set", "sets"),
	       v4, v6, plural(v4 + v6, "prefix", "prefixes"),
	       p->n_schedules, plural(p->n_schedules, "schedule", "schedules"),
	       p->n_filters, plural(p->n_filters, "filter", "filters"),
	       rules, plural(rules, "rule", "rules"),
	       p->n_bh, plural(p->n_bh, "rule", "rules"));
	if (p->incidents.present) {
		const struct zl_incidents_conf *in = &p->incidents;
		size_t routers = in->n_routers + in->n_router_macs;

		fprintf(out, "incidents: %zu suppression %s, %zu %s, %zu %s\n",
			in->n_suppress, plural(in->n_suppress, "rule", "rules"),
			in->n_thresholds, plural(in->n_thresholds, "threshold", "thresholds"),
			routers, plural(routers, "known router", "known routers"));
	}
	if (p->ipv6.present)
		fprintf(out, "ipv6: %zu %s to check%s, %zu internal %s%s\n", p->ipv6.n_sites,
			plural(p->ipv6.n_sites, "site", "sites"),
			p->ipv6.has_sites ? "" : " (ipv6_sites applies)", p->ipv6.internal.n,
			plural(p->ipv6.internal.n, "entry", "entries"),
			p->ipv6.has_internal ? "" : " (ipv6_internal applies)");
	zl_policy_free(p);
	zl_diag_free(&d);
	return 0;
}
