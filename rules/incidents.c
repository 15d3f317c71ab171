/*
 * incidents.c - the policy's incidents section: suppression rules,
 * thresholds, known routers, risk additions and removals, threat sets.
 * Values are checked where they are written; $sets are resolved with the
 * rest of the policy's names (check.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-int.h"

static const char *const inc_types[] = {
	"scan", "bruteforce", "rogue-ra", "rogue-dhcp", "blocklist", "risk", "policy",
};
#define N_TYPES (sizeof(inc_types) / sizeof(inc_types[0]))

static int known_type(struct zl_pctx *c, const char *type, const struct zl_loc *at)
{
	struct zl_near near;

	zl_near_init(&near, type);
	for (size_t i = 0; i < N_TYPES; i++) {
		if (!strcmp(type, inc_types[i]))
			return 1;
		zl_near_try(&near, inc_types[i]);
	}
	if (near.best)
		zl_err(c, at, "unknown incident type \"%s\" (did you mean \"%s\"?)", type, near.best);
	else
		zl_err(c, at, "unknown incident type \"%s\" (one of scan, bruteforce, rogue-ra, "
		       "rogue-dhcp, blocklist, risk, policy)", type);
	return 0;
}

static void check_risk(struct zl_pctx *c, const char *name, const struct zl_loc *at)
{
	const struct zl_policy_hooks *h = c->hooks;
	char suggest[96] = "";

	if (!h || !h->known_risk || h->known_risk(name, suggest, sizeof(suggest), h->ud))
		return;
	if (suggest[0])
		zl_err(c, at, "unknown nDPI risk \"%s\" (did you mean \"%s\"?)", name, suggest);
	else
		zl_err(c, at, "unknown nDPI risk \"%s\"", name);
}

void zl_b_inc_begin(struct zl_pctx *c, const struct zl_yyltype *l)
{
	struct zl_loc at = zl_at(c, l);

	if (c->inc.present)
		zl_err(c, &at, "a second incidents section (the first is on line %d)",
		       c->inc.loc.line);
	c->inc.present = 1;
	if (!c->inc.loc.line)
		c->inc.loc = at;
}

void zl_b_inc_suppress(struct zl_pctx *c, const struct zl_yyltype *l, char *type,
		       char *risk, const struct zl_yyltype *rl)
{
	struct zl_inc_suppress *s = ZL_PUSH(c, &c->inc_suppress, struct zl_inc_suppress);

	s->loc = zl_at(c, l);
	s->type = type;
	s->risk = risk;
	known_type(c, type, &s->loc);
	if (risk) {
		struct zl_loc at = zl_at(c, rl);
		check_risk(c, risk, &at);
	}
}

/* Incidents name hosts by address: $sets and prefixes only. */
static void addresses_only(struct zl_pctx *c, const struct zl_vec *v)
{
	const struct zl_endpoint *e = v->v;

	for (size_t i = 0; i < v->n; i++)
		if (e[i].type != ZL_EP_SET && e[i].type != ZL_EP_PREFIX)
			zl_err(c, &e[i].loc, "incidents name hosts by $set or address only");
}

void zl_b_inc_side(struct zl_pctx *c, int to, const struct zl_yyltype *l, struct zl_vec *v)
{
	struct zl_inc_suppress *s;
	struct zl_side *side;
	struct zl_loc at = zl_at(c, l);

	if (!c->inc_suppress.n)
		return;
	s = &((struct zl_inc_suppress *)c->inc_suppress.v)[c->inc_suppress.n - 1];
	side = to ? &s->to : &s->from;
	if (side->v || side->n)
		zl_err(c, &at, "'%s' given twice in one suppress rule", to ? "to" : "from");
	addresses_only(c, v);
	side->v = v->v;
	side->n = v->n;
}

static long parse_num(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *end || v < 0 || v > max ? -1 : v;
}

