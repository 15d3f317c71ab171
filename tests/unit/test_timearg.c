/*
 * test_timearg.c - the control API's time arguments (daemon/api/timearg.c):
 * RFC 3339 with Z or an offset, fractions, unix seconds, relative times;
 * a time without a zone refused with a message that says to add one;
 * nothing whose arithmetic would overflow.
 */
#include <string.h>

#include "tap.h"
#include "timearg.h"

#define NOW (1764316800LL * 1000000)    /* 2025-11-28T08:00:00Z */

static long long t;
static char err[300];

static int parse(const char *v)
{
	err[0] = 0;
	return zl_timearg_parse("from", v, NOW, &t, err, sizeof(err));
}

int main(void)
{
	ok(!parse(NULL) && t == 0, "absent: 0");
	ok(!parse("") && t == 0, "empty: 0");
	ok(!parse("2025-11-28T08:00:00Z") && t == NOW, "RFC 3339 with Z");
	ok(!parse("2025-11-28t08:00:00z") && t == NOW, "lower-case t and z");
	ok(!parse("2025-11-28T16:00:00+08:00") && t == NOW, "+08:00 is 8 hours ahead of UTC");
	ok(!parse("2025-11-28T03:30:00-04:30") && t == NOW, "a negative offset");
	ok(!parse("2025-11-28T08:00:00.25Z") && t == NOW + 250000, "fractional seconds");
	ok(!parse("2025-11-28T08:00:00.1234567891Z") && t == NOW + 123456,
	   "fractions beyond microseconds are cut");
	ok(!parse("2024-02-29T00:00:00Z") && t == 1709164800LL * 1000000, "a leap day");
	ok(!parse("1764316800") && t == NOW, "unix seconds");
	ok(!parse("-1h") && t == NOW - 3600LL * 1000000, "-1h");
	ok(!parse("-30m") && t == NOW - 1800LL * 1000000, "-30m");
	ok(!parse("-7d") && t == NOW - 7 * 86400LL * 1000000, "-7d");
	ok(!parse("-45s") && t == NOW - 45LL * 1000000, "-45s");

	ok(parse("2025-11-28T08:00:00") < 0, "no zone: refused");
	ok(strstr(err, "add Z") && strstr(err, "offset") && !strncmp(err, "from: ", 6),
	   "... saying to add Z or an offset: %s", err);
	ok(parse("2025-11-28T08:00:00.5") < 0 && strstr(err, "add Z"), "no zone after a fraction: refused");
	ok(parse("2025-11-28T08:00") < 0, "no seconds: refused");
	ok(parse("2025-02-29T00:00:00Z") < 0, "29 February of a common year: refused");
	ok(parse("2025-13-01T00:00:00Z") < 0, "month 13: refused");
	ok(parse("2025-11-28T24:00:00Z") < 0, "hour 24: refused");
	ok(parse("2025-11-28T08:00:00+24:00") < 0, "offset 24:00: refused");
	ok(parse("2025-11-28T08:00:00+0800") < 0, "offset without a colon: refused");
	ok(parse("2025-11-28T08:00:00Zjunk") < 0, "text after the zone: refused");
	ok(parse("2025-11-28T08:00:00.Z") < 0, "a dot without digits: refused");
	ok(parse("1969-12-31T23:59:59Z") < 0, "before 1970: refused");
	ok(parse("1970-01-01T00:00:00+01:00") < 0, "before 1970 by its offset: refused");
	ok(parse("99999999999999999999") < 0, "unix seconds beyond 64 bits: refused");
	ok(parse("253402300800") < 0, "unix seconds after the year 9999: refused");
	ok(!parse("253402300799") && t == ZL_TIMEARG_MAX_S * 1000000, "... and the last second of 9999 is fine");
	ok(parse("-99999999999d") < 0, "-99999999999d: refused (would overflow)");
	ok(strstr(err, "1970") != NULL, "... as too far back: %s", err);
	ok(parse("-9223372036854775807s") < 0, "-(2^63-1)s: refused");
	ok(parse("-99999999999999999999s") < 0, "relative beyond 64 bits: refused");
	ok(parse("-1y") < 0, "unknown unit: refused");
	ok(parse("-h") < 0, "no number: refused");
	ok(parse("--1h") < 0, "a double sign: refused");
	ok(parse("-1hh") < 0, "junk after the unit: refused");
	ok(parse("yesterday") < 0, "words: refused");
	ok(parse("12abc") < 0, "digits then junk: refused");
	return done_testing();
}
