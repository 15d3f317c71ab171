/*
 * flat.c - expand policy rules into nftables-shaped rules (see flat.h).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "flat.h"

#define WEEK (7 * 1440)

size_t zl_ktime_from_spans(const struct zl_timespan *spans, size_t n, long gmtoff_s,
			   int sys_minuteswest, struct zl_ktime *out, size_t max)
{
	/* Mark the week's UTC minutes (0: Monday 00:00 UTC), then cut them
	 * into runs that keep one kernel day and one UTC day. */
	static const unsigned monday0_to_nft[7] = { 1, 2, 3, 4, 5, 6, 0 };
	unsigned char week[WEEK];
	long off = gmtoff_s / 60;
	size_t i, k, count = 0;
	int m, d;

	memset(week, 0, sizeof(week));
	for (i = 0; i < n; i++)
		for (d = 0; d < 7; d++) {
			if (!(spans[i].days & (1u << d)))
				continue;
			for (m = (int)spans[i].start; m < (int)spans[i].end; m++) {
				long utc = ((long)d * 1440 + m - off) % WEEK;
				week[utc < 0 ? utc + WEEK : utc] = 1;
			}
		}
	for (m = 0; m < WEEK;) {
		long kd;
		int h0, h1;
		struct zl_ktime t;

		if (!week[m]) {
			m++;
			continue;
		}
		kd = ((m - sys_minuteswest) % WEEK + WEEK) % WEEK / 1440;
		h0 = m % 1440;
		h1 = h0;
		while (m + 1 < WEEK && week[m + 1] && (m + 1) % 1440 &&
		       ((m + 1 - sys_minuteswest) % WEEK + WEEK) % WEEK / 1440 == kd) {
			m++;
			h1++;
		}
		m++;
		t.days = 1u << monday0_to_nft[kd];
		t.start_s = (unsigned)h0 * 60;
		t.end_s = (unsigned)h1 * 60 + 59;
		/* the same hours on another day join that day's match */
		for (k = 0; k < count && k < max; k++)
			if (out[k].start_s == t.start_s && out[k].end_s == t.end_s) {
				out[k].days |= t.days;
				break;
			}
		if (k == count) {
			if (count < max)
				out[count] = t;
			count++;
		}
	}
	return count;
}

struct ep_alt {
	struct zl_flat_ep ep;
	int family;
};

/* The nftables alternatives of one policy endpoint (at most two). */
static size_t expand_ep(const struct zl_endpoint *e, struct ep_alt out[2])
{
	memset(out, 0, 2 * sizeof(*out));
	if (!e)
		return 1;                       /* any */
	switch (e->type) {
	case ZL_EP_ZONE:
		out[0].ep.zone = e->zone;
		return 1;
	case ZL_EP_SET: {
		size_t n = 0;
		if (e->set->n_v4) {
			out[n].ep.set = e->set;
			out[n++].family = AF_INET;
		}
		if (e->set->n_v6) {
			out[n].ep.set = e->set;
			out[n++].family = AF_INET6;
		}
		return n;                       /* an empty set matches nothing */
	}
	case ZL_EP_PREFIX:
		out[0].ep.prefix = &e->prefix;
		out[0].family = e->prefix.family;
		return 1;
	case ZL_EP_SELF:
		return 1;                       /* the chain's hook says it */
	case ZL_EP_HOST:
	case ZL_EP_PERSON:
	case ZL_EP_DEPARTMENT:
		return 0;                       /* refused in filter rules */
	}
	return 0;
}

static int push(struct zl_flat_chain *c, size_t *cap, const struct zl_flat_rule *r)
{
	if (c->n == *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		struct zl_flat_rule *v = realloc(c->rules, n * sizeof(*v));
		if (!v)
			return -1;
		c->rules = v;
		*cap = n;
	}
	c->rules[c->n++] = *r;
	return 0;
}

static int has_proto(const struct zl_rule *r, unsigned proto)
{
	size_t i;

	if (!r->n_protos)
		return 1;
	for (i = 0; i < r->n_protos; i++)
		if (r->protos[i] == proto)
			return 1;
	return 0;
}

static int flatten_rule(struct zl_flat_chain *c, size_t *cap, const struct zl_rule *r,
			long gmtoff_s, int sys_mw)
{
	size_t nf = r->from.n ? r->from.n : 1, nt = r->to.n ? r->to.n : 1;
	size_t ns = 1, i, j, a, b, s, k;
	struct zl_ktime *times = NULL;

	if (r->schedule) {
		size_t max = 14 * (r->schedule->n_spans + 1);
		times = calloc(max, sizeof(*times));
		if (!times)
			return -1;
		ns = zl_ktime_from_spans(r->schedule->spans, r->schedule->n_spans, gmtoff_s,
					 sys_mw, times, max);
		if (!ns) {              /* an empty schedule never matches */
			free(times);
			return 0;
		}
	}

	for (i = 0; i < nf; i++) {
		struct ep_alt fa[2];
		size_t nfa = expand_ep(r->from.n ? &r->from.v[i] : NULL, fa);
		for (j = 0; j < nt; j++) {
			struct ep_alt ta[2];
			size_t nta = expand_ep(r->to.n ? &r->to.v[j] : NULL, ta);
			for (a = 0; a < nfa; a++)
				for (b = 0; b < nta; b++) {
					struct zl_flat_rule fr = { r, 0, fa[a].ep, ta[b].ep, 0, { 0, 0, 0 }, 0 };
					if (fa[a].family && ta[b].family && fa[a].family != ta[b].family)
						continue;
					fr.family = fa[a].family ? fa[a].family : ta[b].family;
					for (s = 0; s < ns; s++) {
						fr.timed = times != NULL;
						if (times)
							fr.time = times[s];
						/* reject: TCP gets a reset, the rest ICMP */
						for (k = 0; k < (r->action == ZL_REJECT && has_proto(r, 6) ? 2 : 1); k++) {
							fr.tcp_reset = r->action == ZL_REJECT && has_proto(r, 6) && k == 0;
							if (push(c, cap, &fr) < 0) {
								free(times);
								return -1;
							}
						}
					}
				}
		}
	}
	free(times);
	return 0;
}

struct zl_flat *zl_flat_new(const struct zl_policy *p)
{
	time_t now = time(NULL);
	struct tm tm;
	struct timeval tv;
	struct timezone tz = { 0, 0 };

	localtime_r(&now, &tm);
	gettimeofday(&tv, &tz);
	return zl_flat_new_tz(p, tm.tm_gmtoff, tz.tz_minuteswest);
}

struct zl_flat *zl_flat_new_tz(const struct zl_policy *p, long gmtoff_s, int sys_minuteswest)
{
	struct zl_flat *f = calloc(1, sizeof(*f));
	size_t i, j;

	if (!f)
		return NULL;
	f->policy = p;
	f->chains = calloc(p->n_filters ? p->n_filters : 1, sizeof(*f->chains));
	if (!f->chains) {
		free(f);
		return NULL;
	}
	f->n_chains = p->n_filters;
	for (i = 0; i < p->n_filters; i++) {
		size_t cap = 0;
		f->chains[i].filter = &p->filters[i];
		for (j = 0; j < p->filters[i].n_rules; j++)
			if (flatten_rule(&f->chains[i], &cap, &p->filters[i].rules[j], gmtoff_s,
					 sys_minuteswest) < 0) {
				zl_flat_free(f);
				return NULL;
			}
	}
	return f;
}

void zl_flat_free(struct zl_flat *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n_chains; i++)
		free(f->chains[i].rules);
	free(f->chains);
	free(f);
}
