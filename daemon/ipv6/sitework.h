/*
 * sitework.h - the daemon's IPv6 readiness checks of sites: the runner
 * thread (siterunner.h) with the configured sites (ipv6_sites), the daily
 * hour and the checks' options from zhulan.conf; each result goes into
 * the store as the day's result of its site (store_ipv6.h). The control
 * API queues checks and reads the results through it.
 */
#ifndef ZL_SITEWORK_H
#define ZL_SITEWORK_H

#include <stddef.h>

#include <jansson.h>

struct zl_sitework;
struct zl_conf;
struct zl_store;

/* Starts the runner (zl_sitecheck_global_init must have run, before any
 * thread). NULL with err on failure. */
struct zl_sitework *zl_sitework_new(const struct zl_conf *cf, struct zl_store *st,
				    char *err, size_t errlen);
/* A new list of sites (ipv6_sites' value, validated by conf.c), at reload.
 * 0 or -ENOMEM. */
int zl_sitework_set_sites(struct zl_sitework *w, const char *sites);
/* Queues url, or every configured site when url is NULL. Returns the
 * URLs queued (a new array), or NULL with err (-EBUSY: the queue is full;
 * -EINVAL: not an http:// or https:// URL; no sites configured). */
json_t *zl_sitework_request(struct zl_sitework *w, const char *url, char *err, size_t errlen);
/* GET /v1/ipv6/sites (zl_store_ipv6_sites over the configured list). */
json_t *zl_sitework_read(struct zl_sitework *w, char *err, size_t errlen);
/* Checks finished since the start. */
unsigned long zl_sitework_done(struct zl_sitework *w);
/* Stops the check in progress and the thread. */
void zl_sitework_free(struct zl_sitework *w);

#endif
