/*
 * localday.c - local dates and their UTC bounds (localday.h), with
 * localtime_r: the zone's rules, never a fixed offset.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "localday.h"

#define US 1000000LL
#define DAY_S 86400LL

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* The day number of a broken-down date (its time of day ignored). */
static int64_t date_day(const struct tm *d)
{
	struct tm tm = { .tm_year = d->tm_year, .tm_mon = d->tm_mon, .tm_mday = d->tm_mday };

	return floor_div((int64_t)timegm(&tm), DAY_S);
}

static int64_t day_of_s(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return date_day(&tm);
}

int64_t zl_localday_of(int64_t us)
{
	return day_of_s((time_t)floor_div(us, US));
}

/*
 * The first second whose local date is 'day', by bisection over the
 * zone's own conversion: mktime alone cannot say when midnight comes twice
 * (a DST end at 01:00, Havana: it picks either) or not at all (a DST start
 * at 00:00: the day begins at 01:00). UTC offsets stay within 26 hours, so
 * two days before the UTC midnight of the date is still an earlier date
 * and three days after a later one; local dates never go backwards.
 */
int64_t zl_localday_start_us(int64_t day)
{
	time_t lo = (time_t)((day - 2) * DAY_S), hi = (time_t)((day + 3) * DAY_S), mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (day_of_s(mid) >= day)
			hi = mid;
		else
			lo = mid;
	}
	return (int64_t)hi * US;
}

int64_t zl_localday_end_us(int64_t day)
{
	return zl_localday_start_us(day + 1);
}

int64_t zl_localday_bucket(int64_t us, int64_t step_s, int64_t *end_us)
{
	time_t t = (time_t)floor_div(us, US);
	int64_t first, s;
	struct tm tm;

	if (step_s % DAY_S == 0) {
		first = floor_div(day_of_s(t), step_s / DAY_S) * (step_s / DAY_S);
		*end_us = zl_localday_start_us(first + step_s / DAY_S);
		return zl_localday_start_us(first);
	}
	localtime_r(&t, &tm);
	s = (int64_t)t - (((int64_t)t + tm.tm_gmtoff) % step_s + step_s) % step_s;
	*end_us = (s + step_s) * US;
	return s * US;
}

void zl_localday_text(int64_t day, char *buf, size_t len)
{
	time_t t = (time_t)(day * DAY_S);
	struct tm tm;

	gmtime_r(&t, &tm);     /* the day number is the date: no zone */
	if (!strftime(buf, len, "%Y-%m-%d", &tm) && len)
		buf[0] = '\0';
}

int zl_localday_parse(const char *s, int64_t *day)
{
	struct tm tm = { 0 };
	const char *end;
	char again[16];

	if (!s || strlen(s) != 10 || !(end = strptime(s, "%Y-%m-%d", &tm)) || *end)
		return -1;
	*day = date_day(&tm);
	zl_localday_text(*day, again, sizeof(again));
	return strcmp(again, s) ? -1 : 0;   /* 2026-02-31 is no date */
}
