/*
 * ctl_ipv6_stats.h - zhulanctl ipv6 [hosts|services]: the IPv6 migration's
 * passive figures (GET /v1/ipv6, /v1/ipv6/hosts, /v1/ipv6/services). The
 * site checks (`zhulanctl ipv6 check`) are another file's.
 */
#ifndef ZL_CTL_IPV6_STATS_H
#define ZL_CTL_IPV6_STATS_H

#include "ctl_users.h"

/* argv: the words after "ipv6" (none, "hosts" or "services"); department
 * may be NULL. Returns the exit status. */
int zl_ctl_ipv6_stats(const char *sock, int json, int argc, char **argv, const char *department,
		      zl_ctl_call_fn call);

/* An answer's common part: not the status wanted → the error on stderr,
 * -1; --json → printed, 1; else 0 and the caller prints j as text (and
 * frees it). */
int zl_ctl_ipv6_answer(json_t *j, long code, long want, int json);

#endif
