/*
 * zone.h - what the local-time tests share: the process's zone set as the
 * daemon gets it (TZ, then tzset: localtime_r does not read TZ again by
 * itself), and UTC times written as text.
 */
#ifndef ZL_TEST_ZONE_H
#define ZL_TEST_ZONE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline void zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
	printf("# TZ=%s\n", tz);
}

/* "YYYY-MM-DDTHH:MM:SSZ" in microseconds; -1 when it is not such a time */
static inline int64_t utc(const char *s)
{
	struct tm tm = { 0 };

	if (!strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return -1;
	return (int64_t)timegm(&tm) * 1000000LL;
}

#endif
