/*
 * ticker.c - the main loop's timetable.
 */
#include "ticker.h"

void zl_ticker_init(struct zl_ticker *t, uint64_t watchdog_us, int64_t now_ms)
{
	/* systemd asks for a ping within WatchdogSec: send one every half */
	t->watchdog_ms = (int64_t)(watchdog_us / 2000);
	if (watchdog_us && t->watchdog_ms < 1)
		t->watchdog_ms = 1;
	t->next[0] = t->next[1] = t->next[2] = now_ms;
}

static int64_t period(const struct zl_ticker *t, int job)
{
	return job == 0 ? ZL_TICK_BEHAVIOUR_MS : job == 1 ? ZL_TICK_DIRECTORY_MS : t->watchdog_ms;
}

int64_t zl_ticker_wait_ms(const struct zl_ticker *t, int64_t now_ms)
{
	int64_t first = INT64_MAX;
	int job;

	for (job = 0; job < 3; job++)
		if (period(t, job) && t->next[job] < first)
			first = t->next[job];
	return first <= now_ms ? 0 : first - now_ms;
}

unsigned zl_ticker_due(struct zl_ticker *t, int64_t now_ms)
{
	unsigned due = 0;
	int job;

	for (job = 0; job < 3; job++) {
		if (!period(t, job) || t->next[job] > now_ms)
			continue;
		due |= 1u << job;
		/* from now, not from the missed time: a stalled loop does not
		 * fire a burst to catch up */
		t->next[job] = now_ms + period(t, job);
	}
	return due;
}
