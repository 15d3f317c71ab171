/*
 * test_ticker.c - the main loop's timetable: the behaviour tick every 5 s
 * and the neighbour scan every 30 s whatever the watchdog's period
 * (WatchdogSec=30 used to stretch the 5 s tick to 15 s), watchdog pings at
 * half of WatchdogSec, and no ping at all without a watchdog.
 */
#include "ticker.h"
#include "tap.h"

struct counts { int bh, dir, wd, wakes; int64_t max_bh_gap; };

/* Run the loop as daemon.c does, from 0 to end_ms: sleep, then do what is due. */
static struct counts simulate(uint64_t watchdog_us, int64_t end_ms)
{
	struct zl_ticker t;
	struct counts c = { 0 };
	int64_t now = 0, last_bh = 0;

	zl_ticker_init(&t, watchdog_us, now);
	while (now <= end_ms) {
		unsigned due = zl_ticker_due(&t, now);
		if (due & ZL_TICK_BEHAVIOUR) {
			if (now - last_bh > c.max_bh_gap)
				c.max_bh_gap = now - last_bh;
			last_bh = now;
			c.bh++;
		}
		c.dir += !!(due & ZL_TICK_DIRECTORY);
		c.wd += !!(due & ZL_TICK_WATCHDOG);
		now += zl_ticker_wait_ms(&t, now);
		c.wakes++;
	}
	return c;
}

int main(void)
{
	struct counts c;
	struct zl_ticker t;

	c = simulate(30000000, 60000);  /* WatchdogSec=30, one minute */
	is_int(c.bh, 13, "WatchdogSec=30: the behaviour tick runs every 5 s (0..60 s)");
	is_int(c.max_bh_gap, 5000, "WatchdogSec=30: never more than 5 s between behaviour ticks");
	is_int(c.dir, 3, "WatchdogSec=30: the neighbour scan every 30 s");
	is_int(c.wd, 5, "WatchdogSec=30: a watchdog ping every 15 s");

	c = simulate(0, 60000);
	is_int(c.bh, 13, "no watchdog: the behaviour tick every 5 s");
	is_int(c.wd, 0, "no watchdog: no pings");
	is_int(c.dir, 3, "no watchdog: the neighbour scan every 30 s");

	c = simulate(2000000, 10000);   /* WatchdogSec=2 */
	is_int(c.wd, 11, "WatchdogSec=2: a ping every second");
	is_int(c.bh, 3, "WatchdogSec=2: the behaviour tick stays at 5 s");

	zl_ticker_init(&t, 30000000, 1000);
	zl_ticker_due(&t, 1000);
	is_int(zl_ticker_wait_ms(&t, 1000), 5000, "after the first round the loop sleeps 5 s");
	is_int(zl_ticker_due(&t, 4000), 0, "nothing is due early");
	is_int(zl_ticker_due(&t, 6000), ZL_TICK_BEHAVIOUR, "at 5 s only the behaviour tick is due");
	is_int(zl_ticker_due(&t, 100000), ZL_TICK_BEHAVIOUR | ZL_TICK_DIRECTORY | ZL_TICK_WATCHDOG,
	       "after a stall everything is due once");
	is_int(zl_ticker_due(&t, 100000), 0, "... and not again at once");
	return done_testing();
}
