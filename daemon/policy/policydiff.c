/*
 * policydiff.c - what applying a policy would change: each chain's rules
 * (nft text without the line-naming comment and log prefix) compared by
 * longest common subsequence, each set's prefixes by sorted merge, the
 * chains' default verdicts, and the incidents and ipv6 sections item by
 * item (a suppress rule, a threshold, a router, a site...). Pure: two
 * parsed policies in, JSON out.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flat.h"
#include "policydiff.h"


struct rules_text {
	char **text;
	const struct zl_flat_rule **fr;
	size_t n;
};

static void chain_text(const struct zl_flat_chain *c, struct rules_text *t)
{
	size_t i;

	t->n = c ? c->n : 0;
	t->text = calloc(t->n ? t->n : 1, sizeof(*t->text));
	t->fr = calloc(t->n ? t->n : 1, sizeof(*t->fr));
	for (i = 0; i < t->n && t->text && t->fr; i++) {
		t->text[i] = zl_flat_rule_nft(&c->rules[i]);
		t->fr[i] = &c->rules[i];
	}
}

static void chain_text_free(struct rules_text *t)
{
	size_t i;

	for (i = 0; t->text && i < t->n; i++)
		free(t->text[i]);
	free(t->text);
	free(t->fr);
}

static json_t *rule_change(const char *chain, const char *op, const struct rules_text *t, size_t i)
{
	const struct zl_loc *l = &t->fr[i]->src->loc;
	const char *base = strrchr(l->file, '/');
	char at[300];

	snprintf(at, sizeof(at), "%s:%d", base ? base + 1 : l->file, l->line);
	return json_pack("{s:s, s:s, s:s, s:s}", "chain", chain, "op", op, "rule",
			 t->text[i] ? t->text[i] : "?", "line", at);
}

/* The rules of one chain, old against new, in order (LCS). */
static void diff_chain(const char *chain, const struct zl_flat_chain *oc,
		       const struct zl_flat_chain *nc, json_t *out)
{
	struct rules_text a, b;
	size_t i, j, n, m;
	unsigned *L;

	chain_text(oc, &a);
	chain_text(nc, &b);
	n = a.n;
	m = b.n;
	L = calloc((n + 1) * (m + 1), sizeof(*L));
	if (L && a.text && b.text) {
		for (i = n; i-- > 0;)
			for (j = m; j-- > 0;)
				L[i * (m + 1) + j] = a.text[i] && b.text[j] && !strcmp(a.text[i], b.text[j]) ?
					L[(i + 1) * (m + 1) + j + 1] + 1 :
					(L[(i + 1) * (m + 1) + j] > L[i * (m + 1) + j + 1] ?
						 L[(i + 1) * (m + 1) + j] : L[i * (m + 1) + j + 1]);
		for (i = 0, j = 0; i < n || j < m;) {
			if (i < n && j < m && a.text[i] && b.text[j] && !strcmp(a.text[i], b.text[j])) {
				i++;
				j++;
			} else if (j < m && (i == n || L[i * (m + 1) + j + 1] >= L[(i + 1) * (m + 1) + j])) {
				json_array_append_new(out, rule_change(chain, "+", &b, j++));
			} else {
				json_array_append_new(out, rule_change(chain, "-", &a, i++));
			}
		}
	}
	free(L);
	chain_text_free(&a);
	chain_text_free(&b);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **set_items(const struct zl_set *s, size_t *n)
{
	size_t i, k = 0, total = s ? s->n_v4 + s->n_v6 : 0;
	char **v = calloc(total ? total : 1, sizeof(*v));

	for (i = 0; v && i < total; i++) {
		const struct zl_prefix *p = i < s->n_v4 ? &s->v4[i] : &s->v6[i - s->n_v4];
		char buf[64];
		zl_prefix_format(p, buf, sizeof(buf));
		if ((v[k] = strdup(buf)))
			k++;
	}
	if (v)
		qsort(v, k, sizeof(*v), str_cmp);
	*n = k;
	return v;
}

static const struct zl_set *find_set(const struct zl_policy *p, const char *name)
{
	size_t i;

	for (i = 0; p && i < p->n_sets; i++)
		if (!strcmp(p->sets[i].name, name))
			return &p->sets[i];
	return NULL;
}

static void diff_set(const char *name, const struct zl_set *os, const struct zl_set *ns,
		     json_t *out)
{
	size_t na, nb, i = 0, j = 0;
	char **a = set_items(os, &na), **b = set_items(ns, &nb);
	json_t *add = json_array(), *del = json_array();
	size_t n_add = 0, n_del = 0;

	while (a && b && (i < na || j < nb)) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			if (n_del++ < 1000)
				json_array_append_new(del, json_string(a[i]));
			i++;
		} else {
			if (n_add++ < 1000)
				json_array_append_new(add, json_string(b[j]));
			j++;
		}
	}
	if (n_add || n_del || !os || !ns)
		json_array_append_new(out, json_pack("{s:s, s:s, s:I, s:I, s:o, s:o}", "set", name,
			"change", !os ? "added" : !ns ? "removed" : "changed",
			"added", (json_int_t)n_add, "removed", (json_int_t)n_del,
			"add", add, "remove", del));
	else {
		json_decref(add);
		json_decref(del);
	}
	for (i = 0; a && i < na; i++)
		free(a[i]);
	for (j = 0; b && j < nb; j++)
		free(b[j]);
	free(a);
	free(b);
}

