/*
 * ticker.h - when the main loop wakes: the behaviour engine's tick every
 * 5 s, the address book's neighbour scan every 30 s and, under systemd's
 * watchdog, a ping every half of WatchdogSec. Each job keeps its own period,
 * whatever the others' are (WatchdogSec=30 must not slow the 5 s tick).
 * Times are monotonic milliseconds supplied by the caller, so the schedule
 * is a pure function that tests can drive.
 */
#ifndef ZL_TICKER_H
#define ZL_TICKER_H

#include <stdint.h>

enum {
	ZL_TICK_BEHAVIOUR = 1,  /* zl_bh_tick */
	ZL_TICK_DIRECTORY = 2,  /* zl_dir_tick */
	ZL_TICK_WATCHDOG = 4,   /* sd_notify WATCHDOG=1 */
};

#define ZL_TICK_BEHAVIOUR_MS 5000
#define ZL_TICK_DIRECTORY_MS 30000

struct zl_ticker {
	int64_t watchdog_ms;   /* ping period; 0: no watchdog */
	int64_t next[3];       /* behaviour, directory, watchdog */
};

/* Every job is due at now_ms; watchdog_us as from sd_watchdog_enabled (0: none). */
void zl_ticker_init(struct zl_ticker *t, uint64_t watchdog_us, int64_t now_ms);
/* Milliseconds from now_ms until the next job is due (0 if one is). */
int64_t zl_ticker_wait_ms(const struct zl_ticker *t, int64_t now_ms);
/* The jobs due at now_ms (ZL_TICK_* bits); each is rescheduled one period on. */
unsigned zl_ticker_due(struct zl_ticker *t, int64_t now_ms);

#endif
