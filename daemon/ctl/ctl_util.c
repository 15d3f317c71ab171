/*
 * ctl_util.c - printing helpers for zhulanctl's command files.
 */
#include <stdio.h>

#include "ctl_util.h"

const char *zl_ctl_jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

long long zl_ctl_jint(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

void zl_ctl_human_bytes(double v, char *buf, size_t len)
{
	const char *u[] = { "B", "kB", "MB", "GB", "TB" };
	int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}
