/*
 * page.h - what the site checks read in a fetched HTML page: its title,
 * a hash of its content that a timestamp or the client's address does
 * not change, and its links (libxml2's forgiving HTML parser).
 *
 * Nothing here touches the network; every function is safe to call from
 * any thread once zl_page_init has run (libxml2's globals).
 */
#ifndef ZL_PAGE_H
#define ZL_PAGE_H

#include <stddef.h>

/* libxml2's parser state; call once, before threads that parse start. */
void zl_page_init(void);

/* The text of <title>, whitespace collapsed, into buf (empty when none). */
void zl_page_title(const char *html, size_t len, char *buf, size_t buflen);

/*
 * The normalised text of a page (see page.c for what is dropped and why)
 * into a malloc'd string the caller frees; NULL on out of memory.
 */
char *zl_page_normalise(const char *html, size_t len);

/* SHA-256 of zl_page_normalise's text, 64 hex digits and a NUL. */
int zl_page_hash(const char *html, size_t len, char hex[65]);

/*
 * Calls fn for each link of the page (a href, area href, frame and iframe
 * src), made absolute against base_url (or the page's <base href>),
 * without its #fragment, http and https only, in document order; a link
 * that fn has seen before is passed again. fn returns non-zero to stop.
 * Returns the number of links passed, or -1 when the page could not be
 * parsed at all.
 */
typedef int (*zl_page_link_fn)(const char *url, void *ud);
int zl_page_links(const char *html, size_t len, const char *base_url,
		  zl_page_link_fn fn, void *ud);

/*
 * The lower-case host of an absolute http(s) URL into buf; -1 when the
 * URL has none or is not http(s).
 */
int zl_page_url_host(const char *url, char *buf, size_t buflen);

/*
 * The site's own domain: its host without a leading "www.". A link is
 * the site's own when its host is that domain or under it (see page.c).
 */
void zl_page_site_domain(const char *host, char *buf, size_t buflen);
int zl_page_same_site(const char *site_domain, const char *host);

#endif
