/*
 * page.c - title, normalised content hash and links of an HTML page,
 * through libxml2's HTML parser (it recovers from the broken markup real
 * portals serve, as a browser does) and libcurl's URL parser (relative
 * links resolved the way curl will fetch them).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <sodium.h>

#include "page.h"

#define PARSE_OPTS (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | \
		    HTML_PARSE_NONET | HTML_PARSE_NOBLANKS)

void zl_page_init(void)
{
	xmlInitParser();
	if (sodium_init() < 0)
		abort();
}

static htmlDocPtr parse(const char *html, size_t len)
{
	if (!html || !len || len > (size_t)INT32_MAX)
		return NULL;
	return htmlReadMemory(html, (int)len, NULL, NULL, PARSE_OPTS);
}

static int named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcasecmp((const char *)n->name, name);
}

static const xmlNode *find(const xmlNode *n, const char *name)
{
	for (; n; n = n->next) {
		const xmlNode *f;
		if (named(n, name))
			return n;
		if ((f = find(n->children, name)))
			return f;
	}
	return NULL;
}

/* Appends s to buf with each run of whitespace made one space. */
static size_t collapse(char *buf, size_t at, size_t buflen, const char *s)
{
	for (; *s && at + 1 < buflen; s++) {
		if (isspace((unsigned char)*s)) {
			if (at && buf[at - 1] != ' ')
				buf[at++] = ' ';
		} else {
			buf[at++] = *s;
		}
	}
	buf[at] = 0;
	return at;
}

void zl_page_title(const char *html, size_t len, char *buf, size_t buflen)
{
	htmlDocPtr d = parse(html, len);
	const xmlNode *t;
	size_t at = 0;

	if (!buflen)
		return;
	buf[0] = 0;
	if (!d)
		return;
	if ((t = find(xmlDocGetRootElement(d), "title"))) {
		xmlChar *s = xmlNodeGetContent(t);
		if (s)
			at = collapse(buf, 0, buflen, (const char *)s);
		xmlFree(s);
	}
	if (at && buf[at - 1] == ' ')
		buf[at - 1] = 0;
	xmlFreeDoc(d);
}

/*
 * Normalisation, so that two fetches of the same page compare equal
 * although the server wrote them at different moments and to different
 * clients:
 *  - only the text a reader sees counts: the text nodes outside script,
 *    style and template (scripts and attributes carry nonces, session and
 *    CSRF tokens that change on every fetch);
 *  - a word that is an IPv4 or IPv6 address is dropped: a page that shows
 *    "your address is ..." shows an IPv4 address to the IPv4 fetch and an
 *    IPv6 one to the other;
 *  - every digit is dropped: dates, clocks, visitor counters and
 *    "generated in 0.012 s" change between fetches and between families
 *    and are not what the national method compares (the page's
 *    structure and words are);
 *  - all whitespace is dropped: reflowed text is the same text.
 * What is left is the page's words and punctuation in document order.
 */
struct ntext {
	char *p;
	size_t n, cap;
	int fail;
};

