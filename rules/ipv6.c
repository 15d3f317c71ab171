/*
 * ipv6.c - the policy's ipv6 section: the sites whose IPv6 readiness the
 * daemon checks and the internal zone's addresses for the passive
 * measurement. URLs are checked where they are written (siteurl.h, the
 * same test as zhulan.conf's ipv6_sites); $sets are resolved with the rest
 * of the policy's names (check.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy-int.h"
#include "siteurl.h"

void zl_b_v6_begin(struct zl_pctx *c, const struct zl_yyltype *l)
{
	struct zl_loc at = zl_at(c, l);

	if (c->v6.present)
		zl_err(c, &at, "a second ipv6 section (the first is on line %d)", c->v6.loc.line);
	c->v6.present = 1;
	if (!c->v6.loc.line)
		c->v6.loc = at;
}

void zl_b_v6_sites(struct zl_pctx *c, const struct zl_yyltype *l)
{
	struct zl_loc at = zl_at(c, l);

	if (c->v6.has_sites)
		zl_err(c, &at, "'sites' given twice in the ipv6 section");
	c->v6.has_sites = 1;
}

void zl_b_v6_site(struct zl_pctx *c, char *url, const struct zl_yyltype *l)
{
	struct zl_loc at = zl_at(c, l);
	const struct zl_name *s = c->v6_sites.v;
	struct zl_name *n;

	if (!zl_site_url_ok(url)) {
		zl_err(c, &at, "\"%s\" is not an http:// or https:// URL with a host", url);
		return;
	}
	if (strpbrk(url, " \t,")) {
		zl_err(c, &at, "\"%s\": a URL has no blanks or commas", url);
		return;
	}
	for (size_t i = 0; i < c->v6_sites.n; i++)
		if (!strcmp(s[i].s, url)) {
			zl_err(c, &at, "site \"%s\" listed twice (first on line %d)", url,
			       s[i].loc.line);
			return;
		}
	if (c->v6_sites.n == ZL_MAX_SITES) {
		zl_err(c, &at, "at most %d sites", ZL_MAX_SITES);
		return;
	}
	n = ZL_PUSH(c, &c->v6_sites, struct zl_name);
	n->s = url;
	n->loc = at;
}

void zl_b_v6_internal(struct zl_pctx *c, const struct zl_yyltype *l, struct zl_vec *v)
{
	struct zl_loc at = zl_at(c, l);
	const struct zl_endpoint *e = v->v;

	if (c->v6.has_internal)
		zl_err(c, &at, "'internal' given twice in the ipv6 section");
	c->v6.has_internal = 1;
	for (size_t i = 0; i < v->n; i++)
		if (e[i].type != ZL_EP_SET && e[i].type != ZL_EP_PREFIX)
			zl_err(c, &e[i].loc, "internal takes $sets and addresses (a zone names "
			       "interfaces, not the servers' addresses)");
	zl_vec_cat(c->a, &c->v6_internal, v, sizeof(struct zl_endpoint));
}

void zl_b_v6_end(struct zl_pctx *c, struct zl_policy *p)
{
	p->ipv6 = c->v6;
	p->ipv6.sites = c->v6_sites.v;
	p->ipv6.n_sites = c->v6_sites.n;
	p->ipv6.internal.v = c->v6_internal.v;
	p->ipv6.internal.n = c->v6_internal.n;
}

void zl_check_ipv6(struct zl_pctx *c, struct zl_policy *p)
{
	zl_resolve_side(c, p, &p->ipv6.internal);
}

/* A growable string for the lists below. */
struct buf {
	char *s;
	size_t n, cap;
	int oom;
};

static void put(struct buf *b, const char *s)
{
	size_t k = strlen(s) + 1;

	if (b->oom)
		return;
	if (b->n + k + 1 > b->cap) {
		size_t cap = (b->n + k + 1) * 2;
		char *t = realloc(b->s, cap);

		if (!t) {
			b->oom = 1;
			return;
		}
		b->s = t;
		b->cap = cap;
	}
	if (b->n)
		b->s[b->n++] = ' ';
	memcpy(b->s + b->n, s, k);
	b->n += k - 1;
}

static char *done(struct buf *b)
{
	if (!b->oom && !b->s)
		b->s = strdup("");
	if (b->oom || !b->s) {
		free(b->s);
		errno = ENOMEM;
		return NULL;
	}
	return b->s;
}

char *zl_policy_ipv6_sites(const struct zl_policy *p)
{
	struct buf b = { 0 };

	if (!p || !p->ipv6.has_sites)
		return NULL;
	for (size_t i = 0; i < p->ipv6.n_sites; i++)
		put(&b, p->ipv6.sites[i].s);
	return done(&b);
}

static void put_prefix(struct buf *b, const struct zl_prefix *x)
{
	char s[64];

	zl_prefix_format(x, s, sizeof(s));
	put(b, s);
}

char *zl_policy_ipv6_internal(const struct zl_policy *p)
{
	struct buf b = { 0 };

	if (!p || !p->ipv6.has_internal)
		return NULL;
	for (size_t i = 0; i < p->ipv6.internal.n; i++) {
		const struct zl_endpoint *e = &p->ipv6.internal.v[i];

		if (e->type == ZL_EP_PREFIX) {
			put_prefix(&b, &e->prefix);
		} else if (e->type == ZL_EP_SET && e->set) {
			for (size_t k = 0; k < e->set->n_v4; k++)
				put_prefix(&b, &e->set->v4[k]);
			for (size_t k = 0; k < e->set->n_v6; k++)
				put_prefix(&b, &e->set->v6[k]);
		}
	}
	return done(&b);
}
