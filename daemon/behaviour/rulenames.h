/*
 * rulenames.h - the behaviour rules' names ("policy.conf:12") as small
 * numbers that a flow carries from its decision to its end, and the
 * decisions taken under each name since start.
 *
 * A flow decided under one policy may end under another whose rules are
 * ordered otherwise: its access-log row must name the line that decided
 * it, so the flow keeps the name's number, not the rule's index. Numbers
 * are never reused (the table only grows, by the names of the policies
 * applied since start). Not thread-safe: the behaviour engine's lock.
 */
#ifndef ZL_RULENAMES_H
#define ZL_RULENAMES_H

#include <stdint.h>

struct zl_rulenames;

struct zl_rulenames *zl_rulenames_new(void);
void zl_rulenames_free(struct zl_rulenames *t);
/* The number of 'name' (1 … 65535), added when new; 0 when the table is
 * full or out of memory. */
uint16_t zl_rulenames_id(struct zl_rulenames *t, const char *name);
/* The name of number 'id'; "" for 0 or an unknown number. */
const char *zl_rulenames_name(const struct zl_rulenames *t, uint16_t id);
/* Count a decision under 'id'; how many since start. */
void zl_rulenames_hit(struct zl_rulenames *t, uint16_t id);
uint64_t zl_rulenames_hits(const struct zl_rulenames *t, uint16_t id);

#endif
