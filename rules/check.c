/*
 * check.c - what can only be checked once the whole policy is read:
 * duplicate definitions, the names rules refer to (defined before or
 * after the rule, either is fine), application and category names through
 * the caller's hooks, and rules that can never match.
 */
#include <string.h>
#include <sys/socket.h>

#include "policy-int.h"

/* Set against set comparisons above this many pairs are not attempted. */
#define MAX_PAIRS 1000000

static void duplicates(struct zl_pctx *c, struct zl_policy *p)
{
	for (size_t i = 0; i < p->n_zones; i++) {
		const struct zl_zone *z = &p->zones[i];

		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->zones[j].name, z->name)) {
				zl_err(c, &z->loc, "zone \"%s\" already defined at %s:%d", z->name,
				       p->zones[j].loc.file, p->zones[j].loc.line);
				break;
			}
		/* an interface belongs to one zone: the zone says where a packet came from */
		for (size_t k = 0; k < z->n_ifaces; k++) {
			const struct zl_name *n = &z->ifaces[k];
			const struct zl_zone *owner = NULL;

			for (size_t j = 0; j <= i && !owner; j++)
				for (size_t m = 0; m < p->zones[j].n_ifaces && !owner; m++)
					if ((j < i || m < k) && !strcmp(p->zones[j].ifaces[m].s, n->s))
						owner = &p->zones[j];
			if (owner)
				zl_err(c, &n->loc, "interface \"%s\" is already in zone \"%s\" (%s:%d)",
				       n->s, owner->name, owner->loc.file, owner->loc.line);
		}
	}
	for (size_t i = 0; i < p->n_sets; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->sets[j].name, p->sets[i].name)) {
				zl_err(c, &p->sets[i].loc, "set \"%s\" already defined at %s:%d",
				       p->sets[i].name, p->sets[j].loc.file, p->sets[j].loc.line);
				break;
			}
	for (size_t i = 0; i < p->n_schedules; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->schedules[j].name, p->schedules[i].name)) {
				zl_err(c, &p->schedules[i].loc, "schedule \"%s\" already defined at %s:%d",
				       p->schedules[i].name, p->schedules[j].loc.file,
				       p->schedules[j].loc.line);
				break;
			}
	for (size_t i = 0; i < p->n_filters; i++)
		for (size_t j = 0; j < i; j++)
			if (p->filters[j].hook == p->filters[i].hook) {
				zl_err(c, &p->filters[i].loc, "filter %s already defined at %s:%d",
				       zl_hook_name(p->filters[i].hook), p->filters[j].loc.file,
				       p->filters[j].loc.line);
				break;
			}
}

static const struct zl_zone *find_zone(const struct zl_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_zones; i++)
		if (!strcmp(p->zones[i].name, name))
			return &p->zones[i];
	return NULL;
}

static const struct zl_set *find_set(const struct zl_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_sets; i++)
		if (!strcmp(p->sets[i].name, name))
			return &p->sets[i];
	return NULL;
}

static const struct zl_schedule *find_schedule(const struct zl_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_schedules; i++)
		if (!strcmp(p->schedules[i].name, name))
			return &p->schedules[i];
	return NULL;
}

static void unknown_zone(struct zl_pctx *c, const struct zl_policy *p, const struct zl_endpoint *e)
{
	struct zl_near near;

	if (find_set(p, e->name)) {
		zl_err(c, &e->loc, "unknown zone \"%s\" (did you mean \"$%s\"?)", e->name, e->name);
		return;
	}
	zl_near_init(&near, e->name);
	for (size_t i = 0; i < p->n_zones; i++)
		zl_near_try(&near, p->zones[i].name);
	zl_near_try(&near, "any");
	zl_near_try(&near, "self");
	if (near.best)
		zl_err(c, &e->loc, "unknown zone \"%s\" (did you mean \"%s\"?)", e->name, near.best);
	else
		zl_err(c, &e->loc, "unknown zone \"%s\"", e->name);
}

static void unknown_set(struct zl_pctx *c, const struct zl_policy *p, const struct zl_endpoint *e)
{
	struct zl_near near;

	zl_near_init(&near, e->name);
	for (size_t i = 0; i < p->n_sets; i++)
		zl_near_try(&near, p->sets[i].name);
	if (near.best)
		zl_err(c, &e->loc, "unknown set \"%s\" (did you mean \"%s\"?)", e->name, near.best);
	else if (find_zone(p, e->name))
		zl_err(c, &e->loc, "unknown set \"%s\" (\"%s\" is a zone: write it without '$')",
		       e->name, e->name);
	else
		zl_err(c, &e->loc, "unknown set \"%s\"", e->name);
}