static void put(struct ntext *t, char c)
{
	if (t->n + 1 >= t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4096;
		char *p = realloc(t->p, cap);
		if (!p) {
			t->fail = 1;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
	t->p[t->n++] = c;
	t->p[t->n] = 0;
}

static int is_address(const char *w, size_t n)
{
	static const char edge[] = ".,;!?()[]<>\"'";
	char tmp[INET6_ADDRSTRLEN + 8];
	unsigned char a[16];

	while (n && strchr(edge, w[0])) {
		w++;
		n--;
	}
	while (n && strchr(edge, w[n - 1]))
		n--;
	if (!n || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, w, n);
	tmp[n] = 0;
	return inet_pton(AF_INET, tmp, a) == 1 || inet_pton(AF_INET6, tmp, a) == 1;
}

static void add_text(struct ntext *t, const char *s)
{
	while (*s) {
		size_t n;
		while (*s && isspace((unsigned char)*s))
			s++;
		for (n = 0; s[n] && !isspace((unsigned char)s[n]); n++)
			;
		if (n && !is_address(s, n)) {
			for (size_t i = 0; i < n; i++)
				if (!isdigit((unsigned char)s[i]))
					put(t, s[i]);
		}
		s += n;
	}
}

static void walk_text(struct ntext *t, const xmlNode *n)
{
	for (; n; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (n->content)
				add_text(t, (const char *)n->content);
		} else if (n->type == XML_ELEMENT_NODE && !named(n, "script") &&
			   !named(n, "style") && !named(n, "template") && !named(n, "noscript")) {
			walk_text(t, n->children);
		}
	}
}

char *zl_page_normalise(const char *html, size_t len)
{
	struct ntext t = { 0 };
	htmlDocPtr d = parse(html, len);

	put(&t, 0);
	t.n = 0;
	if (d)
		walk_text(&t, xmlDocGetRootElement(d));
	xmlFreeDoc(d);
	if (t.fail) {
		free(t.p);
		return NULL;
	}
	return t.p;
}

int zl_page_hash(const char *html, size_t len, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char *s = zl_page_normalise(html, len);

	if (!s)
		return -1;
	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	free(s);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	return 0;
}

/* ---------------------------------------------------------------- links */

struct links {
	CURLU *base;
	zl_page_link_fn fn;
	void *ud;
	int count, stop;
};

static int http_scheme(CURLU *u)
{
	char *s = NULL;
	int ok;

	if (curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK)
		return 0;
	ok = !strcasecmp(s, "http") || !strcasecmp(s, "https");
	curl_free(s);
	return ok;
}

static void one_link(struct links *l, const char *href)
{
	char ref[4096], *url = NULL;
	size_t n;
	CURLU *u;

	while (isspace((unsigned char)*href))
		href++;
	n = strlen(href);
	while (n && isspace((unsigned char)href[n - 1]))
		n--;
	if (!n || n >= sizeof(ref) || href[0] == '#')
		return;
	memcpy(ref, href, n);
	ref[n] = 0;
	if (!(u = curl_url_dup(l->base)))
		return;
	/* Relative references are resolved against the URL the handle holds;
	 * spaces and non-ASCII in a path are percent-encoded as a browser does. */
	if (curl_url_set(u, CURLUPART_URL, ref, CURLU_URLENCODE) == CURLUE_OK && http_scheme(u) &&
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK) {
		l->count++;
		if (l->fn(url, l->ud))
			l->stop = 1;
	}
	curl_free(url);
	curl_url_cleanup(u);
}

static void walk_links(struct links *l, const xmlNode *n)
{
	for (; n && !l->stop; n = n->next) {
		const char *attr = NULL;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (named(n, "a") || named(n, "area"))
			attr = "href";
		else if (named(n, "frame") || named(n, "iframe"))
			attr = "src";
		if (attr) {
			xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
			if (v)
				one_link(l, (const char *)v);
			xmlFree(v);
		}
		walk_links(l, n->children);
	}
}

int zl_page_links(const char *html, size_t len, const char *base_url,
		  zl_page_link_fn fn, void *ud)
{
	struct links l = { .fn = fn, .ud = ud };
	htmlDocPtr d = parse(html, len);
	const xmlNode *root, *b;

	if (!d)
		return -1;
	root = xmlDocGetRootElement(d);
	l.base = curl_url();
	if (!l.base || curl_url_set(l.base, CURLUPART_URL, base_url, 0) != CURLUE_OK) {
		curl_url_cleanup(l.base);
		xmlFreeDoc(d);
		return -1;
	}
	/* <base href> changes what relative links are relative to */
	if ((b = find(root, "base"))) {
		xmlChar *v = xmlGetProp(b, (const xmlChar *)"href");
		CURLU *nb = curl_url_dup(l.base);
		if (v && nb && curl_url_set(nb, CURLUPART_URL, (const char *)v, 0) == CURLUE_OK &&
		    http_scheme(nb)) {
			curl_url_cleanup(l.base);
			l.base = nb;
			nb = NULL;
		}
		curl_url_cleanup(nb);
		xmlFree(v);
	}
	walk_links(&l, root);
	curl_url_cleanup(l.base);
	xmlFreeDoc(d);
	return l.count;
}

int zl_page_url_host(const char *url, char *buf, size_t buflen)
{
	CURLU *u = curl_url();
	char *h = NULL;
	int rc = -1;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK && http_scheme(u) &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK && h[0]) {
		const char *s = h;
		size_t n = strlen(h);
		if (s[0] == '[' && n > 2 && s[n - 1] == ']') {   /* an IPv6 literal */
			s++;
			n -= 2;
		}
		if (n < buflen) {
			for (size_t i = 0; i < n; i++)
				buf[i] = (char)tolower((unsigned char)s[i]);
			buf[n] = 0;
			if (n && buf[n - 1] == '.')   /* the root label */
				buf[n - 1] = 0;
			rc = 0;
		}
	}
	curl_free(h);
	curl_url_cleanup(u);
	return rc;
}

/*
 * The national method counts "the site's own" links. A registrable domain
 * (the public suffix list) would make every gov.cn portal one site, and a
 * county's portal links to the province's and the State Council's, which
 * are not the county's to fix. So the site's domain is its host without a
 * leading "www.", and its own links are those to that domain or names
 * under it (www.dazhu.gov.cn: dazhu.gov.cn, news.dazhu.gov.cn, but not
 * gov.cn or www.gov.cn).
 */
void zl_page_site_domain(const char *host, char *buf, size_t buflen)
{
	if (!strncasecmp(host, "www.", 4) && strchr(host + 4, '.'))
		host += 4;
	snprintf(buf, buflen, "%s", host);
}

int zl_page_same_site(const char *site_domain, const char *host)
{
	size_t d = strlen(site_domain), h = strlen(host);

	if (!strcasecmp(site_domain, host))
		return 1;
	return h > d + 1 && host[h - d - 1] == '.' && !strcasecmp(host + h - d, site_domain);
}
