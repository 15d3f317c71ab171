/*
 * kernel-int.h - what the kernel*.c files share while they build and send
 * a batch: kernel.c (the socket, the batch, the kernel's answers),
 * kernel_expr.c (a rule's expressions), kernel_set.c (sets and their
 * elements), kernel_table.c (the table and its chains) and kernel_dump.c
 * (reading rules back). Not an interface: callers include kernel.h only;
 * libnftnl's headers are included here and nowhere outside rules/kernel*.
 */
#ifndef ZL_KERNEL_INT_H
#define ZL_KERNEL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "kernel.h"

/* nft's datatype numbers and byte orders, which `nft list` reads back */
enum { T_IPADDR = 7, T_IP6ADDR = 8, T_INET_PROTO = 12, T_INET_SERVICE = 13,
       T_ICMP6_TYPE = 29, T_IFNAME = 41, T_DAY = 45 };
enum { BO_HOST = 1, BO_BIG = 2 };
#define TYPE_BITS 6

/* The behaviour sets: client . server . port, filled at run time. */
#define BH_PAIR_V4 "bh_pair_v4"
#define BH_PAIR_V6 "bh_pair_v6"

struct zl_kernel {
	struct mnl_socket *nl;
	uint32_t portid, seq;
};

/* Which policy line each message of a batch comes from. */
struct origin {
	uint32_t seq;
	const struct zl_loc *loc;     /* NULL: the table itself */
	char what[40];                /* "rule", "set \"finance\"" */
};

/* A batch being built. A failed allocation sets oom, which the builders
 * carry on past and zl_kn_batch_send reports. */
struct batch {
	struct nftnl_batch *b;
	struct origin *o;
	size_t n, cap;
	uint32_t seq, set_id;
	int oom;
};

/* A range of keys (one key when lo == hi), in network order. */
struct range {
	uint8_t lo[16], hi[16];
};

/* ---- kernel.c: the batch and the socket ---- */

int zl_kn_batch_init(struct batch *bt, struct zl_kernel *k);
void zl_kn_batch_free(struct batch *bt);
/* The header of the next message, remembering where it comes from (loc,
 * and what: "rule", "set \"finance\""); NULL when out of memory. */
struct nlmsghdr *zl_kn_msg(struct batch *bt, uint16_t type, uint16_t flags,
			   const struct zl_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The message just built is complete. */
void zl_kn_next(struct batch *bt);
/* End the batch, send it, read every answer; 0, or -1 with err naming the
 * policy line of the first message the kernel refused. */
int zl_kn_batch_send(struct zl_kernel *k, struct batch *bt, char *err, size_t errlen);
/* Send one request and run cb over the answers until the end: 0, or a
 * negative errno (err filled unless ENOENT). */
int zl_kn_request(struct zl_kernel *k, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		  char *err, size_t errlen);

/* ---- kernel_expr.c: expressions (register 1 unless named) ---- */

struct nftnl_expr *zl_kn_expr(struct batch *bt, struct nftnl_rule *r, const char *name);
void zl_kn_meta(struct batch *bt, struct nftnl_rule *r, uint32_t key);
void zl_kn_cmp(struct batch *bt, struct nftnl_rule *r, uint32_t op, const void *data,
	       uint32_t len);
void zl_kn_payload_to(struct batch *bt, struct nftnl_rule *r, uint32_t base, uint32_t off,
		      uint32_t len, uint32_t reg);
void zl_kn_payload(struct batch *bt, struct nftnl_rule *r, uint32_t base, uint32_t off,
		   uint32_t len);
void zl_kn_bitwise(struct batch *bt, struct nftnl_rule *r, const void *mask, uint32_t len);
void zl_kn_lookup(struct batch *bt, struct nftnl_rule *r, const char *set, uint32_t id);
void zl_kn_verdict(struct batch *bt, struct nftnl_rule *r, int verdict);
void zl_kn_nfproto(struct batch *bt, struct nftnl_rule *r, int family);
void zl_kn_ct_state(struct batch *bt, struct nftnl_rule *r, uint32_t bits);
struct nftnl_rule *zl_kn_rule_new(const char *chain);
/* NEWRULE for r (appended to its chain), which is freed. */
void zl_kn_rule_send(struct batch *bt, struct nftnl_rule *r, const struct zl_loc *loc);
void zl_kn_comment(struct nftnl_rule *r, const char *text);
/* One flattened policy rule, appended to chain. */
void zl_kn_flat_rule(struct batch *bt, const char *chain, const struct zl_flat_rule *fr);

/* ---- kernel_set.c: sets and elements ---- */

void zl_kn_prefix_range(const struct zl_prefix *p, struct range *r);
struct nftnl_set *zl_kn_new_set(const char *name, uint32_t flags, uint32_t type,
				uint32_t len, uint32_t byteorder, uint32_t id, int merge_flag);
/* NEWSET and as many NEWSETELEM messages as its elements need. */
void zl_kn_send_set(struct batch *bt, struct nftnl_set *s, const struct zl_loc *loc,
		    const char *what);
/* Match the value in register 1 against a list (v is sorted and merged in
 * place): cmp for one value, a pair of cmps for one range, an anonymous
 * set for more. */
void zl_kn_match_list(struct batch *bt, struct nftnl_rule *r, const struct zl_loc *loc,
		      uint32_t type, uint32_t len, uint32_t byteorder, struct range *v,
		      size_t n);
/* The policy's named sets, one per family. */
void zl_kn_named_sets(struct batch *bt, const struct zl_policy *p);
/* bh_pair_v4/_v6 with the blocks held. */
void zl_kn_behaviour_sets(struct batch *bt, const struct zl_kernel_pair *pairs, size_t n);

#endif