/* A set whose file could not be read is empty for a reason already given. */
static int unreadable(const struct zl_pctx *c, const struct zl_policy *p, const struct zl_set *s)
{
	const size_t *v = c->unreadable.v;

	for (size_t i = 0; i < c->unreadable.n; i++)
		if (&p->sets[v[i]] == s)
			return 1;
	return 0;
}

static void resolve_side(struct zl_pctx *c, const struct zl_policy *p, struct zl_side *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct zl_endpoint *e = &s->v[i];

		if (e->type == ZL_EP_ZONE && !(e->zone = find_zone(p, e->name)))
			unknown_zone(c, p, e);
		if (e->type != ZL_EP_SET)
			continue;
		if (!(e->set = find_set(p, e->name)))
			unknown_set(c, p, e);
		else if (!e->set->n_v4 && !e->set->n_v6 && !unreadable(c, p, e->set))
			zl_warn(c, &e->loc, "set \"%s\" is empty, so it matches nothing", e->name);
	}
}

void zl_resolve_side(struct zl_pctx *c, const struct zl_policy *p, struct zl_side *s)
{
	resolve_side(c, p, s);
}

static const struct zl_schedule *resolve_during(struct zl_pctx *c, const struct zl_policy *p,
						 const struct zl_name *during)
{
	const struct zl_schedule *s;
	struct zl_near near;

	if (!during->s || (s = find_schedule(p, during->s)))
		return during->s ? s : NULL;
	zl_near_init(&near, during->s);
	for (size_t i = 0; i < p->n_schedules; i++)
		zl_near_try(&near, p->schedules[i].name);
	if (near.best)
		zl_err(c, &during->loc, "unknown schedule \"%s\" (did you mean \"%s\"?)",
		       during->s, near.best);
	else
		zl_err(c, &during->loc, "unknown schedule \"%s\"", during->s);
	return NULL;
}

/* nDPI's names, through the caller's hooks. */
static void check_names(struct zl_pctx *c, const struct zl_bh_rule *r)
{
	const struct zl_policy_hooks *h = c->hooks;
	int (*known)(const char *, char *, size_t, void *);
	const char *what;

	if (!h)
		return;
	if (r->object == ZL_BH_APP) {
		known = h->known_app;
		what = "application";
	} else if (r->object == ZL_BH_CATEGORY) {
		known = h->known_category;
		what = "category";
	} else {
		return;
	}
	if (!known)
		return;
	for (size_t i = 0; i < r->n_names; i++) {
		char suggest[128] = "";

		if (known(r->names[i].s, suggest, sizeof(suggest), h->ud))
			continue;
		if (suggest[0])
			zl_err(c, &r->names[i].loc, "unknown %s \"%s\" (did you mean \"%s\"?)",
			       what, r->names[i].s, suggest);
		else
			zl_err(c, &r->names[i].loc, "unknown %s \"%s\"", what, r->names[i].s);
	}
}

/* Shadowing: does every packet b matches also match a? */

static int prefix_covers(const struct zl_prefix *a, const struct zl_prefix *b)
{
	unsigned full = a->len / 8, rest = a->len % 8;

	if (a->family != b->family || a->len > b->len)
		return 0;
	if (memcmp(a->addr, b->addr, full))
		return 0;
	return !rest || ((a->addr[full] ^ b->addr[full]) & (0xff << (8 - rest))) == 0;
}

static int set_covers_prefix(const struct zl_set *s, const struct zl_prefix *b)
{
	const struct zl_prefix *v = b->family == AF_INET ? s->v4 : s->v6;
	size_t n = b->family == AF_INET ? s->n_v4 : s->n_v6;

	for (size_t i = 0; i < n; i++)
		if (prefix_covers(&v[i], b))
			return 1;
	return 0;
}

/* Every element of set b is inside a (a prefix if s is NULL, else set s). */
static int covers_set(const struct zl_set *s, const struct zl_prefix *a, const struct zl_set *b)
{
	size_t n = b->n_v4 + b->n_v6;

	if (!n || (s && (s->n_v4 + s->n_v6) * n > MAX_PAIRS))
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct zl_prefix *e = i < b->n_v4 ? &b->v4[i] : &b->v6[i - b->n_v4];

		if (s ? !set_covers_prefix(s, e) : !prefix_covers(a, e))
			return 0;
	}
	return 1;
}

