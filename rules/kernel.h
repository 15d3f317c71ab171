/*
 * kernel.h - Zhulan's table, `inet zhulan`, in the kernel: built as
 * libnftnl objects and sent with libmnl as one nfnetlink batch.
 *
 * An apply replaces the whole table in one transaction (declare it,
 * delete it, define it again): the kernel takes all of it or none of it,
 * so a refusal leaves the previous ruleset in force. Every message of the
 * batch remembers the policy line it comes from, and the kernel's error
 * is reported against that line. No other table is ever named.
 *
 * A handle is one netlink socket; calls on it must not overlap (the
 * caller holds a lock). This module (rules/kernel*.c, which share
 * kernel-int.h) is the only includer of libnftnl.
 */
#ifndef ZL_KERNEL_H
#define ZL_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "flat.h"

#define ZL_KERNEL_TABLE "zhulan"
/* Packets Zhulan sends itself (the behaviour engine's resets) carry this
 * mark (SO_MARK), which chain output lets through whatever the policy. */
#define ZL_KERNEL_MARK 0x7a6c

struct zl_kernel;

/* Open a netfilter netlink socket in the caller's network namespace. */
struct zl_kernel *zl_kernel_open(char *err, size_t errlen);
void zl_kernel_close(struct zl_kernel *k);

/*
 * A behaviour block: traffic between client and server:port (either way)
 * is refused for timeout_ms, TCP with a reset. The table's chain
 * `behaviour` (hook forward, before the filter chains and before the
 * established-connections rule) matches the sets bh_pair_v4/_v6.
 */
struct zl_kernel_pair {
	int family;                   /* AF_INET or AF_INET6 */
	uint8_t client[16], server[16];
	uint16_t port;                /* host order */
	uint64_t timeout_ms;          /* 0: until the table is replaced */
};

/*
 * Replace `inet zhulan` by the flattened policy, atomically, with the
 * behaviour blocks in 'pairs' (n of them) already in their sets. 0, or -1
 * with err: "FILE:LINE:COL: the kernel refused this rule: REASON" (or the
 * set, chain or table it refused), and the kernel's previous table
 * untouched.
 */
int zl_kernel_apply(struct zl_kernel *k, const struct zl_flat *f,
		    const struct zl_kernel_pair *pairs, size_t n, char *err, size_t errlen);

/*
 * Limit one flow (client:client_port <-> server:port, in p) to the rate of
 * behaviour rule number 'rule' (its index in the policy, a limit rule) for
 * p->timeout_ms: each direction gets the rule's rate; what exceeds it is
 * dropped. 0 or -1 with err.
 */
int zl_kernel_limit_add(struct zl_kernel *k, unsigned rule, const struct zl_kernel_pair *p,
			uint16_t client_port, char *err, size_t errlen);

/* Add one behaviour block now (a netlink round trip, ~10 us), or take one
 * back (ENOENT if it had timed out already). 0 or -1. */
int zl_kernel_pair_del(struct zl_kernel *k, const struct zl_kernel_pair *p, char *err,
		       size_t errlen);
int zl_kernel_pair_add(struct zl_kernel *k, const struct zl_kernel_pair *p, char *err,
		       size_t errlen);

/* What the kernel holds for one rule of the table, in chain order. */
struct zl_kernel_rule {
	const char *chain;
	uint64_t handle;
	const char *comment;          /* "policy.conf:12", or NULL */
	int has_counter;
	uint64_t packets, bytes;
};

/*
 * Read every rule of `inet zhulan` back from the kernel and call cb for
 * each, chain by chain in the kernel's order. Returns the number of rules,
 * 0 when the table does not exist, -1 with err on failure.
 */
int zl_kernel_rules(struct zl_kernel *k,
		    void (*cb)(const struct zl_kernel_rule *r, void *ud), void *ud,
		    char *err, size_t errlen);

/* 1 if `inet zhulan` exists, 0 if not, -1 with err. */
int zl_kernel_table_exists(struct zl_kernel *k, char *err, size_t errlen);

/* Delete `inet zhulan` (tests and `zhulan --flush`): 0, or -1 with err. */
int zl_kernel_delete_table(struct zl_kernel *k, char *err, size_t errlen);

/*
 * Add one element to a named set of the table (a key of the set's length,
 * in network order), with a timeout in milliseconds if the set has them
 * (0: none). Waits for the kernel's answer. 0 or -1 with err.
 */
int zl_kernel_set_add(struct zl_kernel *k, const char *set, const void *key, size_t len,
		      uint64_t timeout_ms, char *err, size_t errlen);

#endif