/* The detectors' thresholds: more than count within the window. */
static const struct {
	const char *name;
	long max;
} thresholds[] = {
	{ "scan", 127 },             /* probes/detect_state.c's bitmap */
	{ "bruteforce", 1000000 },
	{ "violation", 1000 },       /* each counted block's time is kept */
};
#define N_THRESHOLDS (sizeof(thresholds) / sizeof(thresholds[0]))

/* "5m" as seconds in [lo, hi], or -1 after saying why. */
static long window_of(struct zl_pctx *c, char *win, const struct zl_yyltype *wl, char *unit,
		      const struct zl_yyltype *ul, long lo, long hi, const char *range)
{
	struct zl_loc wat = zl_at(c, wl);
	long w, mul = 1;

	if (unit) {
		struct zl_loc uat = zl_at(c, ul);
		mul = !strcmp(unit, "s") ? 1 : !strcmp(unit, "m") ? 60 : !strcmp(unit, "h") ? 3600 : 0;
		if (!mul) {
			zl_err(c, &uat, "unknown unit '%s' (s, m or h)", unit);
			return -1;
		}
	}
	w = parse_num(win, hi);
	if (w < 0 || w * mul < lo || w * mul > hi) {
		zl_err(c, &wat, "the window must be %s", range);
		return -1;
	}
	return w * mul;
}

/* Says so when type was given before; pushes it either way (so that a
 * third one names the first). */
static void push_threshold(struct zl_pctx *c, const char *type, const struct zl_loc *at,
			   long count, long window_s)
{
	const struct zl_inc_threshold *t = c->inc_thresholds.v;
	struct zl_inc_threshold *x;

	for (size_t i = 0; i < c->inc_thresholds.n; i++)
		if (!strcmp(t[i].type, type)) {
			zl_err(c, at, "a second %s%s (the first is on line %d)",
			       strcmp(type, "dedup") ? "threshold for " : "dedup window",
			       strcmp(type, "dedup") ? type : "", t[i].loc.line);
			break;
		}
	x = ZL_PUSH(c, &c->inc_thresholds, struct zl_inc_threshold);
	x->type = type;
	x->count = count > 0 ? (unsigned)count : 0;
	x->window_s = window_s > 0 ? (unsigned)window_s : 0;
	x->loc = *at;
}

void zl_b_inc_threshold(struct zl_pctx *c, char *type, const struct zl_yyltype *tl,
			char *count, const struct zl_yyltype *cl, char *in,
			const struct zl_yyltype *il, char *win, const struct zl_yyltype *wl,
			char *unit, const struct zl_yyltype *ul)
{
	struct zl_loc at = zl_at(c, tl), cat = zl_at(c, cl), iat = zl_at(c, il);
	struct zl_near near;
	size_t k;
	long n, w;

	if (!strcmp(type, "policy"))      /* the incident type's name */
		type = (char *)"violation";
	zl_near_init(&near, type);
	for (k = 0; k < N_THRESHOLDS && strcmp(type, thresholds[k].name); k++)
		zl_near_try(&near, thresholds[k].name);
	if (k == N_THRESHOLDS) {
		if (near.best)
			zl_err(c, &at, "no threshold for \"%s\" (did you mean \"%s\"?)", type, near.best);
		else
			zl_err(c, &at, "no threshold for \"%s\" (scan, bruteforce and violation "
			       "take one)", type);
		return;
	}
	if (strcmp(in, "in"))
		zl_err(c, &iat, "expected 'in' after the count, got '%s'", in);
	n = parse_num(count, thresholds[k].max);
	if (n < 1)
		zl_err(c, &cat, "%s threshold must be 1-%ld", type, thresholds[k].max);
	w = window_of(c, win, wl, unit, ul, 1, 86400, "1 s to 24 h");
	push_threshold(c, thresholds[k].name, &at, n, w);
}

