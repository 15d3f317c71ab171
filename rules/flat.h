/*
 * flat.h - a checked policy flattened into nftables-shaped rules.
 *
 * nftables matches one value (or one set) per field and rule, while a
 * policy rule ORs whole lists: "from { lan, $finance, 203.0.113.9 }". The
 * flattener expands each policy rule into the rules nftables needs - one
 * per combination of source and destination kind, address family and time
 * span - in policy order, so first match still wins. Both back ends read
 * this list: the nft-syntax writer (nft.c: `zhulanctl policy show --nft`,
 * the benchmark's peer) and, next, the libnftnl batch builder.
 */
#ifndef ZL_FLAT_H
#define ZL_FLAT_H

#include <stddef.h>
#include <stdio.h>

#include "policy.h"

/* One side of a flat rule: at most one interface list and one address. */
struct zl_flat_ep {
	const struct zl_zone *zone;      /* iifname/oifname in the zone's list */
	const struct zl_set *set;        /* @set (of the rule's family) */
	const struct zl_prefix *prefix;  /* a single address or prefix */
};

struct zl_flat_rule {
	const struct zl_rule *src;       /* the policy rule it comes from */
	int family;                      /* 0: both, AF_INET or AF_INET6 */
	struct zl_flat_ep from, to;
	const struct zl_timespan *span;  /* NULL: always */
	int tcp_reset;                   /* reject: this one answers TCP with RST */
};

struct zl_flat_chain {
	const struct zl_filter *filter;
	struct zl_flat_rule *rules;
	size_t n;
};

struct zl_flat {
	const struct zl_policy *policy;
	struct zl_flat_chain *chains;
	size_t n_chains;
};

/* Flatten p (which must outlive the result). NULL when out of memory. */
struct zl_flat *zl_flat_new(const struct zl_policy *p);
void zl_flat_free(struct zl_flat *f);

/*
 * Write the whole table as an `nft -f` script that replaces `inet zhulan`
 * (and touches nothing else). Schedules are written in the local time zone
 * of the process, as nft itself reads `meta hour`.
 */
int zl_flat_write_nft(const struct zl_flat *f, FILE *out);

#endif
