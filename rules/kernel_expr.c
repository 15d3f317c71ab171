/*
 * kernel_expr.c - the expressions of one rule (meta, cmp, payload,
 * bitwise, lookup, ct, counter, log, reject, verdicts), in nft's order,
 * and a flattened policy rule built from them (kernel-int.h).
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel-int.h"

struct nftnl_expr *zl_kn_expr(struct batch *bt, struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (!e) {
		bt->oom = 1;
		return NULL;
	}
	nftnl_rule_add_expr(r, e);
	return e;
}

void zl_kn_meta(struct batch *bt, struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = zl_kn_expr(bt, r, "meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
}

void zl_kn_cmp(struct batch *bt, struct nftnl_rule *r, uint32_t op, const void *data,
	       uint32_t len)
{
	struct nftnl_expr *e = zl_kn_expr(bt, r, "cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
}

void zl_kn_payload_to(struct batch *bt, struct nftnl_rule *r, uint32_t base, uint32_t off,
		      uint32_t len, uint32_t reg)
{
	struct nftnl_expr *e = zl_kn_expr(bt, r, "payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
	}
}

void zl_kn_payload(struct batch *bt, struct nftnl_rule *r, uint32_t base, uint32_t off,
		   uint32_t len)
{
	zl_kn_payload_to(bt, r, base, off, len, NFT_REG_1);
}

void zl_kn_bitwise(struct batch *bt, struct nftnl_rule *r, const void *mask, uint32_t len)
{
	struct nftnl_expr *e = zl_kn_expr(bt, r, "bitwise");
	static const uint8_t zero[16];

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
}

void zl_kn_lookup(struct batch *bt, struct nftnl_rule *r, const char *set, uint32_t id)
{
	struct nftnl_expr *e = zl_kn_expr(bt, r, "lookup");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
	}
}

void zl_kn_verdict(struct batch *bt, struct nftnl_rule *r, int verdict)
{
	struct nftnl_expr *e = zl_kn_expr(bt, r, "immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	}
}

/* ---- a rule's matches ---- */

void zl_kn_nfproto(struct batch *bt, struct nftnl_rule *r, int family)
{
	uint8_t v = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	zl_kn_meta(bt, r, NFT_META_NFPROTO);
	zl_kn_cmp(bt, r, NFT_CMP_EQ, &v, 1);
}

static void ifnames(struct batch *bt, struct nftnl_rule *r, const struct zl_loc *loc,
		    const struct zl_zone *z, int in)
{
	struct range *v = calloc(z->n_ifaces ? z->n_ifaces : 1, sizeof(*v));
	size_t i;

	if (!v) {
		bt->oom = 1;
		return;
	}
	zl_kn_meta(bt, r, in ? NFT_META_IIFNAME : NFT_META_OIFNAME);
	for (i = 0; i < z->n_ifaces; i++) {
		strncpy((char *)v[i].lo, z->ifaces[i].s, IFNAMSIZ - 1);
		memcpy(v[i].hi, v[i].lo, IFNAMSIZ);
	}
	zl_kn_match_list(bt, r, loc, T_IFNAME, IFNAMSIZ, BO_HOST, v, z->n_ifaces);
	free(v);
}

static void address(struct batch *bt, struct nftnl_rule *r, const struct zl_flat_ep *e,
		    int family, int src)
{
	if (e->set) {
		char name[300];
		uint32_t off = family == AF_INET ? (src ? 12 : 16) : (src ? 8 : 24);

		snprintf(name, sizeof(name), "%s_v%d", e->set->name, family == AF_INET ? 4 : 6);
		zl_kn_payload(bt, r, NFT_PAYLOAD_NETWORK_HEADER, off, family == AF_INET ? 4 : 16);
		zl_kn_lookup(bt, r, name, 0);
	}
	if (e->prefix) {
		const struct zl_prefix *p = e->prefix;
		uint32_t off = p->family == AF_INET ? (src ? 12 : 16) : (src ? 8 : 24);
		uint32_t full = p->family == AF_INET ? 4 : 16, len;
		struct range rg;

		if (!p->len)
			return;        /* 0.0.0.0/0: the family check says it all */
		zl_kn_prefix_range(p, &rg);
		/* whole bytes: load only those, as nft does */
		len = p->len % 8 ? full : p->len / 8;
		zl_kn_payload(bt, r, NFT_PAYLOAD_NETWORK_HEADER, off, len);
		if (p->len % 8) {
			uint8_t mask[16] = { 0 };
			unsigned b;
			for (b = 0; b < p->len; b++)
				mask[b / 8] |= (uint8_t)(0x80 >> (b % 8));
			zl_kn_bitwise(bt, r, mask, full);
		}
		zl_kn_cmp(bt, r, NFT_CMP_EQ, rg.lo, len);
	}
}

void zl_kn_ct_state(struct batch *bt, struct nftnl_rule *r, uint32_t bits)
{
	struct nftnl_expr *e = zl_kn_expr(bt, r, "ct");
	uint32_t zero = 0;

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	}
	zl_kn_bitwise(bt, r, &bits, 4);
	zl_kn_cmp(bt, r, NFT_CMP_NEQ, &zero, 4);
}

struct nftnl_rule *zl_kn_rule_new(const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (r) {
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, ZL_KERNEL_TABLE);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
		nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	}
	return r;
}

