/*
 * sensor.h - one capture thread per interface: it owns its capture handle
 * and its flow engine, and hands ended flows to the store.
 *
 * When the interface goes away the thread keeps its engine and opens the
 * name again with a growing pause (0.5 s to 30 s) until it is back.
 *
 * The engine is guarded by a mutex that the capture thread holds while it
 * processes one packet; the control API takes it only to read live flows
 * and counters. Nothing else is shared with the packet path.
 */
#ifndef ZL_SENSOR_H
#define ZL_SENSOR_H

#include <time.h>

#include <jansson.h>

#include "capture.h"
#include "detect.h"
#include "engine.h"
#include "store.h"

struct zl_sensor;

/* Open interface 'ifname' (needs CAP_NET_RAW: call before dropping it). */
struct zl_sensor *zl_sensor_open(const char *ifname, uint8_t index,
				 const struct zl_live_opts *lo,
				 char *err, size_t errlen);
/* Flows named or classified go to the behaviour engine (before start). */
struct zl_bh;
void zl_sensor_set_behaviour(struct zl_sensor *s, struct zl_bh *bh);
/*
 * Incident detectors made from c, reporting to fn(ev, ud) in the capture
 * thread, take the place of the sensor's (before or after start: a running
 * engine gets them under the capture lock, between two packets; the old
 * ones' counts are kept in the status). 0, or -1 with err.
 */
int zl_sensor_set_detect(struct zl_sensor *s, const struct zl_detect_config *c,
			 zl_detect_event_fn fn, void *ud, char *err, size_t errlen);
/* Add the detectors' events and suppressed events by type (ZL_INC_MAX
 * each), those of the detectors replaced included. */
void zl_sensor_detect_counts(struct zl_sensor *s, uint64_t *events, uint64_t *suppressed);
/* Create the engine and start the thread; ended flows go to 'store'. */
int zl_sensor_start(struct zl_sensor *s, const struct zl_engine_opts *eo,
		    struct zl_store *store, char *err, size_t errlen);
/* Stop capturing, end every live flow into the store, join the thread. */
void zl_sensor_stop(struct zl_sensor *s);
void zl_sensor_free(struct zl_sensor *s);

/*
 * Status object: name, state ("up", or "down" while the interface is gone
 * and the capture thread tries to open it again), down_since, last_error,
 * reopens, counters, decode errors by reason, live flows.
 */
json_t *zl_sensor_status(struct zl_sensor *s);
/* Seconds the interface has been down at 'now', or -1 while capturing. */
long zl_sensor_down_for(struct zl_sensor *s, time_t now);

struct zl_live_filter {
	const char *host, *app, *category;
	size_t limit;           /* at most this many flows */
};
/* Append to array 'out' at most f->limit live flows matching f, picked
 * while holding the capture thread's lock for at most 20 ms. Returns 1
 * when more flows matched than were listed (or the 20 ms ran out before
 * all were seen), 0 when all were, -1 when out of memory. */
int zl_sensor_live_flows(struct zl_sensor *s, const struct zl_live_filter *f, json_t *out);

#endif
