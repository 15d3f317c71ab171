/*
 * build.c - what the grammar's actions call: each value is checked where
 * it is written (addresses, protocols, ports, days and times, domains),
 * and each definition and rule is assembled and appended to the parse.
 * What needs the whole file is left to check.c.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"
#include "policy-int.h"

/* Numbers as written; -1 if not digits or above max. */
static long number(const char *s, long max)
{
	long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v;
}

/* Builders, in the grammar's order. */

void zl_b_name(struct zl_pctx *c, struct zl_vec *v, char *s, const struct zl_yyltype *l)
{
	struct zl_name *n = ZL_PUSH(c, v, struct zl_name);

	n->s = s;
	n->loc = zl_at(c, l);
}

void zl_b_zone(struct zl_pctx *c, char *name, const struct zl_yyltype *l, struct zl_vec *ifaces)
{
	struct zl_zone *z = ZL_PUSH(c, &c->zones, struct zl_zone);
	struct zl_name *n = ifaces->v;

	for (size_t i = 0; i < ifaces->n; i++)
		if (strlen(n[i].s) > 15)
			zl_err(c, &n[i].loc, "interface name \"%s\" is too long (at most 15 characters)",
			       n[i].s);
	z->name = name;
	z->loc = zl_at(c, l);
	z->ifaces = ifaces->v;
	z->n_ifaces = ifaces->n;
}

void zl_b_addr(struct zl_pctx *c, struct zl_vec *v, char *text, const struct zl_yyltype *l)
{
	struct zl_loc at = zl_at(c, l);
	struct zl_prefix p;
	char err[200];

	if (zl_prefix_parse(text, &p, err, sizeof(err)) < 0)
		zl_err(c, &at, "%s", err);
	else
		*ZL_PUSH(c, v, struct zl_prefix) = p;
}

static void add_set(struct zl_pctx *c, char *name, const struct zl_yyltype *l,
		    const char *path, struct zl_vec *addrs)
{
	struct zl_set *s = ZL_PUSH(c, &c->sets, struct zl_set);
	struct zl_prefix *p = addrs->v;
	size_t n4 = 0, n6 = 0;

	s->name = name;
	s->loc = zl_at(c, l);
	s->path = path;
	for (size_t i = 0; i < addrs->n; i++)
		*(p[i].family == AF_INET ? &n4 : &n6) += 1;
	s->v4 = zl_alloc(c->a, n4 * sizeof(*p));
	s->v6 = zl_alloc(c->a, n6 * sizeof(*p));
	for (size_t i = 0; i < addrs->n; i++) {
		if (p[i].family == AF_INET)
			s->v4[s->n_v4++] = p[i];
		else
			s->v6[s->n_v6++] = p[i];
	}
}

void zl_b_set(struct zl_pctx *c, char *name, const struct zl_yyltype *l, struct zl_vec *addrs)
{
	add_set(c, name, l, NULL, addrs);
}

void zl_b_set_file(struct zl_pctx *c, char *name, const struct zl_yyltype *l,
		   char *path, const struct zl_yyltype *pl)
{
	struct zl_vec addrs = { 0 };
	struct zl_loc at = zl_at(c, pl);
	const char *full = path;

	if (path[0] != '/' && c->dir) {
		size_t n = strlen(c->dir) + strlen(path) + 2;
		char *f = zl_alloc(c->a, n);

		snprintf(f, n, "%s%s%s", c->dir, c->dir[strlen(c->dir) - 1] == '/' ? "" : "/", path);
		full = f;
	}
	c->key_line = pl->first_line;
	c->key_col = pl->first_column;
	if (zl_read_set_file(c, full, &addrs) < 0) {
		zl_err(c, &at, "cannot read set file \"%s\": %s", full, strerror(errno));
		*ZL_PUSH(c, &c->unreadable, size_t) = c->sets.n;
	}
	c->key_line = c->key_col = 0;
	add_set(c, name, l, full, &addrs);
}

static const char *const day_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static int day(struct zl_pctx *c, const char *s, const struct zl_loc *at)
{
	struct zl_near near;

	for (int i = 0; i < 7; i++)
		if (!strcmp(s, day_names[i]))
			return i;
	zl_near_init(&near, s);
	for (int i = 0; i < 7; i++)
		zl_near_try(&near, day_names[i]);
	if (near.best)
		zl_err(c, at, "unknown day \"%s\" (did you mean \"%s\"?)", s, near.best);
	else
		zl_err(c, at, "unknown day \"%s\" (expected mon, tue, wed, thu, fri, sat or sun)", s);
	return -1;
}

