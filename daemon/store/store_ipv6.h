/*
 * store_ipv6.h - the IPv6 migration's passive figures (issue 12): per-day
 * counters kept by the store's writer, their daily snapshots (kept 180
 * days) and the reads behind GET /v1/ipv6*.
 *
 * The writer folds every ended flow into an in-memory table for its batch
 * and writes it, in the batch's transaction, into two per-day tables: one
 * row per (day, address) - as a client: bytes and flows; as a server in
 * the internal zone: bytes and flows served - and one per (day, service
 * name: SNI, Host or the DNS question) with its application, its bytes and
 * flows over IPv4 and IPv6 and what the DNS answers said (A, AAAA, none).
 * The main thread adds each neighbour-table read (address -> MAC) to the
 * day's address rows, so that a machine's IPv4 and IPv6 addresses are
 * joined by MAC, and an IPv6 address is known even when it carries no
 * traffic. Pages read these tables (a day is a few thousand rows), never
 * the flows. Once a day, after local midnight, the writer snapshots the
 * day before into ipv6_daily (county and departments), which the trend
 * reads.
 *
 * Days are the gateway's local dates (localday.h: a flow counts on the
 * local date it ended, in the daemon's time zone), so that a county's day
 * runs from its midnight to its midnight. Rows written before the daemon
 * counted local days stay keyed by their UTC date (docs/ARCHITECTURE.md).
 */
#ifndef ZL_STORE_IPV6_H
#define ZL_STORE_IPV6_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct zl_store;
struct zl_addrbook_neigh;

#define ZL_IPV6_KEEP_DAYS 180

/*
 * The county's client prefixes (hosts behind a router, which the neighbour
 * table cannot show: a client in them is a county host even without a MAC
 * or an address-book row) and the internal zone (the county's own servers,
 * whose flows count per server, and whose names are not external
 * services). Lists of "ADDRESS/LEN" separated by commas or blanks; NULL or
 * "" for none. Replaces both; 0, or -1 with "ipv6_internal: ..." in err
 * and nothing changed.
 */
int zl_store_ipv6_prefixes(struct zl_store *s, const char *clients, const char *internal,
			   char *err, size_t errlen);

/* Record a neighbour-table read (address -> MAC) in today's address rows
 * (link-local and multicast addresses left out), in one transaction on the
 * caller's thread. Returns the rows written or -1. */
int zl_store_ipv6_neigh(struct zl_store *s, const struct zl_addrbook_neigh *v, size_t n,
			int64_t now_us);

/* Snapshot 'day' into ipv6_daily (replacing an earlier snapshot of it).
 * The writer does it for the day before once a day; for tests, tools and
 * on demand. 0, or -1 with err. */
int zl_store_ipv6_snapshot(struct zl_store *s, int64_t day, char *err, size_t errlen);

/*
 * The reads. 'day' is a day number (zl_localday_of); department NULL: all.
 * JSON shapes are in docs/API.md (GET /v1/ipv6 and below). NULL with err
 * on failure.
 */
json_t *zl_store_ipv6_summary(struct zl_store *s, int64_t day, const char *department,
			      char *err, size_t errlen);
json_t *zl_store_ipv6_hosts(struct zl_store *s, int64_t day, const char *department,
			    char *err, size_t errlen);
json_t *zl_store_ipv6_services(struct zl_store *s, int64_t from_day, int64_t to_day,
			       unsigned limit, char *err, size_t errlen);
json_t *zl_store_ipv6_trend(struct zl_store *s, unsigned days, const char *department,
			    char *err, size_t errlen);

/*
 * The IPv6 readiness checks of sites (sitecheck.h): a check's JSON result
 * stored as the day's result of its URL (a later check the same day
 * replaces it; results older than ZL_IPV6_KEEP_DAYS go), on the caller's
 * thread in one transaction. 0, or -1 with err.
 */
int zl_store_ipv6_site_put(struct zl_store *s, const char *url, const json_t *result,
			   int64_t now_us, char *err, size_t errlen);
/*
 * GET /v1/ipv6/sites: the configured urls in their order, each with its
 * latest result (or "checked": null), then other URLs checked on demand;
 * each criterion with "since" (the day its verdict began), the site's
 * "ready_since", and a summary (configured, checked, ready, ready_percent
 * of the configured). NULL with err on failure.
 */
json_t *zl_store_ipv6_sites(struct zl_store *s, const char *const *urls, size_t n,
			    char *err, size_t errlen);

/*
 * The monthly report's site readiness (daemon/reports/report_ipv6.c): the
 * sites checked in the local days [from_day, to_day], by URL, each
 * {"url", "days" (checked), "ready_days", "checked" (the last check, us),
 * "ready" (its verdict), "criteria" (its criteria, as in the result)}.
 * NULL with err.
 */
json_t *zl_store_ipv6_sites_period(struct zl_store *s, int64_t from_day, int64_t to_day,
				   char *err, size_t errlen);

#endif
