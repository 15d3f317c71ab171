/*
 * siteurl.h - what counts as a site to check for IPv6 readiness: an
 * http:// or https:// URL with a host. Shared by zhulan.conf's ipv6_sites
 * (daemon/conf.c) and the policy's ipv6 section (rules/ipv6.c).
 */
#ifndef ZL_SITEURL_H
#define ZL_SITEURL_H

#include <string.h>

/* At most this many sites, in the policy or in ipv6_sites. */
#define ZL_MAX_SITES 64

/* 1 when url is http:// or https:// followed by a host. */
static inline int zl_site_url_ok(const char *url)
{
	const char *h = !strncmp(url, "http://", 7) ? url + 7 :
			!strncmp(url, "https://", 8) ? url + 8 : NULL;

	return h && *h && *h != '/' && *h != ':';
}

#endif
