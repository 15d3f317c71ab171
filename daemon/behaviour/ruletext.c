/*
 * ruletext.c - a behaviour rule back to policy text (see ruletext.h).
 */
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "ruletext.h"

static const char *const actions[] = { "block", "allow", "audit", "limit" };
static const char *const objects[] = { "app", "category", "domain", "all" };

/* Append to buf (always terminated; cut when full). */
static void add(char *buf, size_t len, const char *fmt, const char *a, const char *b)
{
	size_t n = strlen(buf);

	if (n < len)
		snprintf(buf + n, len - n, fmt, a, b);
}

static void endpoint(const struct zl_endpoint *e, char *buf, size_t len)
{
	char pfx[64];

	switch (e->type) {
	case ZL_EP_ZONE: add(buf, len, "%s%s", e->name, ""); break;
	case ZL_EP_SET: add(buf, len, "$%s%s", e->name, ""); break;
	case ZL_EP_PREFIX:
		zl_prefix_format(&e->prefix, pfx, sizeof(pfx));
		add(buf, len, "%s%s", pfx, "");
		break;
	case ZL_EP_SELF: add(buf, len, "self%s%s", "", ""); break;
	case ZL_EP_HOST: add(buf, len, "%shost \"%s\"", "", e->name); break;
	case ZL_EP_PERSON: add(buf, len, "%sperson \"%s\"", "", e->name); break;
	case ZL_EP_DEPARTMENT: add(buf, len, "%sdepartment \"%s\"", "", e->name); break;
	}
}

static void rate(uint64_t bps, char *buf, size_t len)
{
	static const struct { uint64_t div; const char *unit; } u[] = {
		{ 1000000000, "gbit" }, { 1000000, "mbit" }, { 1000, "kbit" },
	};
	size_t i;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (bps % u[i].div == 0) {
			snprintf(buf, len, "%llu %s", (unsigned long long)(bps / u[i].div), u[i].unit);
			return;
		}
	snprintf(buf, len, "%llu bit", (unsigned long long)bps);
}

json_t *zl_bh_rule_json(const struct zl_bh_rule *r)
{
	char subject[512] = "", object[1024] = "", rt[32];
	const char *quote = r->object == ZL_BH_DOMAIN ? "\"" : "";
	size_t i;
	json_t *o;

	for (i = 0; i < r->from.n; i++) {
		if (i)
			add(subject, sizeof(subject), "%s%s", ", ", "");
		endpoint(&r->from.v[i], subject, sizeof(subject));
	}
	if (!r->from.n)
		snprintf(subject, sizeof(subject), "any");
	snprintf(object, sizeof(object), "%s", objects[r->object]);
	for (i = 0; i < r->n_names; i++) {
		add(object, sizeof(object), "%s%s", i ? ", " : " ", quote);
		add(object, sizeof(object), "%s%s", r->names[i].s, quote);
	}
	/* a long list is cut; jansson takes only whole characters */
	zl_text_cut(subject, sizeof(subject));
	zl_text_cut(object, sizeof(object));
	o = json_pack("{s:s, s:s, s:s, s:o}", "action", actions[r->action], "subject", subject,
		      "object", object, "schedule",
		      r->during.s ? json_string(r->during.s) : json_null());
	if (o && r->action == ZL_BH_LIMIT) {
		rate(r->rate_bps, rt, sizeof(rt));
		json_object_set_new(o, "rate", json_string(rt));
	}
	return o;
}