void zl_kn_rule_send(struct batch *bt, struct nftnl_rule *r, const struct zl_loc *loc)
{
	struct nlmsghdr *nlh = zl_kn_msg(bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, loc, "rule");

	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		zl_kn_next(bt);
	}
	nftnl_rule_free(r);
}

void zl_kn_comment(struct nftnl_rule *r, const char *text)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);

	if (!ud)
		return;
	if (nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, text))
		nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
				    nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
}

static void time_match(struct batch *bt, struct nftnl_rule *r, const struct zl_loc *loc,
		       const struct zl_ktime *t)
{
	struct range days[7];
	size_t n = 0;
	int d;

	if ((t->days & 0x7f) != 0x7f) {
		for (d = 0; d < 7; d++)
			if (t->days & (1u << d)) {
				memset(&days[n], 0, sizeof(days[n]));
				days[n].lo[0] = days[n].hi[0] = (uint8_t)d;
				n++;
			}
		zl_kn_meta(bt, r, NFT_META_TIME_DAY);
		zl_kn_match_list(bt, r, loc, T_DAY, 1, BO_HOST, days, n);
	}
	if (t->start_s != 0 || t->end_s != 86399) {
		struct nftnl_expr *e;
		uint32_t lo = htonl(t->start_s), hi = htonl(t->end_s);

		zl_kn_meta(bt, r, NFT_META_TIME_HOUR);
		e = zl_kn_expr(bt, r, "byteorder");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, 4);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, 4);
		}
		zl_kn_cmp(bt, r, NFT_CMP_GTE, &lo, 4);
		zl_kn_cmp(bt, r, NFT_CMP_LTE, &hi, 4);
	}
}

void zl_kn_flat_rule(struct batch *bt, const char *chain, const struct zl_flat_rule *fr)
{
	const struct zl_rule *pr = fr->src;
	const struct zl_loc *loc = &pr->loc;
	struct nftnl_rule *r = zl_kn_rule_new(chain);
	const char *base = strrchr(loc->file, '/');
	char text[300];
	size_t i;

	if (!r) {
		bt->oom = 1;
		return;
	}
	base = base ? base + 1 : loc->file;
	if (fr->family && !fr->from.set && !fr->to.set && !fr->from.prefix && !fr->to.prefix)
		zl_kn_nfproto(bt, r, fr->family);
	/* nft's order: each side's interface, then its address */
	if (fr->from.zone)
		ifnames(bt, r, loc, fr->from.zone, 1);
	if (fr->from.set || fr->from.prefix) {
		zl_kn_nfproto(bt, r, fr->family ? fr->family : fr->from.prefix->family);
		address(bt, r, &fr->from, fr->family, 1);
	}
	if (fr->to.zone)
		ifnames(bt, r, loc, fr->to.zone, 0);
	if (fr->to.set || fr->to.prefix) {
		if (!fr->from.set && !fr->from.prefix)
			zl_kn_nfproto(bt, r, fr->family ? fr->family : fr->to.prefix->family);
		address(bt, r, &fr->to, fr->family, 0);
	}
	if (fr->tcp_reset || pr->n_protos) {
		struct range v[256];
		size_t n = 0;

		memset(v, 0, sizeof(v));
		if (fr->tcp_reset) {
			v[n].lo[0] = v[n].hi[0] = IPPROTO_TCP;
			n++;
		} else {
			for (i = 0; i < pr->n_protos && n < 256; i++, n++)
				v[n].lo[0] = v[n].hi[0] = pr->protos[i];
		}
		zl_kn_meta(bt, r, NFT_META_L4PROTO);
		zl_kn_match_list(bt, r, loc, T_INET_PROTO, 1, BO_HOST, v, n);
	}
	if (pr->n_ports) {
		struct range *v = calloc(pr->n_ports, sizeof(*v));
		if (!v) {
			bt->oom = 1;
		} else {
			for (i = 0; i < pr->n_ports; i++) {
				v[i].lo[0] = (uint8_t)(pr->ports[i].lo >> 8);
				v[i].lo[1] = (uint8_t)pr->ports[i].lo;
				v[i].hi[0] = (uint8_t)(pr->ports[i].hi >> 8);
				v[i].hi[1] = (uint8_t)pr->ports[i].hi;
			}
			zl_kn_payload(bt, r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
			zl_kn_match_list(bt, r, loc, T_INET_SERVICE, 2, BO_BIG, v, pr->n_ports);
			free(v);
		}
	}
	if (fr->timed)
		time_match(bt, r, loc, &fr->time);
	zl_kn_expr(bt, r, "counter");
	if (pr->log) {
		struct nftnl_expr *e = zl_kn_expr(bt, r, "log");
		snprintf(text, sizeof(text), "zhulan %s:%d ", base, loc->line);
		if (e)
			nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, text);
	}
	switch (pr->action) {
	case ZL_PASS:
		zl_kn_verdict(bt, r, NF_ACCEPT);
		break;
	case ZL_BLOCK:
		zl_kn_verdict(bt, r, NF_DROP);
		break;
	case ZL_REJECT: {
		struct nftnl_expr *e = zl_kn_expr(bt, r, "reject");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE,
					   fr->tcp_reset ? NFT_REJECT_TCP_RST : NFT_REJECT_ICMPX_UNREACH);
			nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE,
					  fr->tcp_reset ? 0 : NFT_REJECT_ICMPX_ADMIN_PROHIBITED);
		}
		break;
	}
	}
	snprintf(text, sizeof(text), "%s:%d", base, loc->line);
	zl_kn_comment(r, text);
	zl_kn_rule_send(bt, r, loc);
}
