/*
 * ctl_ipv6_sites.h - zhulanctl ipv6 sites [--json]: the daemon's latest
 * IPv6 readiness check of each site (GET /v1/ipv6/sites), and
 * zhulanctl ipv6 queue [URL] (or ipv6 check without a URL): a check in
 * the daemon, of one URL or every configured site (POST /v1/ipv6/check).
 * `ipv6 check URL` runs in zhulanctl's own process (ctl_ipv6.c).
 */
#ifndef ZL_CTL_IPV6_SITES_H
#define ZL_CTL_IPV6_SITES_H

#include "ctl_users.h"

/* argv: the words after "ipv6" ("sites", "queue [URL]" or "check").
 * Returns the exit status. */
int zl_ctl_ipv6_sites(const char *sock, int json, int argc, char **argv, zl_ctl_call_fn call);

#endif
