/*
 * siterunner.h - the thread that runs the site checks: every site once a
 * day at a configured local hour, and a site (or all of them) on demand.
 * One check at a time, so the one-request-a-second politeness holds for
 * every site; results go to a callback on the runner's thread.
 */
#ifndef ZL_SITERUNNER_H
#define ZL_SITERUNNER_H

#include <stddef.h>
#include <time.h>

#include "sitecheck.h"

struct zl_siterunner;

/*
 * Called on the runner's thread with each finished check; r is borrowed
 * for the call (take zl_sitecheck_json for longer). A check that could not
 * run (bad URL) comes with r NULL and err set.
 */
typedef void (*zl_siterunner_cb)(const char *url, const struct zl_sitecheck_result *r,
				 const char *err, void *ud);

/*
 * Starts the thread. daily_hour 0-23 (local time) or -1 for on demand
 * only; o is copied (its cancel is the runner's own). zl_sitecheck_global_init
 * must have run. NULL on failure.
 */
struct zl_siterunner *zl_siterunner_new(int daily_hour, const struct zl_sitecheck_opts *o,
					zl_siterunner_cb cb, void *ud);
/* Replaces the list of sites (copied). 0 or -ENOMEM. */
int zl_siterunner_set_sites(struct zl_siterunner *r, const char *const *urls, size_t n);
/* Queues a check of url, or of every site when url is NULL: 0, -EBUSY when
 * the queue (64) is full, -ENOMEM. */
int zl_siterunner_request(struct zl_siterunner *r, const char *url);
/* Checks run and results delivered so far. */
unsigned long zl_siterunner_done(struct zl_siterunner *r);
/* Stops the check in progress (within about 50 ms plus a DNS timeout),
 * joins the thread, frees everything. */
void zl_siterunner_free(struct zl_siterunner *r);

/* The next daily run after now: today at hour:00 local time if that is
 * still to come, else tomorrow's. */
time_t zl_siterunner_next_daily(time_t now, int hour);

#endif
