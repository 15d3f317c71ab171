/*
 * kernel_table.c - `inet zhulan` as one transaction: the table, the
 * filter chains with their fixed head rules, the behaviour chain and the
 * limit rules' sets and meters (kernel-int.h).
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel-int.h"

/* The rules every chain starts with: replies and related traffic pass,
 * broken packets never do, the gateway talks to itself over loopback. */
static void chain_head(struct batch *bt, const char *chain, enum zl_hook hook)
{
	struct nftnl_rule *r;

	r = zl_kn_rule_new(chain);
	if (r) {
		zl_kn_ct_state(bt, r, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED));
		zl_kn_verdict(bt, r, NF_ACCEPT);
		zl_kn_rule_send(bt, r, NULL);
	}
	if (hook == ZL_OUTPUT) {
		uint32_t mark = ZL_KERNEL_MARK;
		r = zl_kn_rule_new(chain);
		if (r) {
			zl_kn_meta(bt, r, NFT_META_MARK);
			zl_kn_cmp(bt, r, NFT_CMP_EQ, &mark, 4);
			zl_kn_verdict(bt, r, NF_ACCEPT);
			zl_kn_rule_send(bt, r, NULL);
		}
	}
	if (hook == ZL_INPUT || hook == ZL_OUTPUT) {
		/* IPv6 neighbour discovery before the invalid-state drop: the
		 * kernel can mark solicitations invalid (seen with a packet
		 * socket on the bridge), and a router without ND is no router */
		static const uint8_t in[] = { 133, 135, 136 }, out[] = { 134, 135, 136 };
		const uint8_t *types = hook == ZL_INPUT ? in : out;
		struct range v[3];
		int i;

		memset(v, 0, sizeof(v));
		for (i = 0; i < 3; i++)
			v[i].lo[0] = v[i].hi[0] = types[i];
		r = zl_kn_rule_new(chain);
		if (r) {
			uint8_t l4 = IPPROTO_ICMPV6;
			zl_kn_nfproto(bt, r, AF_INET6);
			zl_kn_meta(bt, r, NFT_META_L4PROTO);
			zl_kn_cmp(bt, r, NFT_CMP_EQ, &l4, 1);
			zl_kn_payload(bt, r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
			zl_kn_match_list(bt, r, NULL, T_ICMP6_TYPE, 1, BO_HOST, v, 3);
			zl_kn_verdict(bt, r, NF_ACCEPT);
			zl_kn_rule_send(bt, r, NULL);
		}
	}
	r = zl_kn_rule_new(chain);
	if (r) {
		zl_kn_ct_state(bt, r, NF_CT_STATE_INVALID_BIT);
		zl_kn_verdict(bt, r, NF_DROP);
		zl_kn_rule_send(bt, r, NULL);
	}
	if (hook == ZL_INPUT || hook == ZL_OUTPUT) {
		uint32_t lo = if_nametoindex("lo");
		r = zl_kn_rule_new(chain);
		if (r) {
			zl_kn_meta(bt, r, hook == ZL_INPUT ? NFT_META_IIF : NFT_META_OIF);
			lo = lo ? lo : 1;
			zl_kn_cmp(bt, r, NFT_CMP_EQ, &lo, 4);
			zl_kn_verdict(bt, r, NF_ACCEPT);
			zl_kn_rule_send(bt, r, NULL);
		}
	}
}

/*
 * The behaviour chain: before the filter chains (priority filter - 5) and
 * before their established-connections rule, a blocked client/server pair
 * is refused both ways, TCP with a reset so applications fail at once.
 */
static void behaviour_chain(struct batch *bt)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	int fam, rev, tcp;

	if (!c) {
		bt->oom = 1;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, ZL_KERNEL_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, "behaviour");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_FORWARD);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, -5);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = zl_kn_msg(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE, NULL, "chain behaviour");
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		zl_kn_next(bt);
	}
	nftnl_chain_free(c);
	for (fam = 0; fam < 2; fam++)
		for (rev = 0; rev < 2; rev++)
			for (tcp = 1; tcp >= 0; tcp--) {
				struct nftnl_rule *r = zl_kn_rule_new("behaviour");
				uint32_t alen = fam ? 16 : 4, src = fam ? 8 : 12, dst = fam ? 24 : 16;
				uint8_t l4 = IPPROTO_TCP;

				if (!r) {
					bt->oom = 1;
					return;
				}
				if (tcp) {
					zl_kn_meta(bt, r, NFT_META_L4PROTO);
					zl_kn_cmp(bt, r, NFT_CMP_EQ, &l4, 1);
				}
				zl_kn_nfproto(bt, r, fam ? AF_INET6 : AF_INET);
				/* client . server . port: the client is the source
				 * going out, the destination coming back */
				zl_kn_payload_to(bt, r, NFT_PAYLOAD_NETWORK_HEADER, rev ? dst : src, alen,
						 NFT_REG_1);
				zl_kn_payload_to(bt, r, NFT_PAYLOAD_NETWORK_HEADER, rev ? src : dst, alen,
						 fam ? NFT_REG_2 : NFT_REG32_01);
				zl_kn_payload_to(bt, r, NFT_PAYLOAD_TRANSPORT_HEADER, rev ? 0 : 2, 2,
						 fam ? NFT_REG_3 : NFT_REG32_02);
				zl_kn_lookup(bt, r, fam ? BH_PAIR_V6 : BH_PAIR_V4, 0);
				zl_kn_expr(bt, r, "counter");
				if (tcp) {
					struct nftnl_expr *e = zl_kn_expr(bt, r, "reject");
					if (e) {
						nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
						nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
					}
				} else {
					zl_kn_verdict(bt, r, NF_DROP);
				}
				zl_kn_comment(r, "behaviour");
				zl_kn_rule_send(bt, r, NULL);
			}
}