/* "mon", "mon-fri" as one name, or "mon - fri"; 0 after an error. */
unsigned zl_b_days(struct zl_pctx *c, char *from, const struct zl_yyltype *fl,
		   char *to, const struct zl_yyltype *tl)
{
	struct zl_loc at = zl_at(c, fl), to_at = at;
	char *dash = to ? NULL : strchr(from, '-');
	unsigned mask = 0;
	int a, b;

	if (dash) {
		*dash = 0;
		to = dash + 1;
		to_at.col += zl_column(from, dash);
	} else if (to) {
		to_at = zl_at(c, tl);
	}
	a = day(c, from, &at);
	b = to ? day(c, to, &to_at) : a;
	if (a < 0 || b < 0)
		return 0;
	/* a range may wrap the week: fri-mon */
	for (int i = a;; i = (i + 1) % 7) {
		mask |= 1u << i;
		if (i == b)
			break;
	}
	return mask;
}

/* "HH:MM" in minutes; -1 if it is not a time of day (24:00 allowed). */
static int minutes(struct zl_pctx *c, const char *s, const struct zl_loc *at)
{
	const char *colon = strchr(s, ':');
	long h = number(zl_strndup(c->a, s, (size_t)(colon - s)), 99), m = number(colon + 1, 99);

	if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0)) {
		zl_err(c, at, "bad time \"%s\" (expected 00:00 to 24:00)", s);
		return -1;
	}
	return (int)(h * 60 + m);
}

void zl_b_span(struct zl_pctx *c, struct zl_vec *v, unsigned days,
	       char *start, const struct zl_yyltype *sl, char *end, const struct zl_yyltype *el)
{
	struct zl_loc sat = zl_at(c, sl), eat = zl_at(c, el);
	int a = minutes(c, start, &sat), b = minutes(c, end, &eat);
	struct zl_timespan *t;

	if (a < 0 || b < 0)
		return;
	if (a == 24 * 60) {
		zl_err(c, &sat, "a time range cannot start at 24:00");
		return;
	}
	if (b <= a) {
		if (b == a)
			zl_err(c, &sat, "time range %s-%s is empty", start, end);
		else
			zl_err(c, &sat, "time range %s-%s ends before it starts (across midnight, "
			       "write two: %s-24:00, 00:00-%s)", start, end, start, end);
		return;
	}
	if (!days)
		return;
	t = ZL_PUSH(c, v, struct zl_timespan);
	t->days = days;
	t->start = (unsigned)a;
	t->end = (unsigned)b;
}

void zl_b_schedule(struct zl_pctx *c, char *name, const struct zl_yyltype *l, struct zl_vec *spans)
{
	struct zl_schedule *s = ZL_PUSH(c, &c->schedules, struct zl_schedule);

	s->name = name;
	s->loc = zl_at(c, l);
	if (spans) {
		s->spans = spans->v;
		s->n_spans = spans->n;
	} else {
		zl_warn(c, &s->loc, "schedule \"%s\" has no time; rules using it never match", name);
	}
}

void zl_b_endpoint(struct zl_pctx *c, struct zl_vec *v, int type, char *text,
		   const struct zl_yyltype *l)
{
	struct zl_endpoint *e = ZL_PUSH(c, v, struct zl_endpoint);
	static const char *const what[] = {
		[ZL_EP_HOST] = "host name", [ZL_EP_PERSON] = "person", [ZL_EP_DEPARTMENT] = "department",
	};
	size_t chars = 0, head = 0;   /* head: bytes of the first 16 characters */
	char err[200];

	e->type = type;
	e->loc = zl_at(c, l);
	/* the address book refuses a longer name (addrbook.h), so none matches */
	if (type == ZL_EP_HOST || type == ZL_EP_PERSON || type == ZL_EP_DEPARTMENT) {
		for (const char *p = text; *p; p++) {
			chars += ((unsigned char)*p & 0xc0) != 0x80;
			head += chars <= 16;
		}
		if (chars > ZL_NAME_CHARS)
			zl_warn(c, &e->loc, "%s \"%.*s…\" is %zu characters long, but the address "
				"book holds at most %d: it can never match", what[type], (int)head, text,
				chars, ZL_NAME_CHARS);
	}
	if (type != ZL_EP_PREFIX && type != ZL_EP_SELF)
		e->name = text;
	else if (type == ZL_EP_PREFIX && zl_prefix_parse(text, &e->prefix, err, sizeof(err)) < 0)
		zl_err(c, &e->loc, "%s", err);
}

