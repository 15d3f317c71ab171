/*
 * incidents.h - incidents in the running daemon: the queue between the
 * detectors (in the capture threads) and the incidents thread, which
 * deduplicates them (incident.h), names the hosts from the address book,
 * writes the records to the store and hands them to the exporter.
 *
 *   capture thread: zl_detect -> zl_incd_event -> bounded queue (full: dropped, counted)
 *   behaviour:      a block -> zl_incd_block -> the same queue
 *   incidents thread: queue -> policy-violation count -> zl_incidents_add
 *                     -> once a second: store (store_incidents.h) -> export.h
 *
 * A policy violation is more than 50 behaviour blocks in 10 minutes by one
 * client (the policy's `threshold violation N in 10m`); it goes through a
 * detector of the thread's own (the policy's suppression rules apply to it
 * too). The dedup table lives in memory with the policy's window (`dedup`,
 * 1 h); at start the thread reads back the open (new or acknowledged)
 * incidents of the last day from the store, so that what still goes on
 * after a restart adds to its incident instead of opening another.
 */
#ifndef ZL_INCIDENTS_H
#define ZL_INCIDENTS_H

#include <stdint.h>

#include <jansson.h>

#include "detect.h"
#include "directory.h"
#include "export.h"
#include "store.h"

struct zl_incd;

/* queue_len 0: 8192 events. dir and ex may be NULL (borrowed). */
struct zl_incd *zl_incd_new(struct zl_store *store, struct zl_dir *dir, struct zl_export *ex,
			    unsigned queue_len);
int zl_incd_start(struct zl_incd *d);
/* Stop the thread after it has written what was queued, and free. */
void zl_incd_free(struct zl_incd *d);

/* The detectors' callback (zl_detect_event_fn, ud the zl_incd): copies the
 * event into the queue. Any thread, never blocks. */
void zl_incd_event(const struct zl_inc_event *ev, void *ud);
/* The behaviour engine blocked 'client' (family AF_INET or AF_INET6) at
 * ts_us. Any thread, never blocks. */
void zl_incd_block(void *ud, int family, const uint8_t *client, uint64_t ts_us);
/* The configuration in force (the thread's own detector: suppression of
 * policy violations; c->violation and c->dedup_window_s). 0, or -1 with err. */
int zl_incd_configure(struct zl_incd *d, const struct zl_detect_config *c, char *err,
		      size_t errlen);

/* fn adds the capture threads' suppressed events by type (ZL_INC_MAX
 * counters) to 'suppressed'; every 10 s the thread writes what is new to the
 * store, per day and type. Set before zl_incd_start. */
typedef void (*zl_incd_counts_fn)(void *ud, uint64_t *suppressed);
void zl_incd_set_counts(struct zl_incd *d, zl_incd_counts_fn fn, void *ud);

/* {"queued","dropped","pending","events","opened","updated","write_errors",
 *  "table_resets","restored" (open incidents read back at start),
 *  "policy_violation_reports","open_by_severity" (from the store),"export":[...]} */
json_t *zl_incd_status(struct zl_incd *d);

#endif
