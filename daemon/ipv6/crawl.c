/*
 * crawl.c - the second- and third-level links of a site by the national
 * method: the site's own links on the homepage (level 2) and on those
 * pages (level 3), at most max_pages of each, in document order. A link
 * is IPv6-ready when its host has an AAAA record and the page answers
 * over IPv6 with a status below 400.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "sitecheck-int.h"

#define MAX_HOSTS 64

struct hostinfo {
	char name[256];
	struct zl_addrs a;
};

struct crawl {
	struct zl_pacer *p;
	const char *domain;
	char **seen;             /* every URL taken, any level */
	int nseen;
	char **cand;             /* the level being collected, borrowed from seen */
	int ncand, max;
	struct hostinfo hosts[MAX_HOSTS];
	int nhosts;
};

static int was_seen(const struct crawl *c, const char *url)
{
	for (int i = 0; i < c->nseen; i++)
		if (!strcmp(c->seen[i], url))
			return 1;
	return 0;
}

static char *remember(struct crawl *c, const char *url)
{
	char **s = realloc(c->seen, (c->nseen + 1) * sizeof(*s));
	if (!s)
		return NULL;
	c->seen = s;
	if (!(s[c->nseen] = strdup(url)))
		return NULL;
	return s[c->nseen++];
}

static int collect(const char *url, void *ud)
{
	struct crawl *c = ud;
	char host[256], *u;

	if (c->ncand >= c->max)
		return 1;
	if (zl_page_url_host(url, host, sizeof(host)) || !zl_page_same_site(c->domain, host) ||
	    was_seen(c, url))
		return 0;
	if ((u = remember(c, url)))
		c->cand[c->ncand++] = u;
	return 0;
}

static void collect_from(struct crawl *c, const struct zl_fetch *f)
{
	if (f->body && f->html && c->ncand < c->max)
		zl_page_links(f->body, f->len, f->final_url, collect, c);
}

static const struct zl_addrs *aaaa(struct crawl *c, const char *host)
{
	struct hostinfo *h;

	for (int i = 0; i < c->nhosts; i++)
		if (!strcmp(c->hosts[i].name, host))
			return &c->hosts[i].a;
	h = &c->hosts[c->nhosts < MAX_HOSTS ? c->nhosts++ : MAX_HOSTS - 1];
	snprintf(h->name, sizeof(h->name), "%s", host);
	zl_dns_aaaa(host, &h->a);
	return &h->a;
}

/*
 * Checks one link into lv; with want_body, f is left holding the page
 * (over IPv6, or over either family when IPv6 failed) for its own links.
 */
static int check(struct crawl *c, const char *url, int want_body, struct zl_level *lv,
		 struct zl_fetch *f)
{
	char host[256], why[512] = "";
	const struct zl_addrs *a;
	int ready = 0;

	memset(f, 0, sizeof(*f));
	if (zl_page_url_host(url, host, sizeof(host)))
		return 0;
	a = aaaa(c, host);
	if (!a->n) {
		snprintf(why, sizeof(why), "%s", a->error);
	} else {
		if (zl_fetch(c->p, url, 6, f))
			return -ECANCELED;
		ready = f->answered && f->status < 400;
		if (!ready)
			snprintf(why, sizeof(why), "over IPv6: %s", f->error);
	}
	lv->checked++;
	if (ready)
		lv->ready++;
	else
		json_array_append_new(lv->not_ready, json_pack("{s:s, s:s}", "url", url,
							       "reason", why));
	if (want_body && !f->answered) {
		zl_fetch_clear(f);
		if (zl_fetch(c->p, url, 0, f))
			return -ECANCELED;
	}
	return 0;
}

int zl_crawl(struct zl_pacer *p, const char *home_url, const struct zl_fetch *home,
	     const char *site_domain, struct zl_level lv[2])
{
	struct crawl c = { .p = p, .domain = site_domain, .max = p->o->max_pages };
	char **l2 = NULL;
	int n2, rc = 0;

	for (int i = 0; i < 2; i++) {
		lv[i].checked = lv[i].ready = 0;
		lv[i].not_ready = json_array();
	}
	if (!(c.cand = calloc(c.max + 1, sizeof(char *))) || !remember(&c, home_url) ||
	    (strcmp(home_url, home->final_url) && !remember(&c, home->final_url))) {
		rc = -ENOMEM;
		goto out;
	}
	collect_from(&c, home);
	n2 = c.ncand;
	l2 = c.cand;
	if (!(c.cand = calloc(c.max + 1, sizeof(char *)))) {
		rc = -ENOMEM;
		goto out;
	}
	c.ncand = 0;
	for (int i = 0; i < n2 && !rc; i++) {
		struct zl_fetch f;
		rc = check(&c, l2[i], c.ncand < c.max, &lv[0], &f);
		if (!rc)
			collect_from(&c, &f);
		zl_fetch_clear(&f);
	}
	for (int i = 0; i < c.ncand && !rc; i++) {
		struct zl_fetch f;
		rc = check(&c, c.cand[i], 0, &lv[1], &f);
		zl_fetch_clear(&f);
	}
out:
	for (int i = 0; i < c.nseen; i++)
		free(c.seen[i]);
	free(c.seen);
	free(c.cand);
	free(l2);
	return rc;
}