static int ep_covers(const struct zl_endpoint *a, const struct zl_endpoint *b)
{
	switch (a->type) {
	case ZL_EP_ZONE:
		return b->type == ZL_EP_ZONE && a->zone == b->zone;
	case ZL_EP_SELF:
		return b->type == ZL_EP_SELF;
	case ZL_EP_PREFIX:
		if (b->type == ZL_EP_PREFIX)
			return prefix_covers(&a->prefix, &b->prefix);
		return b->type == ZL_EP_SET && covers_set(NULL, &a->prefix, b->set);
	case ZL_EP_SET:
		if (b->type == ZL_EP_PREFIX)
			return set_covers_prefix(a->set, &b->prefix);
		return b->type == ZL_EP_SET && (a->set == b->set || covers_set(a->set, NULL, b->set));
	case ZL_EP_HOST:
	case ZL_EP_PERSON:
	case ZL_EP_DEPARTMENT:
		return b->type == a->type && !strcmp(a->name, b->name);
	}
	return 0;
}

static int side_covers(const struct zl_side *a, const struct zl_side *b)
{
	if (!a->n)
		return 1;
	if (!b->n)
		return 0;
	for (size_t i = 0; i < b->n; i++) {
		size_t j = 0;

		while (j < a->n && !ep_covers(&a->v[j], &b->v[i]))
			j++;
		if (j == a->n)
			return 0;
	}
	return 1;
}

static int rule_covers(const struct zl_rule *a, const struct zl_rule *b)
{
	if (a->n_protos) {
		if (!b->n_protos)
			return 0;
		for (size_t i = 0; i < b->n_protos; i++)
			if (!memchr(a->protos, b->protos[i], a->n_protos))
				return 0;
	}
	if (a->n_ports) {
		if (!b->n_ports)
			return 0;
		for (size_t i = 0; i < b->n_ports; i++) {
			size_t j = 0;

			while (j < a->n_ports && !(a->ports[j].lo <= b->ports[i].lo &&
						   b->ports[i].hi <= a->ports[j].hi))
				j++;
			if (j == a->n_ports)
				return 0;
		}
	}
	if (a->schedule && a->schedule != b->schedule)
		return 0;
	return side_covers(&a->from, &b->from) && side_covers(&a->to, &b->to);
}

static int unconditional(const struct zl_rule *r)
{
	return !r->n_protos && !r->n_ports && !r->from.n && !r->to.n && !r->during.s;
}

static void shadowed(struct zl_pctx *c, const struct zl_filter *f)
{
	for (size_t j = 1; j < f->n_rules; j++) {
		const struct zl_rule *b = &f->rules[j];

		for (size_t i = 0; i < j; i++) {
			const struct zl_rule *a = &f->rules[i];

			if (!rule_covers(a, b))
				continue;
			if (unconditional(a))
				zl_warn(c, &b->loc, "rule can never match: the rule at line %d "
					"matches all traffic", a->loc.line);
			else if (rule_covers(b, a))
				zl_warn(c, &b->loc, "rule can never match: the rule at line %d "
					"matches the same traffic", a->loc.line);
			else
				zl_warn(c, &b->loc, "rule can never match: the rule at line %d "
					"matches all of its traffic and more", a->loc.line);
			break;
		}
	}
}

void zl_check(struct zl_pctx *c, struct zl_policy *p)
{
	duplicates(c, p);
	for (size_t i = 0; i < p->n_filters; i++) {
		for (size_t j = 0; j < p->filters[i].n_rules; j++) {
			struct zl_rule *r = &p->filters[i].rules[j];

			resolve_side(c, p, &r->from);
			resolve_side(c, p, &r->to);
			r->schedule = resolve_during(c, p, &r->during);
		}
	}
	for (size_t i = 0; i < p->n_bh; i++) {
		struct zl_bh_rule *r = &p->bh[i];

		resolve_side(c, p, &r->from);
		r->schedule = resolve_during(c, p, &r->during);
		check_names(c, r);
	}
	zl_check_incidents(c, p);
	zl_check_ipv6(c, p);
	/* what can never match is only worth saying about a policy without errors */
	if (c->errors)
		return;
	for (size_t i = 0; i < p->n_filters; i++)
		shadowed(c, &p->filters[i]);
}
