/*
 * behaviour.h - Internet-access behaviour management (上网行为管理): the
 * policy's `behaviour { }` rules applied to flows the moment nDPI names
 * them, enforced in the kernel, and the flows they match kept in the
 * access log.
 *
 * Capture threads call zl_bh_flow when a flow is named (TLS SNI, HTTP
 * Host, DNS query, application) and again when its classification is
 * final; the first rule that matches the flow's client, application,
 * category or name, within its schedule, decides:
 *
 *   block  - the client -> server:port pair goes into the kernel's
 *            behaviour set at once (TCP answered with resets both ways) and
 *            stays there for hold_s (default 600 s), so retries are refused
 *            before they are even classified; the block is kept in the
 *            database and restored at start;
 *   limit  - the flow is marked (rate enforcement: see docs);
 *   audit  - the flow is marked;
 *   allow  - nothing more is done.
 *
 * Every blocked, limited or audited flow becomes one access-log row when
 * it ends, naming the rule line that decided it (kept with the flow, so a
 * policy change in between does not rename it). One lock guards the rules in force and the blocks; a policy
 * change holds it from zl_bh_prepare to zl_bh_commit, so no block is added
 * to a table that is being replaced.
 */
#ifndef ZL_BEHAVIOUR_H
#define ZL_BEHAVIOUR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "classify.h"
#include "flow.h"
#include "kernel.h"
#include "names.h"
#include "policy.h"
#include "store.h"

struct zl_bh;

#define ZL_BH_MAX_IFACES 16

/* Who an address is, from the address book. */
struct zl_bh_who {
	char host[ZL_NAME_SIZE], owner[ZL_NAME_SIZE], department[ZL_NAME_SIZE];
};
/* Fill *w and return 1 if the address book knows the address, else 0. */
typedef int (*zl_bh_lookup_fn)(void *ud, int family, const uint8_t *addr,
			       struct zl_bh_who *w);

/* hold_s: how long a blocked pair stays blocked (0: 600 s). Opens its own
 * netlink socket (needs CAP_NET_ADMIN). */
struct zl_bh *zl_bh_new(struct zl_store *store, unsigned hold_s, char *err, size_t errlen);
void zl_bh_free(struct zl_bh *b);
/* The store opens after privileges are dropped. */
void zl_bh_set_store(struct zl_bh *b, struct zl_store *store);
/* Interface names by capture index (1-based, as flows carry them). */
void zl_bh_set_ifaces(struct zl_bh *b, const char *const *names, int n);
void zl_bh_set_lookup(struct zl_bh *b, zl_bh_lookup_fn fn, void *ud);
/* Told of every block (client address, family AF_INET/AF_INET6, when), in
 * the capture thread under the engine's lock: it must not block. */
typedef void (*zl_bh_block_fn)(void *ud, int family, const uint8_t *client, uint64_t ts_us);
void zl_bh_set_on_block(struct zl_bh *b, zl_bh_block_fn fn, void *ud);

/* Decide each block again at the current time (every few seconds): a
 * block whose rule's schedule has ended leaves the kernel at once. */
void zl_bh_tick(struct zl_bh *b);

/* Put the blocks stored in the database back (before the first apply). */
void zl_bh_restore(struct zl_bh *b);

/*
 * A policy change, in two steps around the kernel's apply: prepare takes
 * the lock and returns the blocks that policy p still justifies (malloc'd,
 * *n of them) for the apply's batch; commit records the outcome (applied:
 * p is in force, blocks it no longer justifies are forgotten) and releases
 * the lock. p must stay valid until the next commit that replaces it.
 */
struct zl_kernel_pair *zl_bh_prepare(struct zl_bh *b, const struct zl_policy *p, size_t *n);
void zl_bh_commit(struct zl_bh *b, const struct zl_policy *p, int applied);

/* A flow was named or classified (capture thread); rx_us: when the
 * packet that did it reached the capture thread (0: unknown). */
void zl_bh_flow(struct zl_bh *b, const struct zl_classifier *c, struct zl_flow *f,
		uint64_t rx_us);
/* A flow ended (capture thread): its access-log row, if a rule matched. */
void zl_bh_flow_end(struct zl_bh *b, const struct zl_classifier *c, const struct zl_flow *f);

/*
 * {"rules","blocks_active","decisions":{...},"resets_sent",
 *  "block_latency_us":{"n","p50","p99","max"}, "block_processing_us":{...}}
 * latency: from the classifying packet's capture timestamp (the kernel's,
 * at arrival) to the kernel's ack of the block; processing: from the
 * moment the capture thread received that packet to the same ack.
 */
json_t *zl_bh_status(struct zl_bh *b);

/*
 * For GET /v1/behaviour: {"rules":[{"line","action","subject","object",
 * "schedule","hits"}] (in force, in order), "blocks":[{"client","server",
 * "port","rule","app","category","domain","interface","expires",
 * "time_left_s"}] (held now), "hits":{"policy.conf:12":N} (decisions under
 * each rule line since start, also of policies no longer in force)}.
 */
json_t *zl_bh_describe(struct zl_bh *b);

#endif
