/*
 * test_localday.c - local dates and their bounds (localday.h) in the zones
 * that matter: UTC, Asia/Shanghai (the county's gateways: UTC+8, where a
 * UTC day runs 08:00 to 08:00), New York (DST at 02:00), Havana (DST
 * skips midnight: the day begins at 01:00) and Santiago (DST ends at
 * 24:00: midnight comes twice, the day has 25 hours). The zone is set
 * with TZ and tzset, as the daemon's process gets it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "localday.h"
#include "tap.h"
#include "zone.h"

#define US 1000000LL

static int64_t date(const char *s)
{
	int64_t d = -1;

	zl_localday_parse(s, &d);
	return d;
}

static const char *text(int64_t day)
{
	static char buf[4][16];
	static int i;

	i = (i + 1) % 4;
	zl_localday_text(day, buf[i], sizeof(buf[i]));
	return buf[i];
}

/* the local date of a UTC time, and the bounds of that date */
static void day_is(const char *when, const char *want, const char *from, const char *to)
{
	int64_t d = zl_localday_of(utc(when));

	is_str(text(d), want, "%s is on %s", when, want);
	is_int(zl_localday_start_us(d), utc(from), "%s begins at %s", want, from);
	is_int(zl_localday_end_us(d), utc(to), "%s ends at %s", want, to);
}

int main(void)
{
	int64_t d;

	/* day numbers and their text need no zone */
	is_int(date("1970-01-01"), 0, "1970-01-01 is day 0");
	is_int(date("2026-11-30"), 20787, "2026-11-30 is day 20787");
	is_str(text(20787), "2026-11-30", "and back");
	is_str(text(-1), "1969-12-31", "a day before the epoch");
	ok(zl_localday_parse("2026-02-31", &d) < 0, "2026-02-31 is no date");
	ok(zl_localday_parse("2026-1-3", &d) < 0 && zl_localday_parse("2026-01-03x", &d) < 0 &&
	   zl_localday_parse("", &d) < 0 && zl_localday_parse(NULL, &d) < 0, "nor are these");

	zone("UTC");
	day_is("2026-11-29T15:30:00Z", "2026-11-29", "2026-11-29T00:00:00Z", "2026-11-30T00:00:00Z");
	day_is("2026-11-29T16:30:00Z", "2026-11-29", "2026-11-29T00:00:00Z", "2026-11-30T00:00:00Z");
	day_is("1969-12-31T23:59:59Z", "1969-12-31", "1969-12-31T00:00:00Z", "1970-01-01T00:00:00Z");

	zone("Asia/Shanghai");
	/* 23:30 local is still the 29th; 00:30 local (16:30 UTC, the same UTC
	 * day) is the 30th */
	day_is("2026-11-29T15:30:00Z", "2026-11-29", "2026-11-28T16:00:00Z", "2026-11-29T16:00:00Z");
	day_is("2026-11-29T16:30:00Z", "2026-11-30", "2026-11-29T16:00:00Z", "2026-11-30T16:00:00Z");
	day_is("2026-11-29T16:00:00Z", "2026-11-30", "2026-11-29T16:00:00Z", "2026-11-30T16:00:00Z");
	day_is("2026-11-29T15:59:59Z", "2026-11-29", "2026-11-28T16:00:00Z", "2026-11-29T16:00:00Z");
	is_int(zl_localday_of(utc("2026-11-29T15:59:59Z") + 999999), date("2026-11-29"),
	       "the last microsecond of the 29th");

	zone("America/New_York");
	/* 8 March 2026: 02:00 becomes 03:00, 23 hours; 1 November: 25 hours */
	day_is("2026-03-08T12:00:00Z", "2026-03-08", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z");
	day_is("2026-11-01T12:00:00Z", "2026-11-01", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z");
	day_is("2026-11-02T04:30:00Z", "2026-11-01", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z");

	zone("America/Havana");
	/* 8 March 2026: midnight does not exist, the day begins at 01:00 CDT */
	day_is("2026-03-08T05:00:00Z", "2026-03-08", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z");
	day_is("2026-03-08T04:59:59Z", "2026-03-07", "2026-03-07T05:00:00Z", "2026-03-08T05:00:00Z");
	/* 1 November: 01:00 CDT becomes 00:00 CST, 25 hours */
	day_is("2026-11-01T04:30:00Z", "2026-11-01", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z");

	zone("America/Santiago");
	/* 4 April 2026: 24:00 -03 becomes 23:00 -04, 25 hours; 6 September:
	 * 00:00 -04 becomes 01:00 -03, the day begins at 01:00 */
	day_is("2026-04-05T03:30:00Z", "2026-04-04", "2026-04-04T03:00:00Z", "2026-04-05T04:00:00Z");
	day_is("2026-09-06T04:00:00Z", "2026-09-06", "2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z");
	day_is("2026-09-06T03:59:59Z", "2026-09-05", "2026-09-05T04:00:00Z", "2026-09-06T04:00:00Z");
	return done_testing();
}
