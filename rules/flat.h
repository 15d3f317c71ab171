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

/*
 * A schedule as the kernel matches it. `meta hour` is seconds of the UTC
 * day and `meta day` the weekday in the kernel's own time zone (sys_tz,
 * usually UTC), while schedules are written in local time: a local span
 * becomes one or more of these, split where either day changes. nft does
 * the hour conversion in userspace; libnftnl leaves it to us.
 */
struct zl_ktime {
	unsigned days;                   /* bit d: nft day d (0 Sunday .. 6 Saturday) */
	unsigned start_s, end_s;         /* inclusive; 0 and 86399: the whole day */
};

/*
 * The kernel times of a schedule's spans, for a zone 'gmtoff_s' seconds
 * east of UTC and a kernel time zone 'sys_minuteswest' minutes west (as
 * settimeofday's struct timezone). At most 'max' are written; returns how
 * many are needed (never more than 14 * (n + 1)).
 */
size_t zl_ktime_from_spans(const struct zl_timespan *spans, size_t n, long gmtoff_s,
			   int sys_minuteswest, struct zl_ktime *out, size_t max);

struct zl_flat_rule {
	const struct zl_rule *src;       /* the policy rule it comes from */
	int family;                      /* 0: both, AF_INET or AF_INET6 */
	struct zl_flat_ep from, to;
	int timed;                       /* 0: always */
	struct zl_ktime time;
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

/*
 * Flatten p (which must outlive the result). NULL when out of memory.
 * Schedules are read in the process's local time zone now (TZ), and the
 * kernel's zone is read with gettimeofday: apply again when either changes.
 */
struct zl_flat *zl_flat_new(const struct zl_policy *p);
/* The same for a given zone offset and kernel zone (tests, tools). */
struct zl_flat *zl_flat_new_tz(const struct zl_policy *p, long gmtoff_s, int sys_minuteswest);
void zl_flat_free(struct zl_flat *f);

/*
 * Write the whole table as an `nft -f` script that replaces `inet zhulan`
 * (and touches nothing else). Hours are written back in local time, which
 * nft converts to UTC when it reads them, so the kernel gets the same rules
 * from either back end.
 */
int zl_flat_write_nft(const struct zl_flat *f, FILE *out);
/* One rule in nft syntax without the comment and log prefix that name its
 * line, for diffs (malloc'd; NULL: no memory). */
char *zl_flat_rule_nft(const struct zl_flat_rule *fr);

#endif