static const struct { const char *name; uint8_t num; } protocols[] = {
	{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 },
	{ "sctp", 132 }, { "esp", 50 }, { "ah", 51 }, { "gre", 47 },
};
#define N_PROTOCOLS (sizeof(protocols) / sizeof(protocols[0]))

void zl_b_proto(struct zl_pctx *c, struct zl_vec *v, char *name, char *num,
		const struct zl_yyltype *l)
{
	struct zl_loc at = zl_at(c, l);
	struct zl_near near;
	long n;

	if (num) {
		if ((n = number(num, 255)) < 0)
			zl_err(c, &at, "protocol number %s is out of range (0-255)", num);
		else
			*ZL_PUSH(c, v, uint8_t) = (uint8_t)n;
		c->rule.proto_bad |= n < 0;
		return;
	}
	for (size_t i = 0; i < N_PROTOCOLS; i++) {
		if (!strcmp(name, protocols[i].name)) {
			*ZL_PUSH(c, v, uint8_t) = protocols[i].num;
			return;
		}
	}
	c->rule.proto_bad = 1;
	/* backwards, so that pf's "icmp6" is taken for icmpv6, not icmp */
	zl_near_init(&near, name);
	for (size_t i = N_PROTOCOLS; i-- > 0;)
		zl_near_try(&near, protocols[i].name);
	if (near.best)
		zl_err(c, &at, "unknown protocol \"%s\" (did you mean \"%s\"?)", name, near.best);
	else
		zl_err(c, &at, "unknown protocol \"%s\" (expected tcp, udp, icmp, icmpv6, sctp, esp, "
		       "ah, gre or a number)", name);
}

void zl_b_port(struct zl_pctx *c, struct zl_vec *v, char *lo, const struct zl_yyltype *ll,
	       char *hi, const struct zl_yyltype *hl)
{
	struct zl_loc lat = zl_at(c, ll), hat = hi ? zl_at(c, hl) : lat;
	long a = number(lo, 65535), b = hi ? number(hi, 65535) : a;
	struct zl_portrange *r;

	if (a < 1)
		zl_err(c, &lat, "port %s is out of range (1-65535)", lo);
	if (hi && b < 1)
		zl_err(c, &hat, "port %s is out of range (1-65535)", hi);
	if (a < 1 || b < 1)
		return;
	if (b < a) {
		zl_err(c, &lat, "port range %s-%s ends before it starts", lo, hi);
		return;
	}
	r = ZL_PUSH(c, v, struct zl_portrange);
	r->lo = (uint16_t)a;
	r->hi = (uint16_t)b;
}