static const struct zl_flat_chain *find_chain(const struct zl_flat *f, enum zl_hook h)
{
	size_t i;

	for (i = 0; f && i < f->n_chains; i++)
		if (f->chains[i].filter->hook == h)
			return &f->chains[i];
	return NULL;
}

/* ------------------------------------- the incidents and ipv6 sections */

/* One line of a section as `policy diff` shows it, and where it is written. */
struct item {
	char *text;
	const struct zl_loc *loc;
};

struct items {
	struct item *v;
	size_t n, cap;
};

static void item_add(struct items *it, const struct zl_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void item_add(struct items *it, const struct zl_loc *loc, const char *fmt, ...)
{
	va_list ap;
	char *t;

	if (it->n == it->cap) {
		size_t n = it->cap ? it->cap * 2 : 16;
		struct item *v = realloc(it->v, n * sizeof(*v));
		if (!v)
			return;
		it->v = v;
		it->cap = n;
	}
	va_start(ap, fmt);
	if (vasprintf(&t, fmt, ap) >= 0) {
		it->v[it->n].text = t;
		it->v[it->n++].loc = loc;
	}
	va_end(ap);
}

/* "$scanners, 192.0.2.0/24" as written (zones and names by their name). */
static void side_text(const struct zl_side *sd, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sd->n && o < len; i++) {
		const struct zl_endpoint *e = &sd->v[i];
		char p[64];

		if (e->type == ZL_EP_PREFIX)
			zl_prefix_format(&e->prefix, p, sizeof(p));
		o += (size_t)snprintf(buf + o, len - o, "%s%s%s", i ? ", " : "",
				      e->type == ZL_EP_SET ? "$" : "",
				      e->type == ZL_EP_PREFIX ? p : e->name ? e->name : "?");
	}
}

/* 300 -> "5m", 7200 -> "2h", 45 -> "45s" */
static const char *window_text(unsigned s, char *buf, size_t len)
{
	if (s && s % 3600 == 0)
		snprintf(buf, len, "%uh", s / 3600);
	else if (s && s % 60 == 0)
		snprintf(buf, len, "%um", s / 60);
	else
		snprintf(buf, len, "%us", s);
	return buf;
}

static void section_items(const struct zl_policy *p, struct items *inc, struct items *v6)
{
	const struct zl_incidents_conf *in = &p->incidents;
	char a[512], b[512], w[16];

	for (size_t i = 0; in->present && i < in->n_suppress; i++) {
		const struct zl_inc_suppress *s = &in->suppress[i];

		side_text(&s->from, a, sizeof(a));
		side_text(&s->to, b, sizeof(b));
		item_add(inc, &s->loc, "suppress %s%s%s%s%s%s%s%s", s->type, s->risk ? " \"" : "",
			 s->risk ? s->risk : "", s->risk ? "\"" : "", s->from.n ? " from " : "", a,
			 s->to.n ? " to " : "", b);
	}
	for (size_t i = 0; in->present && i < in->n_thresholds; i++) {
		const struct zl_inc_threshold *t = &in->thresholds[i];

		if (!strcmp(t->type, "dedup"))
			item_add(inc, &t->loc, "dedup %s", window_text(t->window_s, w, sizeof(w)));
		else
			item_add(inc, &t->loc, "threshold %s %u in %s", t->type, t->count,
				 window_text(t->window_s, w, sizeof(w)));
	}
	for (size_t i = 0; in->present && i < in->n_routers; i++) {
		zl_prefix_format(&in->routers[i], a, sizeof(a));
		item_add(inc, &in->loc, "router %s", a);
	}
	for (size_t i = 0; in->present && i < in->n_router_macs; i++) {
		const uint8_t *m = in->router_macs[i];
		item_add(inc, &in->loc, "router %02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
			 m[3], m[4], m[5]);
	}
	for (size_t i = 0; in->present && i < in->n_risks_add; i++)
		item_add(inc, &in->risks_add[i].loc, "risk add \"%s\"", in->risks_add[i].s);
	for (size_t i = 0; in->present && i < in->n_risks_remove; i++)
		item_add(inc, &in->risks_remove[i].loc, "risk remove \"%s\"", in->risks_remove[i].s);
	for (size_t i = 0; in->present && i < in->threats.n; i++) {
		struct zl_side one = { &in->threats.v[i], 1 };
		side_text(&one, a, sizeof(a));
		item_add(inc, &in->threats.v[i].loc, "blocklist %s", a);
	}
	for (size_t i = 0; p->ipv6.present && i < p->ipv6.n_sites; i++)
		item_add(v6, &p->ipv6.sites[i].loc, "site \"%s\"", p->ipv6.sites[i].s);
	for (size_t i = 0; p->ipv6.present && i < p->ipv6.internal.n; i++) {
		struct zl_side one = { &p->ipv6.internal.v[i], 1 };
		side_text(&one, a, sizeof(a));
		item_add(v6, &p->ipv6.internal.v[i].loc, "internal %s", a);
	}
}