/*
 * Limit rules: for behaviour rule i, the flows it limits sit in
 * bh_lim<i>_v4/_v6 as server . server port . client . client port; each
 * direction of such a flow goes through a meter (a dynamic set whose
 * elements carry their own token bucket), so every flow gets the rule's
 * rate on its own, and what exceeds it is dropped.
 */
#define LIM_TIMEOUT_MS 60000

static uint32_t lim_type(int v6)
{
	uint32_t a = v6 ? T_IP6ADDR : T_IPADDR;

	return ((((a << TYPE_BITS) | T_INET_SERVICE) << TYPE_BITS | a) << TYPE_BITS) | T_INET_SERVICE;
}

static void limit_rule(struct batch *bt, const char *set, const char *meter, int v6, int up,
		       uint64_t bytes_s, const struct zl_loc *loc)
{
	struct nftnl_rule *r = zl_kn_rule_new("behaviour");
	struct nftnl_expr *dyn, *lim;
	uint32_t alen = v6 ? 16 : 4, src = v6 ? 8 : 12, dst = v6 ? 24 : 16;
	/* 32-bit registers from NFT_REG32_00: addr, port, addr, port */
	uint32_t r0 = NFT_REG32_00, r1 = r0 + alen / 4, r2 = r1 + 1, r3 = r2 + alen / 4;
	int load;

	if (!r) {
		bt->oom = 1;
		return;
	}
	zl_kn_nfproto(bt, r, v6 ? AF_INET6 : AF_INET);
	for (load = 0; load < 2; load++) {
		/* server . sport . client . cport: the source going down, the
		 * destination going up */
		zl_kn_payload_to(bt, r, NFT_PAYLOAD_NETWORK_HEADER, up ? dst : src, alen, r0);
		zl_kn_payload_to(bt, r, NFT_PAYLOAD_TRANSPORT_HEADER, up ? 2 : 0, 2, r1);
		zl_kn_payload_to(bt, r, NFT_PAYLOAD_NETWORK_HEADER, up ? src : dst, alen, r2);
		zl_kn_payload_to(bt, r, NFT_PAYLOAD_TRANSPORT_HEADER, up ? 0 : 2, 2, r3);
		if (load == 0) {
			struct nftnl_expr *e = zl_kn_expr(bt, r, "lookup");
			if (e) {
				nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, r0);
				nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
			}
		}
	}
	lim = nftnl_expr_alloc("limit");
	dyn = zl_kn_expr(bt, r, "dynset");
	if (!lim || !dyn) {
		bt->oom = 1;
		if (lim)
			nftnl_expr_free(lim);
		nftnl_rule_free(r);
		return;
	}
	nftnl_expr_set_u64(lim, NFTNL_EXPR_LIMIT_RATE, bytes_s);
	nftnl_expr_set_u64(lim, NFTNL_EXPR_LIMIT_UNIT, 1);
	/* an eighth of a second of burst: TCP keeps near the rate */
	nftnl_expr_set_u32(lim, NFTNL_EXPR_LIMIT_BURST, (uint32_t)(bytes_s / 8 > 16384 ? bytes_s / 8 : 16384));
	nftnl_expr_set_u32(lim, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKT_BYTES);
	nftnl_expr_set_u32(lim, NFTNL_EXPR_LIMIT_FLAGS, NFT_LIMIT_F_INV);
	nftnl_expr_set_u32(dyn, NFTNL_EXPR_DYNSET_SREG_KEY, r0);
	nftnl_expr_set_u32(dyn, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_str(dyn, NFTNL_EXPR_DYNSET_SET_NAME, meter);
	nftnl_expr_set(dyn, NFTNL_EXPR_DYNSET_EXPR, lim, 0);
	zl_kn_expr(bt, r, "counter");
	zl_kn_verdict(bt, r, NF_DROP);
	zl_kn_comment(r, "behaviour limit");
	zl_kn_rule_send(bt, r, loc);
}