/* "example.com" or "*.example.com", stored in lower case. */
void zl_b_domain(struct zl_pctx *c, struct zl_vec *v, char *s, const struct zl_yyltype *l)
{
	struct zl_loc at = zl_at(c, l);
	const char *why = NULL, *p = s;
	size_t label = 0;

	if (!strncmp(p, "*.", 2))
		p += 2;
	if (strlen(s) > 253)
		why = "it is longer than 253 characters";
	for (; *p && !why; p++) {
		if ((unsigned char)*p >= 0x80)
			why = "write international names in their xn-- form";
		else if (*p == '*')
			why = "'*' may only start it, as in \"*.example.com\"";
		else if (*p == '.' && label == 0)
			why = "it has an empty label";
		else if (*p == '.' && p[-1] == '-')
			why = "a label ends with '-'";
		else if (*p == '.')
			label = 0;
		else if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			why = "only letters, digits, '-', '_' and '.' may appear in it";
		else if (++label > 63)
			why = "a label is longer than 63 characters";
		else if (label == 1 && *p == '-')
			why = "a label starts with '-'";
	}
	if (!why && (label == 0 || p[-1] == '-'))
		why = label ? "a label ends with '-'" : "it ends with '.' or is empty";
	if (why) {
		zl_err(c, &at, "bad domain \"%s\": %s", s, why);
		return;
	}
	for (char *q = s; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	zl_b_name(c, v, s, l);
}

void zl_b_filter_begin(struct zl_pctx *c, int hook, int policy, const struct zl_yyltype *l)
{
	memset(&c->filter, 0, sizeof(c->filter));
	memset(&c->rules, 0, sizeof(c->rules));
	c->filter.hook = hook;
	c->filter.policy = policy;
	c->filter.loc = zl_at(c, l);
}

void zl_b_filter_end(struct zl_pctx *c)
{
	struct zl_filter *f = ZL_PUSH(c, &c->filters, struct zl_filter);

	*f = c->filter;
	f->rules = c->rules.v;
	f->n_rules = c->rules.n;
}

void zl_b_rule_begin(struct zl_pctx *c, int bh, int action, const struct zl_yyltype *l)
{
	memset(&c->rule, 0, sizeof(c->rule));
	c->rule.bh = bh;
	c->rule.action = action;
	c->rule.loc = zl_at(c, l);
	c->rule.last_opt = -1;
}

static const char *const opt_names[] = {
	[ZL_OPT_LOG] = "log", [ZL_OPT_PROTO] = "proto", [ZL_OPT_FROM] = "from",
	[ZL_OPT_TO] = "to", [ZL_OPT_PORT] = "port", [ZL_OPT_DURING] = "during",
	[ZL_OPT_RATE] = "rate",
};

/* 0 if the option is new to the rule. */
static int seen(struct zl_pctx *c, enum zl_opt opt, const struct zl_loc *at)
{
	int last = c->rule.last_opt;

	c->rule.last_opt = (int)opt;
	if (c->rule.seen & (1u << opt)) {
		zl_err(c, at, "'%s' appears twice in this rule", opt_names[opt]);
		return -1;
	}
	c->rule.seen |= 1u << opt;
	/* pf reads 'from X port N' as a source port; say so rather than guess */
	if (opt == ZL_OPT_PORT && last == ZL_OPT_FROM) {
		zl_err(c, at, "'port' after 'from' would be a source port, and only destination "
		       "ports can be matched: put 'port' after 'to'");
		return -1;
	}
	return 0;
}

void zl_b_opt(struct zl_pctx *c, enum zl_opt opt, const struct zl_yyltype *l, struct zl_vec *v)
{
	struct zl_loc at = zl_at(c, l);
	struct zl_ropts *r = &c->rule;

	if (seen(c, opt, &at) < 0)
		return;
	switch (opt) {
	case ZL_OPT_LOG:
		r->log = 1;
		break;
	case ZL_OPT_PROTO:
		r->protos = *v;
		break;
	case ZL_OPT_FROM:
		r->from = *v;
		break;
	case ZL_OPT_TO:
		r->to = *v;
		break;
	case ZL_OPT_PORT:
		r->ports = *v;
		r->port_loc = at;
		break;
	default:
		break;
	}
}

void zl_b_during(struct zl_pctx *c, const struct zl_yyltype *kl, char *name,
		 const struct zl_yyltype *l)
{
	struct zl_loc at = zl_at(c, kl);

	if (seen(c, ZL_OPT_DURING, &at) == 0) {
		c->rule.during.s = name;
		c->rule.during.loc = zl_at(c, l);
	}
}

void zl_b_rate(struct zl_pctx *c, const struct zl_yyltype *kl, char *num,
	       const struct zl_yyltype *l, uint64_t unit)
{
	struct zl_loc at = zl_at(c, kl), nat = zl_at(c, l);
	long n = number(num, 1000000);

	if (seen(c, ZL_OPT_RATE, &at) < 0)
		return;
	c->rule.rate_loc = at;
	if (n < 1) {
		zl_err(c, &nat, "rate %s is out of range (1 to 1000000)", num);
		c->rule.rate_bps = 1;   /* not 0: that would say "no rate" too */
		return;
	}
	c->rule.rate_bps = (uint64_t)n * unit;
}

void zl_b_bh_object(struct zl_pctx *c, int object, struct zl_vec *names)
{
	c->rule.object = object;
	if (names)
		c->rule.names = *names;
}

void zl_b_bh_begin(struct zl_pctx *c, const struct zl_yyltype *l)
{
	struct zl_loc at = zl_at(c, l);

	if (c->bh_loc.line)
		zl_err(c, &at, "behaviour already defined at %s:%d", c->bh_loc.file, c->bh_loc.line);
	else
		c->bh_loc = at;
}

static int port_protos_ok(const struct zl_vec *protos)
{
	const uint8_t *p = protos->v;

	if (!protos->n)
		return 0;
	for (size_t i = 0; i < protos->n; i++)
		if (p[i] != 6 && p[i] != 17 && p[i] != 132)
			return 0;
	return 1;
}

/*
 * 'self' is the gateway: only packets addressed to it (input) or sent by
 * it (output) can match it. A zone names the interface a packet came in
 * on or leaves by, and input has no outgoing one, output no incoming one.
 */
static void check_sides(struct zl_pctx *c, int hook, const struct zl_vec *from,
			const struct zl_vec *to)
{
	const struct zl_endpoint *e = from->v;

	for (size_t i = 0; i < from->n; i++) {
		if (e[i].type >= ZL_EP_HOST)
			zl_err(c, &e[i].loc, "address-book names (host, person, department) are "
			       "for behaviour rules; a filter rule takes a zone, $set or address");
		else if (e[i].type == ZL_EP_SELF && hook != ZL_OUTPUT)
			zl_err(c, &e[i].loc, "'from self' matches only in filter output: "
			       "'self' is the gateway itself");
		else if (e[i].type == ZL_EP_ZONE && hook == ZL_OUTPUT)
			zl_warn(c, &e[i].loc, "'from %s' can never match in filter output, whose "
				"packets come from the gateway itself (use 'from self')", e[i].name);
	}
	e = to->v;
	for (size_t i = 0; i < to->n; i++) {
		if (e[i].type >= ZL_EP_HOST)
			zl_err(c, &e[i].loc, "address-book names (host, person, department) are "
			       "for behaviour rules; a filter rule takes a zone, $set or address");
		else if (e[i].type == ZL_EP_SELF && hook != ZL_INPUT)
			zl_err(c, &e[i].loc, "'to self' matches only in filter input: "
			       "'self' is the gateway itself");
		else if (e[i].type == ZL_EP_ZONE && hook == ZL_INPUT)
			zl_warn(c, &e[i].loc, "'to %s' can never match in filter input, whose "
				"packets are for the gateway itself (use 'to self')", e[i].name);
	}
}

static void filter_rule_end(struct zl_pctx *c)
{
	struct zl_ropts *o = &c->rule;
	struct zl_rule *r;

	/* after a lost '}', this rule may sit in the wrong filter */
	if (!c->desync) {
		if (o->ports.n && !o->proto_bad && !port_protos_ok(&o->protos))
			zl_err(c, &o->port_loc, "port needs proto tcp, udp or sctp");
		check_sides(c, (int)c->filter.hook, &o->from, &o->to);
	}
	r = ZL_PUSH(c, &c->rules, struct zl_rule);
	r->action = o->action;
	r->log = o->log;
	r->protos = o->protos.v;
	r->n_protos = o->protos.n;
	r->ports = o->ports.v;
	r->n_ports = o->ports.n;
	r->from.v = o->from.v;
	r->from.n = o->from.n;
	r->to.v = o->to.v;
	r->to.n = o->to.n;
	r->during = o->during;
	r->loc = o->loc;
}

static void bh_rule_end(struct zl_pctx *c)
{
	struct zl_ropts *o = &c->rule;
	const struct zl_endpoint *e = o->from.v;
	struct zl_bh_rule *r;

	if (o->action == ZL_BH_LIMIT && !o->rate_bps)
		zl_err(c, &o->loc, "limit needs a rate, as in 'rate 2 mbit'");
	else if (o->action != ZL_BH_LIMIT && o->rate_bps)
		zl_err(c, &o->rate_loc, "'rate' is only for limit rules");
	for (size_t i = 0; i < o->from.n; i++)
		if (e[i].type == ZL_EP_SELF)
			zl_err(c, &e[i].loc, "a behaviour rule's subject is a zone, $set, address or "
			       "address-book name, not 'self'");
	r = ZL_PUSH(c, &c->bh, struct zl_bh_rule);
	r->action = o->action;
	r->object = o->object;
	r->names = o->names.v;
	r->n_names = o->names.n;
	r->from.v = o->from.v;
	r->from.n = o->from.n;
	r->during = o->during;
	r->rate_bps = o->rate_bps;
	r->loc = o->loc;
}

void zl_b_rule_end(struct zl_pctx *c)
{
	if (c->rule.bh)
		bh_rule_end(c);
	else
		filter_rule_end(c);
}
