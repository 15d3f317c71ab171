/*
 * timearg.h - the control API's time arguments (from, to, ...):
 *
 *   1764316800                    unix seconds
 *   2026-11-28T08:00:00Z          RFC 3339 with Z or an offset
 *   2026-11-28T16:00:00.5+08:00   (fractional seconds allowed)
 *   -30s -15m -1h -7d             relative to now
 *
 * A time without a zone is refused rather than guessed (is it UTC, or
 * the office's +08:00?), and so is one whose arithmetic would overflow.
 */
#ifndef ZL_TIMEARG_H
#define ZL_TIMEARG_H

#include <stddef.h>

/* The latest time accepted: 9999-12-31T23:59:59Z. */
#define ZL_TIMEARG_MAX_S 253402300799LL

/* Parse 'v' against 'now_us' into microseconds since 1970 (*us). 0, or
 * -1 with why in err ("from: ..." when name is "from"). */
int zl_timearg_parse(const char *name, const char *v, long long now_us, long long *us,
		     char *err, size_t errlen);

#endif