static void limit_sets(struct batch *bt, const struct zl_policy *p)
{
	size_t i;
	int v6, up;

	for (i = 0; p && i < p->n_bh; i++) {
		const struct zl_bh_rule *br = &p->bh[i];
		uint64_t bytes_s = br->rate_bps / 8 ? br->rate_bps / 8 : 1;

		if (br->action != ZL_BH_LIMIT)
			continue;
		for (v6 = 0; v6 < 2; v6++) {
			uint32_t len = v6 ? 16 + 4 + 16 + 4 : 4 + 4 + 4 + 4;
			char set[48], meter[48];
			struct nftnl_set *s;

			snprintf(set, sizeof(set), "bh_lim%zu_v%d", i, v6 ? 6 : 4);
			s = zl_kn_new_set(set, NFT_SET_TIMEOUT, lim_type(v6), len, BO_BIG, ++bt->set_id, 0);
			if (!s) {
				bt->oom = 1;
				return;
			}
			zl_kn_send_set(bt, s, &br->loc, "limit rule");
			nftnl_set_free(s);
			for (up = 0; up < 2; up++) {
				snprintf(meter, sizeof(meter), "bh_meter%zu%c_v%d", i, up ? 'u' : 'd', v6 ? 6 : 4);
				s = zl_kn_new_set(meter, NFT_SET_TIMEOUT | NFT_SET_EVAL, lim_type(v6), len, BO_BIG,
						  ++bt->set_id, 0);
				if (!s) {
					bt->oom = 1;
					return;
				}
				nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, LIM_TIMEOUT_MS);
				nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, 65535);
				zl_kn_send_set(bt, s, &br->loc, "limit rule");
				nftnl_set_free(s);
				limit_rule(bt, set, meter, v6, up, bytes_s, &br->loc);
			}
		}
	}
}

static void table_msg(struct batch *bt, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t) {
		bt->oom = 1;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, ZL_KERNEL_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nlh = zl_kn_msg(bt, type, flags, NULL, "table inet " ZL_KERNEL_TABLE);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		zl_kn_next(bt);
	}
	nftnl_table_free(t);
}

static void chains(struct batch *bt, const struct zl_flat *f)
{
	static const uint32_t hooknum[] = { NF_INET_FORWARD, NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT };
	size_t i, j;

	for (i = 0; i < f->n_chains; i++) {
		const struct zl_filter *flt = f->chains[i].filter;
		const char *name = zl_hook_name(flt->hook);
		struct nftnl_chain *c = nftnl_chain_alloc();
		struct nlmsghdr *nlh;

		if (!c) {
			bt->oom = 1;
			return;
		}
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, ZL_KERNEL_TABLE);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hooknum[flt->hook]);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, flt->policy == ZL_PASS ? NF_ACCEPT : NF_DROP);
		nlh = zl_kn_msg(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE, &flt->loc, "filter %s", name);
		if (nlh) {
			nftnl_chain_nlmsg_build_payload(nlh, c);
			zl_kn_next(bt);
		}
		nftnl_chain_free(c);
		chain_head(bt, name, flt->hook);
		for (j = 0; j < f->chains[i].n; j++)
			zl_kn_flat_rule(bt, name, &f->chains[i].rules[j]);
	}
}

/* Replace `inet zhulan` by f with its blocks, or (f NULL) remove it: one
 * transaction that declares, deletes and defines, whatever was there. */
static int replace_table(struct zl_kernel *k, const struct zl_flat *f,
			 const struct zl_kernel_pair *pairs, size_t n, char *err, size_t errlen)
{
	struct batch bt;
	int rc;

	if (zl_kn_batch_init(&bt, k) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	table_msg(&bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	table_msg(&bt, NFT_MSG_DELTABLE, 0);
	if (f) {
		table_msg(&bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		zl_kn_named_sets(&bt, f->policy);
		zl_kn_behaviour_sets(&bt, pairs, n);
		behaviour_chain(&bt);
		limit_sets(&bt, f->policy);
		chains(&bt, f);
	}
	rc = zl_kn_batch_send(k, &bt, err, errlen);
	zl_kn_batch_free(&bt);
	return rc;
}

int zl_kernel_apply(struct zl_kernel *k, const struct zl_flat *f,
		    const struct zl_kernel_pair *pairs, size_t n, char *err, size_t errlen)
{
	return replace_table(k, f, pairs, n, err, errlen);
}

int zl_kernel_delete_table(struct zl_kernel *k, char *err, size_t errlen)
{
	return replace_table(k, NULL, NULL, 0, err, errlen);
}
