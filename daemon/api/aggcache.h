/*
 * aggcache.h - answers from the 5-minute aggregates, kept for a few
 * seconds. Every console's dashboard asks for the same windows (the last
 * 24 hours in 5-minute steps, the last 10 minutes' top tables) every 5 s;
 * with 200 consoles that was 40 scans of 730,000 rows a second, which
 * took every API thread (make bench). Within one 5-minute bucket those
 * answers are the same for everyone, so one scan per few seconds serves
 * them all. Only answers any entitled caller could get are kept; a
 * personal read is audited by its handler before it looks here.
 */
#ifndef ZL_AGGCACHE_H
#define ZL_AGGCACHE_H

#include <jansson.h>

struct zl_aggcache;

/* ttl_ms: how long an answer stays (0: 5000). NULL without memory. */
struct zl_aggcache *zl_aggcache_new(unsigned ttl_ms);
void zl_aggcache_free(struct zl_aggcache *c);
/* A new reference to the answer kept under 'key', or NULL: then the
 * caller computes the answer and puts it. When an answer's time is up, the
 * first caller gets NULL and the others the old answer until the new one
 * is put (at most 30 s more), so a slow scan is made once, not by all. */
json_t *zl_aggcache_get(struct zl_aggcache *c, const char *key);
/* Keep 'val' under 'key' (a reference is taken; the caller keeps its own). */
void zl_aggcache_put(struct zl_aggcache *c, const char *key, json_t *val);

#endif
