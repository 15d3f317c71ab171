/*
 * sitecheck-int.h - the parts of a site check, shared inside daemon/ipv6/
 * only: paced fetches (fetch.c), resolver look-ups and name-server
 * queries (dnscheck.c), the link levels (crawl.c).
 */
#ifndef ZL_SITECHECK_INT_H
#define ZL_SITECHECK_INT_H

#include <arpa/inet.h>
#include <time.h>

#include <jansson.h>

#include "sitecheck.h"

/* One criterion's outcome; detail holds its figures (owned). */
struct zl_crit {
	int ok;
	char reason[512];
	json_t *detail;
};

/* ---- fetch.c: one request at a time per site, interval_ms apart */
struct zl_pacer {
	const struct zl_sitecheck_opts *o;
	struct timespec last;     /* CLOCK_MONOTONIC of the last request */
	int started;
	long requests;
};

struct zl_fetch {
	int answered;            /* an HTTP answer came (any status) */
	long status;             /* its status, after redirects */
	double connect_ms;       /* the TCP handshake (see fetch.c) */
	double total_ms;
	char *body;              /* at most ZL_FETCH_MAX_BODY bytes, NUL-ended */
	size_t len;
	int cut;                 /* the body was longer and cut there */
	int html;                /* Content-Type text/html or xhtml */
	char final_url[2048];
	char error[256];         /* why not answered, or "HTTP 404" */
};

#define ZL_FETCH_MAX_BODY (2u << 20)

/* family 4, 6 or 0 (either). 0, or -ECANCELED (f then says nothing). */
int zl_fetch(struct zl_pacer *p, const char *url, int family, struct zl_fetch *f);
void zl_fetch_clear(struct zl_fetch *f);
/* sleeps ms unless cancelled first: 0 or -ECANCELED */
int zl_sleep_cancellable(const atomic_int *cancel, long ms);

/* ---- dnscheck.c */
#define ZL_MAX_ADDRS 8
struct zl_addrs {
	int n;
	char a[ZL_MAX_ADDRS][INET6_ADDRSTRLEN];
	char error[128];         /* when n == 0 */
};

/* The host's IPv6 addresses from the system resolver (AAAA, /etc/hosts). */
void zl_dns_aaaa(const char *host, struct zl_addrs *out);
/* the name servers of host's zone over IPv6 */
void zl_dns_ns_check(const char *host, const struct zl_sitecheck_opts *o, struct zl_crit *c);

/* ---- crawl.c: the second and third levels of links */
struct zl_level {
	int checked, ready;
	json_t *not_ready;       /* [{url, reason}] */
};

/* From the homepage's body (fetched from home_url, ended at final_url).
 * 0 or -ECANCELED. */
int zl_crawl(struct zl_pacer *p, const char *home_url, const struct zl_fetch *home,
	     const char *site_domain, struct zl_level lv[2]);

#endif