static int has_item(const struct items *it, const char *text)
{
	for (size_t i = 0; i < it->n; i++)
		if (!strcmp(it->v[i].text, text))
			return 1;
	return 0;
}

/* The items of 'from' not in 'to', as op. */
static void item_changes(const char *section, const char *op, const struct items *from,
			 const struct items *to, json_t *out)
{
	for (size_t i = 0; i < from->n; i++) {
		const struct zl_loc *l = from->v[i].loc;
		const char *base = l && l->file ? strrchr(l->file, '/') : NULL;
		char at[300] = "";

		if (has_item(to, from->v[i].text))
			continue;
		if (l && l->file)
			snprintf(at, sizeof(at), "%s:%d", base ? base + 1 : l->file, l->line);
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "section", section,
						     "op", op, "item", from->v[i].text, "line", at));
	}
}

static void items_free(struct items *it)
{
	for (size_t i = 0; i < it->n; i++)
		free(it->v[i].text);
	free(it->v);
}

/* What changes in the incidents and ipv6 sections, item by item. */
static json_t *diff_sections(const struct zl_policy *op, const struct zl_policy *np)
{
	struct items oi = { 0 }, o6 = { 0 }, ni = { 0 }, n6 = { 0 };
	json_t *out = json_array();

	if (op)
		section_items(op, &oi, &o6);
	section_items(np, &ni, &n6);
	item_changes("incidents", "-", &oi, &ni, out);
	item_changes("incidents", "+", &ni, &oi, out);
	item_changes("ipv6", "-", &o6, &n6, out);
	item_changes("ipv6", "+", &n6, &o6, out);
	items_free(&oi);
	items_free(&o6);
	items_free(&ni);
	items_free(&n6);
	return out;
}

json_t *zl_policy_diff(const struct zl_policy *op, const struct zl_policy *np)
{
	struct zl_flat *nf, *of = NULL;
	json_t *rules, *sets, *chains, *out;
	size_t i;
	int h;

	nf = zl_flat_new(np);
	of = op ? zl_flat_new(op) : NULL;
	rules = json_array();
	sets = json_array();
	chains = json_array();
	for (h = ZL_FORWARD; h <= ZL_OUTPUT; h++) {
		const struct zl_flat_chain *oc = find_chain(of, (enum zl_hook)h);
		const struct zl_flat_chain *nc = find_chain(nf, (enum zl_hook)h);
		const char *name = zl_hook_name((enum zl_hook)h);

		if (!oc && !nc)
			continue;
		if (!oc || !nc || oc->filter->policy != nc->filter->policy)
			json_array_append_new(chains, json_pack("{s:s, s:s, s:s}", "chain", name,
				"from", oc ? (oc->filter->policy == ZL_PASS ? "accept" : "drop") : "none",
				"to", nc ? (nc->filter->policy == ZL_PASS ? "accept" : "drop") : "none"));
		diff_chain(name, oc, nc, rules);
	}
	for (i = 0; op && i < op->n_sets; i++)
		diff_set(op->sets[i].name, &op->sets[i], find_set(np, op->sets[i].name), sets);
	for (i = 0; i < np->n_sets; i++)
		if (!find_set(op, np->sets[i].name))
			diff_set(np->sets[i].name, NULL, &np->sets[i], sets);
	out = json_pack("{s:o, s:o, s:o, s:o}", "chains", chains, "rules", rules, "sets", sets,
			"sections", diff_sections(op, np));
	zl_flat_free(nf);
	zl_flat_free(of);
	return out;
}
