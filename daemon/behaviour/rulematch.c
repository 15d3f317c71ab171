/*
 * rulematch.c - which behaviour rule a subject falls under (see
 * rulematch.h): its client against the rule's zones, sets, prefixes and
 * address-book names, its application, category or name against the
 * rule's object, the time against the rule's schedule.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "rulematch.h"

static int prefix_has(const struct zl_prefix *p, int family, const uint8_t *a)
{
	unsigned bits = p->len, i;

	if (p->family != family)
		return 0;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (p->addr[i] != a[i])
			return 0;
	return !bits || !((p->addr[i] ^ a[i]) & (uint8_t)(0xff << (8 - bits)));
}

static int ep_match(const struct zl_endpoint *e, const struct zl_bh_subject *s)
{
	size_t i;

	switch (e->type) {
	case ZL_EP_ZONE:
		for (i = 0; i < e->zone->n_ifaces; i++)
			if (!strcmp(e->zone->ifaces[i].s, s->iface))
				return 1;
		return 0;
	case ZL_EP_SET: {
		const struct zl_prefix *v = s->family == AF_INET ? e->set->v4 : e->set->v6;
		size_t n = s->family == AF_INET ? e->set->n_v4 : e->set->n_v6;
		for (i = 0; i < n; i++)
			if (prefix_has(&v[i], s->family, s->client))
				return 1;
		return 0;
	}
	case ZL_EP_PREFIX:
		return prefix_has(&e->prefix, s->family, s->client);
	case ZL_EP_HOST:
		return s->known && !strcasecmp(e->name, s->who.host);
	case ZL_EP_PERSON:
		return s->known && !strcmp(e->name, s->who.owner);
	case ZL_EP_DEPARTMENT:
		return s->known && !strcmp(e->name, s->who.department);
	case ZL_EP_SELF:
		return 0;
	}
	return 0;
}

/* nDPI's names for applications the pack names otherwise, and the
 * category the issue calls by its long name. */
static const char *const aliases[][2] = {
	{ "Weibo", "Sina(Weibo)" }, { "Xunlei", "Thunder" }, { "Genshin", "GenshinImpact" },
	{ "Download-FileTransfer-FileSharing", "Download" },
};

static int same_name(const char *rule, const char *have)
{
	size_t i;

	if (!strcasecmp(rule, have))
		return 1;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcasecmp(rule, aliases[i][0]) && !strcasecmp(have, aliases[i][1]))
			return 1;
	return 0;
}

/* "TLS.Douyin" holds "Douyin" and "TLS". */
static int app_has(const char *app, const char *name)
{
	char buf[64], *part, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", app);
	if (same_name(name, buf))
		return 1;
	for (part = strtok_r(buf, ".", &save); part; part = strtok_r(NULL, ".", &save))
		if (same_name(name, part))
			return 1;
	return 0;
}

/* "*.casino.example" takes casino.example and every name under it. */
static int domain_has(const char *pattern, const char *host)
{
	size_t lp, lh = strlen(host);

	if (!*host)
		return 0;
	if (strncmp(pattern, "*.", 2))
		return !strcasecmp(pattern, host);
	pattern += 2;
	lp = strlen(pattern);
	if (lh == lp)
		return !strcasecmp(pattern, host);
	return lh > lp && host[lh - lp - 1] == '.' && !strcasecmp(host + lh - lp, pattern);
}

static int object_match(const struct zl_bh_rule *r, const struct zl_bh_subject *s)
{
	size_t i;

	if (r->object == ZL_BH_ALL)
		return 1;
	for (i = 0; i < r->n_names; i++) {
		const char *n = r->names[i].s;
		if (r->object == ZL_BH_APP && app_has(s->app, n))
			return 1;
		if (r->object == ZL_BH_CATEGORY && same_name(n, s->category))
			return 1;
		if (r->object == ZL_BH_DOMAIN && domain_has(n, s->domain))
			return 1;
	}
	return 0;
}

static int in_schedule(const struct zl_schedule *sc, int64_t t_us)
{
	time_t t = (time_t)(t_us / 1000000);
	struct tm tm;
	unsigned day, minute;
	size_t i;

	localtime_r(&t, &tm);
	day = (unsigned)(tm.tm_wday + 6) % 7;          /* bit 0 is Monday */
	minute = (unsigned)(tm.tm_hour * 60 + tm.tm_min);
	for (i = 0; i < sc->n_spans; i++)
		if ((sc->spans[i].days & (1u << day)) && minute >= sc->spans[i].start &&
		    minute < sc->spans[i].end)
			return 1;
	return 0;
}

/* The first rule that matches, or -1. */
int zl_bh_decide(const struct zl_policy *p, const struct zl_bh_subject *s, int64_t t_us)
{
	size_t i, j;

	for (i = 0; p && i < p->n_bh; i++) {
		const struct zl_bh_rule *r = &p->bh[i];
		int who = !r->from.n;

		for (j = 0; !who && j < r->from.n; j++)
			who = ep_match(&r->from.v[j], s);
		if (!who || (r->schedule && !in_schedule(r->schedule, t_us)))
			continue;
		if (object_match(r, s))
			return (int)i;
	}
	return -1;
}

/*
 * A name server answers for every name: blocking a client's pair with it
 * would cut all of that client's lookups. So a flow that nDPI names DNS
 * ("DNS", or "DNS.Douyin" for a query about Douyin's names) is spared when
 * rule r matched it only by the name it asks about: a domain rule, or an
 * application or category rule that the bare protocol would not match.
 * The server port plays no part (DoT on 853, a tunnel on 53 are blocked).
 */
int zl_bh_dns_spared(const struct zl_bh_rule *r, const struct zl_bh_subject *s)
{
	size_t len = strcspn(s->app, ".");
	struct zl_bh_subject bare = *s;

	if (len != 3 || strncmp(s->app, "DNS", 3))
		return 0;
	bare.app = "DNS";
	bare.category = s->app[len] ? "" : s->category;
	bare.domain = "";
	return !object_match(r, &bare);
}
