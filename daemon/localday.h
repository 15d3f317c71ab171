/*
 * localday.h - the gateway's local days: the date of a time in the
 * process's time zone (TZ, else /etc/localtime) and the UTC bounds of a
 * local date, correct on days of 23 or 25 hours and where a DST change
 * skips midnight.
 *
 * A day number is the local date counted as days since 1970-01-01 (the
 * date 2026-11-30 is 20787 in every zone), so a day number and its
 * YYYY-MM-DD text convert without a zone; only the bounds need one.
 */
#ifndef ZL_LOCALDAY_H
#define ZL_LOCALDAY_H

#include <stddef.h>
#include <stdint.h>

/* The local date of a time in microseconds since the epoch. */
int64_t zl_localday_of(int64_t us);

/* The first microsecond of local date 'day' (local midnight, or the first
 * instant after it when a DST change skips it), and the end of the day
 * (the next day's start: 23, 24 or 25 hours later). */
int64_t zl_localday_start_us(int64_t day);
int64_t zl_localday_end_us(int64_t day);

/* The date as "YYYY-MM-DD" (buf of at least 11). */
void zl_localday_text(int64_t day, char *buf, size_t len);

/* "YYYY-MM-DD" to its day number; 0, or -1 when it is not such a date. */
int zl_localday_parse(const char *s, int64_t *day);

/*
 * The local bucket of step_s seconds (> 0) that holds 'us', for traffic
 * over time: with a step of whole days, step_s / 86400 local dates counted
 * from 1970-01-01 (a day bucket runs midnight to midnight, 23, 24 or 25
 * hours); with a shorter step, a multiple of the step on the local clock
 * under the offset in force at 'us' (an hour starts on the local hour in
 * UTC+5:30, not at :00 UTC). Returns the start and sets *end_us to the
 * end. Across a DST change by less than the step, such a bucket can
 * overlap the one before it (a caller walking them starts each at the
 * previous end at the latest).
 */
int64_t zl_localday_bucket(int64_t us, int64_t step_s, int64_t *end_us);

#endif
