/*
 * detect_conf.c - from the policy's incidents section to struct
 * zl_detect_config: $sets and prefixes become flat prefix arrays, type
 * names become incident types, thresholds (and the dedup window) replace
 * the defaults.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "detect_conf.h"

static struct zl_detect_prefix one(const struct zl_prefix *p)
{
	struct zl_detect_prefix d = { .ipver = p->family == AF_INET ? 4 : 6,
				      .len = (uint8_t)p->len };

	memcpy(d.addr, p->addr, 16);
	return d;
}

/* Every prefix a side names, flattened; NULL (and *n 0) for 'any'. */
static struct zl_detect_prefix *flatten(const struct zl_side *s, size_t *n, int *fail)
{
	struct zl_detect_prefix *v;
	size_t k = 0, total = 0;

	for (size_t i = 0; i < s->n; i++)
		total += s->v[i].type == ZL_EP_SET && s->v[i].set ?
			 s->v[i].set->n_v4 + s->v[i].set->n_v6 : 1;
	*n = 0;
	if (!total)
		return NULL;
	if (!(v = calloc(total, sizeof(*v)))) {
		*fail = 1;
		return NULL;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct zl_endpoint *e = &s->v[i];

		if (e->type == ZL_EP_PREFIX) {
			v[k++] = one(&e->prefix);
		} else if (e->type == ZL_EP_SET && e->set) {
			for (size_t j = 0; j < e->set->n_v4; j++)
				v[k++] = one(&e->set->v4[j]);
			for (size_t j = 0; j < e->set->n_v6; j++)
				v[k++] = one(&e->set->v6[j]);
		}
	}
	*n = k;
	return v;
}

static const char **names(const struct zl_name *v, size_t n, int *fail)
{
	const char **out;

	if (!n)
		return NULL;
	if (!(out = calloc(n, sizeof(*out)))) {
		*fail = 1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = v[i].s;
	return out;
}

int zl_policy_detect_config(const struct zl_policy *p, struct zl_detect_config *c)
{
	const struct zl_incidents_conf *in = &p->incidents;
	struct zl_detect_suppress *sv = NULL;
	struct zl_detect_prefix *routers = NULL;
	int fail = 0;

	for (size_t i = 0; i < in->n_thresholds; i++) {
		const struct zl_inc_threshold *t = &in->thresholds[i];
		struct zl_detect_threshold *x = !strcmp(t->type, "scan") ? &c->scan :
			!strcmp(t->type, "bruteforce") ? &c->bruteforce :
			!strcmp(t->type, "violation") ? &c->violation : NULL;

		if (!x) {                   /* "dedup" */
			c->dedup_window_s = t->window_s;
			continue;
		}
		x->count = t->count;
		x->window_s = t->window_s;
	}
	if (in->n_routers && (routers = calloc(in->n_routers, sizeof(*routers)))) {
		for (size_t i = 0; i < in->n_routers; i++)
			routers[i] = one(&in->routers[i]);
		c->n_routers = in->n_routers;
	}
	fail |= in->n_routers && !routers;
	c->routers = routers;
	c->router_macs = (const uint8_t (*)[6])in->router_macs;
	c->n_router_macs = in->n_router_macs;
	c->risks_add = names(in->risks_add, in->n_risks_add, &fail);
	c->n_risks_add = in->n_risks_add;
	c->risks_remove = names(in->risks_remove, in->n_risks_remove, &fail);
	c->n_risks_remove = in->n_risks_remove;
	c->threats = flatten(&in->threats, &c->n_threats, &fail);
	if (in->n_suppress && !(sv = calloc(in->n_suppress, sizeof(*sv))))
		fail = 1;
	c->suppress = sv;
	for (size_t i = 0; sv && i < in->n_suppress; i++) {
		const struct zl_inc_suppress *s = &in->suppress[i];

		sv[i].type = zl_inc_type_by_name(s->type);
		sv[i].risk = s->risk;
		sv[i].from = flatten(&s->from, &sv[i].n_from, &fail);
		sv[i].to = flatten(&s->to, &sv[i].n_to, &fail);
		c->n_suppress = i + 1;
	}
	if (fail) {
		zl_detect_config_release(c);
		return -1;
	}
	return 0;
}

void zl_detect_config_release(struct zl_detect_config *c)
{
	for (size_t i = 0; i < c->n_suppress; i++) {
		free((void *)c->suppress[i].from);
		free((void *)c->suppress[i].to);
	}
	free((void *)c->suppress);
	free((void *)c->routers);
	free((void *)c->risks_add);
	free((void *)c->risks_remove);
	free((void *)c->threats);
	c->suppress = NULL;
	c->routers = c->threats = NULL;
	c->risks_add = c->risks_remove = NULL;
	c->n_suppress = c->n_routers = c->n_threats = 0;
	c->n_risks_add = c->n_risks_remove = 0;
}
