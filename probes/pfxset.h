/*
 * pfxset.h - a set of IPv4 and IPv6 prefixes with O(log n) lookup: each
 * prefix becomes an address range; ranges are sorted and merged once, then
 * found by binary search. Used for the detectors' threat sets and the
 * suppression rules' sources and destinations.
 */
#ifndef ZL_PFXSET_H
#define ZL_PFXSET_H

#include <stddef.h>
#include <stdint.h>

struct zl_pfxset;

struct zl_pfxset *zl_pfxset_new(void);
void zl_pfxset_free(struct zl_pfxset *s);

/* Add addr/len; ipver 4 (addr's first 4 bytes) or 6. -1 on bad input or
 * no memory. Adding after a lookup is allowed (the set re-sorts lazily). */
int zl_pfxset_add(struct zl_pfxset *s, int ipver, const uint8_t *addr, unsigned len);

/* Whether addr (4 or 16 bytes as ipver says) is in the set. Not const:
 * the first lookup after an add sorts. */
int zl_pfxset_contains(struct zl_pfxset *s, int ipver, const uint8_t *addr);

/* Ranges held after merging (4 and 6 together). */
size_t zl_pfxset_size(struct zl_pfxset *s);

#endif