/* `dedup 2h`: the same incident within this long of its last event adds
 * to it (incident.h); kept with the thresholds as type "dedup". */
void zl_b_inc_dedup(struct zl_pctx *c, const struct zl_yyltype *l, char *win,
		    const struct zl_yyltype *wl, char *unit, const struct zl_yyltype *ul)
{
	struct zl_loc at = zl_at(c, l);

	push_threshold(c, "dedup", &at, 0, window_of(c, win, wl, unit, ul, 60, 86400, "1 m to 24 h"));
}

/* "00:00:5e:00:53:01" or with '-'; -1 if not a MAC. */
static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char sep[5], tail;

	if (sscanf(s, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%c", &v[0], &sep[0], &v[1], &sep[1], &v[2],
		   &sep[2], &v[3], &sep[3], &v[4], &sep[4], &v[5], &tail) != 11 || strlen(s) != 17)
		return -1;
	for (int i = 0; i < 5; i++)
		if (sep[i] != sep[0] || (sep[i] != ':' && sep[i] != '-'))
			return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

void zl_b_inc_router(struct zl_pctx *c, char *text, const struct zl_yyltype *l)
{
	struct zl_loc at = zl_at(c, l);
	struct zl_prefix p;
	uint8_t mac[6];
	char err[200];

	if (parse_mac(text, mac) == 0)
		memcpy(zl_vec_push(c->a, &c->inc_macs, 6), mac, 6);
	else if (zl_prefix_parse(text, &p, err, sizeof(err)) < 0)
		zl_err(c, &at, "%s; a router is an address or a MAC address", err);
	else
		*ZL_PUSH(c, &c->inc_routers, struct zl_prefix) = p;
}

void zl_b_inc_risks(struct zl_pctx *c, char *verb, const struct zl_yyltype *l, struct zl_vec *names)
{
	struct zl_loc at = zl_at(c, l);
	const struct zl_name *n = names->v;
	int add = !strcmp(verb, "add");

	if (!add && strcmp(verb, "remove")) {
		zl_err(c, &at, "expected 'add' or 'remove' after 'risk', got '%s'", verb);
		return;
	}
	for (size_t i = 0; i < names->n; i++)
		check_risk(c, n[i].s, &n[i].loc);
	zl_vec_cat(c->a, add ? &c->inc_add : &c->inc_remove, names, sizeof(struct zl_name));
}

void zl_b_inc_threats(struct zl_pctx *c, const struct zl_yyltype *l, struct zl_vec *v)
{
	(void)l;
	addresses_only(c, v);
	zl_vec_cat(c->a, &c->inc_threats, v, sizeof(struct zl_endpoint));
}

void zl_b_inc_end(struct zl_pctx *c, struct zl_policy *p)
{
	struct zl_incidents_conf *i = &p->incidents;

	*i = c->inc;
	i->suppress = c->inc_suppress.v;
	i->n_suppress = c->inc_suppress.n;
	i->thresholds = c->inc_thresholds.v;
	i->n_thresholds = c->inc_thresholds.n;
	i->routers = c->inc_routers.v;
	i->n_routers = c->inc_routers.n;
	i->router_macs = c->inc_macs.v;
	i->n_router_macs = c->inc_macs.n;
	i->risks_add = c->inc_add.v;
	i->n_risks_add = c->inc_add.n;
	i->risks_remove = c->inc_remove.v;
	i->n_risks_remove = c->inc_remove.n;
	i->threats.v = c->inc_threats.v;
	i->threats.n = c->inc_threats.n;
}

void zl_check_incidents(struct zl_pctx *c, struct zl_policy *p)
{
	struct zl_incidents_conf *i = &p->incidents;

	for (size_t k = 0; k < i->n_suppress; k++) {
		zl_resolve_side(c, p, &i->suppress[k].from);
		zl_resolve_side(c, p, &i->suppress[k].to);
	}
	zl_resolve_side(c, p, &i->threats);
}
