/*
 * timearg.c - time arguments of the control API: RFC 3339, unix seconds,
 * or relative to now, without silent guesses or overflow.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timearg.h"

#define US 1000000LL

static const char *const syntax =
	"expected RFC 3339 with Z or an offset (2026-11-28T08:00:00Z, "
	"2026-11-28T16:00:00+08:00), unix seconds, or -30s/-15m/-1h/-7d";

/* n digits at s as a number; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

/* -N followed by s, m, h or d. */
static int relative(const char *v, long long now_us, long long *us, const char **why)
{
	static const struct { char unit; long long s; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	long long n;
	char *end;
	size_t i;

	if (!isdigit((unsigned char)v[1])) {
		*why = syntax;
		return -1;
	}
	errno = 0;
	n = strtoll(v + 1, &end, 10);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (end[0] == units[i].unit && !end[1])
			break;
	if (i == sizeof(units) / sizeof(units[0])) {
		*why = syntax;
		return -1;
	}
	/* before 1970 is out of range, and so is anything that overflows */
	if (errno == ERANGE || n > now_us / US / units[i].s) {
		*why = "too far back (before 1970)";
		return -1;
	}
	*us = now_us - n * units[i].s * US;
	return 0;
}

static int unix_seconds(const char *v, long long *us, const char **why)
{
	long long n;
	char *end;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno == ERANGE || n > ZL_TIMEARG_MAX_S) {
		*why = "unix seconds after the year 9999";
		return -1;
	}
	*us = n * US;
	return 0;
}

/* YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM) */
static int rfc3339(const char *v, long long *us, const char **why)
{
	int y, mo, d, h, mi, s, oh = 0, om = 0, sign = 0, n;
	long long frac = 0, scale = US, t;
	struct tm tm;
	const char *p;

	*why = syntax;
	if (strlen(v) < 19 || v[4] != '-' || v[7] != '-' || !strchr("Tt ", v[10]) ||
	    v[13] != ':' || v[16] != ':')
		return -1;
	if ((y = digits(v, 4)) < 0 || (mo = digits(v + 5, 2)) < 0 || (d = digits(v + 8, 2)) < 0 ||
	    (h = digits(v + 11, 2)) < 0 || (mi = digits(v + 14, 2)) < 0 ||
	    (s = digits(v + 17, 2)) < 0)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo) || h > 23 || mi > 59 ||
	    s > 60) {
		*why = "not a date and time of the calendar (from 1970)";
		return -1;
	}
	p = v + 19;
	if (*p == '.') {
		for (n = 0, p++; isdigit((unsigned char)*p); p++, n++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		if (!n)
			return -1;
	}
	if (!*p) {
		*why = "a time without a zone: add Z for UTC or an offset such as +08:00";
		return -1;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if ((oh = digits(p + 1, 2)) < 0 || p[3] != ':' || (om = digits(p + 4, 2)) < 0)
			return -1;
		if (oh > 23 || om > 59) {
			*why = "a zone offset beyond 23:59";
			return -1;
		}
		p += 6;
	}
	if (*p)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = (long long)timegm(&tm) - sign * (oh * 3600LL + om * 60LL);
	if (t < 0) {
		*why = "before 1970";
		return -1;
	}
	*us = t * US + frac;
	return 0;
}

int zl_timearg_parse(const char *name, const char *v, long long now_us, long long *us,
		     char *err, size_t errlen)
{
	const char *why = syntax, *p;
	int rc;

	*us = 0;
	if (!v || !*v)
		return 0;
	for (p = v; isdigit((unsigned char)*p); p++)
		;
	if (v[0] == '-')
		rc = relative(v, now_us, us, &why);
	else if (!*p)
		rc = unix_seconds(v, us, &why);
	else
		rc = rfc3339(v, us, &why);
	if (rc < 0)
		snprintf(err, errlen, "%s: \"%.60s\": %s", name, v, why);
	return rc;
}
