/*
 * ctl_util.h - small helpers zhulanctl's command files share for printing
 * the daemon's JSON answers.
 */
#ifndef ZL_CTL_UTIL_H
#define ZL_CTL_UTIL_H

#include <stddef.h>

#include <jansson.h>

/* o[k] as text ("" when absent or not a string), as an integer (0). */
const char *zl_ctl_jstr(json_t *o, const char *k);
long long zl_ctl_jint(json_t *o, const char *k);
/* "12.3 MB": decimal units, as the daemon's other tools print them. */
void zl_ctl_human_bytes(double v, char *buf, size_t len);

#endif
