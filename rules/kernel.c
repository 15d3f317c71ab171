/*
 * kernel.c - the flattened policy as libnftnl objects in one libmnl batch
 * (see kernel.h). The bytecode is what nft itself generates for the same
 * rules (checked against `nft --debug=netlink`), so `nft list table inet
 * zhulan` reads it back as the rules `zhulanctl policy compile` writes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

struct batch {
	struct nftnl_batch *b;
	struct origin *o;
	size_t n, cap;
	uint32_t seq, set_id;
	int oom;
};

struct zl_kernel *zl_kernel_open(char *err, size_t errlen)
{
	struct zl_kernel *k = calloc(1, sizeof(*k));
	int one = 1;

	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!k->nl || mnl_socket_bind(k->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "cannot open a netfilter netlink socket: %s", strerror(errno));
		if (k->nl)
			mnl_socket_close(k->nl);
		free(k);
		return NULL;
	}
	/* short acks, and the kernel's own words on errors */
	mnl_socket_setsockopt(k->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(k->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	k->portid = mnl_socket_get_portid(k->nl);
	k->seq = (uint32_t)time(NULL);
	return k;
}

void zl_kernel_close(struct zl_kernel *k)
{
	if (!k)
		return;
	mnl_socket_close(k->nl);
	free(k);
}

/* ---- building a batch ---- */

static struct nlmsghdr *msg(struct batch *bt, uint16_t type, uint16_t flags,
			    const struct zl_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static struct nlmsghdr *msg(struct batch *bt, uint16_t type, uint16_t flags,
			    const struct zl_loc *loc, const char *fmt, ...)
{
	struct origin *o;
	va_list ap;

	if (bt->n == bt->cap) {
		size_t n = bt->cap ? bt->cap * 2 : 64;
		struct origin *v = realloc(bt->o, n * sizeof(*v));
		if (!v) {
			bt->oom = 1;
			return NULL;
		}
		bt->o = v;
		bt->cap = n;
	}
	o = &bt->o[bt->n++];
	o->seq = bt->seq;
	o->loc = loc;
	va_start(ap, fmt);
	vsnprintf(o->what, sizeof(o->what), fmt, ap);
	va_end(ap);
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(bt->b), type, NFPROTO_INET,
				     flags | NLM_F_ACK, bt->seq++);
}

static void next(struct batch *bt)
{
	if (nftnl_batch_update(bt->b) < 0)
		bt->oom = 1;
}

static struct nftnl_expr *expr(struct batch *bt, struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (!e) {
		bt->oom = 1;
		return NULL;
	}
	nftnl_rule_add_expr(r, e);
	return e;
}

static void e_meta(struct batch *bt, struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = expr(bt, r, "meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
}

static void e_cmp(struct batch *bt, struct nftnl_rule *r, uint32_t op, const void *data,
		  uint32_t len)
{
	struct nftnl_expr *e = expr(bt, r, "cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
}

static void e_payload_to(struct batch *bt, struct nftnl_rule *r, uint32_t base, uint32_t off,
			 uint32_t len, uint32_t reg)
{
	struct nftnl_expr *e = expr(bt, r, "payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
	}
}

static void e_payload(struct batch *bt, struct nftnl_rule *r, uint32_t base, uint32_t off,
		      uint32_t len)
{
	e_payload_to(bt, r, base, off, len, NFT_REG_1);
}

static void e_bitwise(struct batch *bt, struct nftnl_rule *r, const void *mask, uint32_t len)
{
	struct nftnl_expr *e = expr(bt, r, "bitwise");
	static const uint8_t zero[16];

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
}

static void e_lookup(struct batch *bt, struct nftnl_rule *r, const char *set, uint32_t id)
{
	struct nftnl_expr *e = expr(bt, r, "lookup");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
	}
}

static void e_verdict(struct batch *bt, struct nftnl_rule *r, int verdict)
{
	struct nftnl_expr *e = expr(bt, r, "immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	}
}

/* ---- sets ---- */

struct range {
	uint8_t lo[16], hi[16];
};

static size_t keylen_of;        /* qsort has no context argument */

static int range_cmp(const void *a, const void *b)
{
	return memcmp(((const struct range *)a)->lo, ((const struct range *)b)->lo, keylen_of);
}

/* k + 1 in place; returns 1 if it wrapped (k was all ones). */
static int inc(uint8_t *k, size_t len)
{
	while (len--)
		if (++k[len])
			return 0;
	return 1;
}

/* Sort and merge overlapping ranges, and adjacent ones too when 'adjacent'
 * (interval sets, as nft's auto-merge does): the kernel refuses
 * overlapping intervals. Returns the count. */
static size_t merge(struct range *v, size_t n, size_t len, int adjacent)
{
	size_t i, out = 0;

	if (!n)
		return 0;
	keylen_of = len;
	qsort(v, n, sizeof(*v), range_cmp);
	for (i = 1; i < n; i++) {
		uint8_t after[16];
		int wrapped;

		memcpy(after, v[out].hi, len);
		wrapped = adjacent ? inc(after, len) : 0;
		if (wrapped || memcmp(v[i].lo, after, len) < (adjacent ? 1 : 0) ||
		    !memcmp(v[i].lo, v[out].hi, len)) {
			if (memcmp(v[i].hi, v[out].hi, len) > 0)
				memcpy(v[out].hi, v[i].hi, len);
		} else {
			v[++out] = v[i];
		}
	}
	return out + 1;
}

static void prefix_range(const struct zl_prefix *p, struct range *r)
{
	size_t len = p->family == AF_INET ? 4 : 16, i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < len; i++) {
		unsigned bits = p->len > i * 8 ? p->len - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		r->lo[i] = p->addr[i] & mask;
		r->hi[i] = p->addr[i] | (uint8_t)~mask;
	}
}

static void add_elem(struct batch *bt, struct nftnl_set *s, const void *key, size_t len,
		     int end)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e) {
		bt->oom = 1;
		return;
	}
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, (uint32_t)len);
	if (end)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	nftnl_set_elem_add(s, e);
}

/* Ranges (merged) or single keys as the elements of s. */
static void add_ranges(struct batch *bt, struct nftnl_set *s, struct range *v, size_t n,
		       size_t len, int interval)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t after[16];

		add_elem(bt, s, v[i].lo, len, 0);
		if (!interval)
			continue;
		memcpy(after, v[i].hi, len);
		if (!inc(after, len))
			add_elem(bt, s, after, len, 1);
	}
}

static struct nftnl_set *new_set(const char *name, uint32_t flags, uint32_t type,
				 uint32_t len, uint32_t byteorder, uint32_t id, int merge_flag)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_udata_buf *ud;

	if (!s)
		return NULL;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, ZL_KERNEL_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, len);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	if (ud) {
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, byteorder);
		if (merge_flag)
			nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_MERGE_ELEMENTS, 1);
		nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
				   nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	return s;
}

static int set_has_elems(struct nftnl_set *s)
{
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	int has = it && nftnl_set_elems_iter_cur(it);

	if (it)
		nftnl_set_elems_iter_destroy(it);
	return has;
}

/* NEWSET and as many NEWSETELEM messages as its elements need. */
static void send_set(struct batch *bt, struct nftnl_set *s, const struct zl_loc *loc,
		     const char *what)
{
	struct nftnl_set_elems_iter *it;
	struct nlmsghdr *nlh;

	nlh = msg(bt, NFT_MSG_NEWSET, NLM_F_CREATE, loc, "%s", what);
	if (!nlh)
		return;
	nftnl_set_nlmsg_build_payload(nlh, s);
	next(bt);
	if (!set_has_elems(s))
		return;
	it = nftnl_set_elems_iter_create(s);
	if (!it) {
		bt->oom = 1;
		return;
	}
	while (nftnl_set_elems_iter_cur(it)) {
		int more;

		nlh = msg(bt, NFT_MSG_NEWSETELEM, NLM_F_CREATE, loc, "%s", what);
		if (!nlh)
			break;
		more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it);
		next(bt);
		if (more <= 0)
			break;
	}
	nftnl_set_elems_iter_destroy(it);
}

/* An anonymous constant set for one rule's list; returns its id. */
static int has_range(const struct range *v, size_t n, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(v[i].lo, v[i].hi, len))
			return 1;
	return 0;
}

static uint32_t anon_set(struct batch *bt, const struct zl_loc *loc, uint32_t type,
			 uint32_t len, uint32_t byteorder, struct range *v, size_t n)
{
	int interval = has_range(v, n, len);
	uint32_t id = ++bt->set_id;
	struct nftnl_set *s;

	n = merge(v, n, len, interval);
	s = new_set("__set%d", NFT_SET_ANONYMOUS | NFT_SET_CONSTANT |
				   (interval ? NFT_SET_INTERVAL : 0),
		    type, len, byteorder, id, 0);
	if (!s) {
		bt->oom = 1;
		return id;
	}
	nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, (uint32_t)n);
	add_ranges(bt, s, v, n, len, interval);
	send_set(bt, s, loc, "rule");
	nftnl_set_free(s);
	return id;
}

/* Match the value in register 1 against a list: cmp for one value, a
 * pair of cmps for one range, an anonymous set for more. */
static void match_list(struct batch *bt, struct nftnl_rule *r, const struct zl_loc *loc,
		       uint32_t type, uint32_t len, uint32_t byteorder, struct range *v,
		       size_t n)
{
	n = merge(v, n, len, has_range(v, n, len));
	if (n == 1 && !memcmp(v[0].lo, v[0].hi, len)) {
		e_cmp(bt, r, NFT_CMP_EQ, v[0].lo, len);
	} else if (n == 1 && byteorder == BO_BIG) {
		e_cmp(bt, r, NFT_CMP_GTE, v[0].lo, len);
		e_cmp(bt, r, NFT_CMP_LTE, v[0].hi, len);
	} else {
		uint32_t id = anon_set(bt, loc, type, len, byteorder, v, n);
		e_lookup(bt, r, "__set%d", id);
	}
}

static void named_sets(struct batch *bt, const struct zl_policy *p)
{
	size_t i, j;

	for (i = 0; i < p->n_sets; i++) {
		const struct zl_set *ps = &p->sets[i];
		int fam;

		for (fam = 0; fam < 2; fam++) {
			const struct zl_prefix *pv = fam ? ps->v6 : ps->v4;
			size_t n = fam ? ps->n_v6 : ps->n_v4, len = fam ? 16 : 4;
			struct range *v = calloc(n ? n : 1, sizeof(*v));
			struct nftnl_set *s;
			char name[300], what[40];

			snprintf(name, sizeof(name), "%s_v%d", ps->name, fam ? 6 : 4);
			snprintf(what, sizeof(what), "set \"%.24s\"", ps->name);
			s = new_set(name, NFT_SET_INTERVAL, fam ? T_IP6ADDR : T_IPADDR,
				    (uint32_t)len, BO_BIG, ++bt->set_id, 1);
			if (!v || !s) {
				bt->oom = 1;
				free(v);
				if (s)
					nftnl_set_free(s);
				return;
			}
			for (j = 0; j < n; j++)
				prefix_range(&pv[j], &v[j]);
			n = merge(v, n, len, 1);
			add_ranges(bt, s, v, n, len, 1);
			send_set(bt, s, &ps->loc, what);
			nftnl_set_free(s);
			free(v);
		}
	}
}

/* The behaviour sets (client address . server address . port, with
 * timeouts), present in every table so that entries can be added the
 * moment a flow is named. */
static size_t pair_key(const struct zl_kernel_pair *p, uint8_t key[40])
{
	size_t a = p->family == AF_INET ? 4 : 16;

	memset(key, 0, 40);
	memcpy(key, p->client, a);
	memcpy(key + a, p->server, a);
	key[2 * a] = (uint8_t)(p->port >> 8);
	key[2 * a + 1] = (uint8_t)p->port;
	return 2 * a + 4;       /* the port takes a 4-byte register */
}

static void pair_elems(struct batch *bt, struct nftnl_set *s, int family,
		       const struct zl_kernel_pair *pairs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct nftnl_set_elem *e;
		uint8_t key[40];
		size_t len;

		if (pairs[i].family != family)
			continue;
		if (!(e = nftnl_set_elem_alloc())) {
			bt->oom = 1;
			return;
		}
		len = pair_key(&pairs[i], key);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, (uint32_t)len);
		if (pairs[i].timeout_ms)
			nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT, pairs[i].timeout_ms);
		nftnl_set_elem_add(s, e);
	}
}

static void behaviour_sets(struct batch *bt, const struct zl_kernel_pair *pairs, size_t n)
{
	uint32_t t4 = ((uint32_t)T_IPADDR << TYPE_BITS * 2) | (T_IPADDR << TYPE_BITS) | T_INET_SERVICE;
	uint32_t t6 = ((uint32_t)T_IP6ADDR << TYPE_BITS * 2) | (T_IP6ADDR << TYPE_BITS) | T_INET_SERVICE;
	struct nftnl_set *s;
	int fam;

	for (fam = 0; fam < 2; fam++) {
		s = new_set(fam ? BH_PAIR_V6 : BH_PAIR_V4, NFT_SET_TIMEOUT, fam ? t6 : t4,
			    fam ? 16 + 16 + 4 : 4 + 4 + 4, BO_BIG, ++bt->set_id, 0);
		if (!s) {
			bt->oom = 1;
			return;
		}
		pair_elems(bt, s, fam ? AF_INET6 : AF_INET, pairs, n);
		send_set(bt, s, NULL, fam ? "set \"" BH_PAIR_V6 "\"" : "set \"" BH_PAIR_V4 "\"");
		nftnl_set_free(s);
	}
}

/* ---- rules ---- */

static void nfproto(struct batch *bt, struct nftnl_rule *r, int family)
{
	uint8_t v = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	e_meta(bt, r, NFT_META_NFPROTO);
	e_cmp(bt, r, NFT_CMP_EQ, &v, 1);
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
	e_meta(bt, r, in ? NFT_META_IIFNAME : NFT_META_OIFNAME);
	for (i = 0; i < z->n_ifaces; i++) {
		strncpy((char *)v[i].lo, z->ifaces[i].s, IFNAMSIZ - 1);
		memcpy(v[i].hi, v[i].lo, IFNAMSIZ);
	}
	match_list(bt, r, loc, T_IFNAME, IFNAMSIZ, BO_HOST, v, z->n_ifaces);
	free(v);
}

static void address(struct batch *bt, struct nftnl_rule *r, const struct zl_flat_ep *e,
		    int family, int src)
{
	if (e->set) {
		char name[300];
		uint32_t off = family == AF_INET ? (src ? 12 : 16) : (src ? 8 : 24);

		snprintf(name, sizeof(name), "%s_v%d", e->set->name, family == AF_INET ? 4 : 6);
		e_payload(bt, r, NFT_PAYLOAD_NETWORK_HEADER, off, family == AF_INET ? 4 : 16);
		e_lookup(bt, r, name, 0);
	}
	if (e->prefix) {
		const struct zl_prefix *p = e->prefix;
		uint32_t off = p->family == AF_INET ? (src ? 12 : 16) : (src ? 8 : 24);
		uint32_t full = p->family == AF_INET ? 4 : 16, len;
		struct range rg;

		if (!p->len)
			return;        /* 0.0.0.0/0: the family check says it all */
		prefix_range(p, &rg);
		/* whole bytes: load only those, as nft does */
		len = p->len % 8 ? full : p->len / 8;
		e_payload(bt, r, NFT_PAYLOAD_NETWORK_HEADER, off, len);
		if (p->len % 8) {
			uint8_t mask[16] = { 0 };
			unsigned b;
			for (b = 0; b < p->len; b++)
				mask[b / 8] |= (uint8_t)(0x80 >> (b % 8));
			e_bitwise(bt, r, mask, full);
		}
		e_cmp(bt, r, NFT_CMP_EQ, rg.lo, len);
	}
}

static void ct_state(struct batch *bt, struct nftnl_rule *r, uint32_t bits)
{
	struct nftnl_expr *e = expr(bt, r, "ct");
	uint32_t zero = 0;

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	}
	e_bitwise(bt, r, &bits, 4);
	e_cmp(bt, r, NFT_CMP_NEQ, &zero, 4);
}

static struct nftnl_rule *rule_new(const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (r) {
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, ZL_KERNEL_TABLE);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
		nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	}
	return r;
}

static void rule_send(struct batch *bt, struct nftnl_rule *r, const struct zl_loc *loc)
{
	struct nlmsghdr *nlh = msg(bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, loc, "rule");

	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		next(bt);
	}
	nftnl_rule_free(r);
}

static void comment(struct nftnl_rule *r, const char *text)
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
		e_meta(bt, r, NFT_META_TIME_DAY);
		match_list(bt, r, loc, T_DAY, 1, BO_HOST, days, n);
	}
	if (t->start_s != 0 || t->end_s != 86399) {
		struct nftnl_expr *e;
		uint32_t lo = htonl(t->start_s), hi = htonl(t->end_s);

		e_meta(bt, r, NFT_META_TIME_HOUR);
		e = expr(bt, r, "byteorder");
		if (e) {
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, NFT_REG_1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, 4);
			nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, 4);
		}
		e_cmp(bt, r, NFT_CMP_GTE, &lo, 4);
		e_cmp(bt, r, NFT_CMP_LTE, &hi, 4);
	}
}

static void flat_rule(struct batch *bt, const char *chain, const struct zl_flat_rule *fr)
{
	const struct zl_rule *pr = fr->src;
	const struct zl_loc *loc = &pr->loc;
	struct nftnl_rule *r = rule_new(chain);
	const char *base = strrchr(loc->file, '/');
	char text[300];
	size_t i;

	if (!r) {
		bt->oom = 1;
		return;
	}
	base = base ? base + 1 : loc->file;
	if (fr->family && !fr->from.set && !fr->to.set && !fr->from.prefix && !fr->to.prefix)
		nfproto(bt, r, fr->family);
	/* nft's order: each side's interface, then its address */
	if (fr->from.zone)
		ifnames(bt, r, loc, fr->from.zone, 1);
	if (fr->from.set || fr->from.prefix) {
		nfproto(bt, r, fr->family ? fr->family : fr->from.prefix->family);
		address(bt, r, &fr->from, fr->family, 1);
	}
	if (fr->to.zone)
		ifnames(bt, r, loc, fr->to.zone, 0);
	if (fr->to.set || fr->to.prefix) {
		if (!fr->from.set && !fr->from.prefix)
			nfproto(bt, r, fr->family ? fr->family : fr->to.prefix->family);
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
		e_meta(bt, r, NFT_META_L4PROTO);
		match_list(bt, r, loc, T_INET_PROTO, 1, BO_HOST, v, n);
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
			e_payload(bt, r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
			match_list(bt, r, loc, T_INET_SERVICE, 2, BO_BIG, v, pr->n_ports);
			free(v);
		}
	}
	if (fr->timed)
		time_match(bt, r, loc, &fr->time);
	expr(bt, r, "counter");
	if (pr->log) {
		struct nftnl_expr *e = expr(bt, r, "log");
		snprintf(text, sizeof(text), "zhulan %s:%d ", base, loc->line);
		if (e)
			nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, text);
	}
	switch (pr->action) {
	case ZL_PASS:
		e_verdict(bt, r, NF_ACCEPT);
		break;
	case ZL_BLOCK:
		e_verdict(bt, r, NF_DROP);
		break;
	case ZL_REJECT: {
		struct nftnl_expr *e = expr(bt, r, "reject");
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
	comment(r, text);
	rule_send(bt, r, loc);
}

/* The rules every chain starts with: replies and related traffic pass,
 * broken packets never do, the gateway talks to itself over loopback. */
static void chain_head(struct batch *bt, const char *chain, enum zl_hook hook)
{
	struct nftnl_rule *r;

	r = rule_new(chain);
	if (r) {
		ct_state(bt, r, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED));
		e_verdict(bt, r, NF_ACCEPT);
		rule_send(bt, r, NULL);
	}
	if (hook == ZL_OUTPUT) {
		uint32_t mark = ZL_KERNEL_MARK;
		r = rule_new(chain);
		if (r) {
			e_meta(bt, r, NFT_META_MARK);
			e_cmp(bt, r, NFT_CMP_EQ, &mark, 4);
			e_verdict(bt, r, NF_ACCEPT);
			rule_send(bt, r, NULL);
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
		r = rule_new(chain);
		if (r) {
			uint8_t l4 = IPPROTO_ICMPV6;
			nfproto(bt, r, AF_INET6);
			e_meta(bt, r, NFT_META_L4PROTO);
			e_cmp(bt, r, NFT_CMP_EQ, &l4, 1);
			e_payload(bt, r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
			match_list(bt, r, NULL, T_ICMP6_TYPE, 1, BO_HOST, v, 3);
			e_verdict(bt, r, NF_ACCEPT);
			rule_send(bt, r, NULL);
		}
	}
	r = rule_new(chain);
	if (r) {
		ct_state(bt, r, NF_CT_STATE_INVALID_BIT);
		e_verdict(bt, r, NF_DROP);
		rule_send(bt, r, NULL);
	}
	if (hook == ZL_INPUT || hook == ZL_OUTPUT) {
		uint32_t lo = if_nametoindex("lo");
		r = rule_new(chain);
		if (r) {
			e_meta(bt, r, hook == ZL_INPUT ? NFT_META_IIF : NFT_META_OIF);
			lo = lo ? lo : 1;
			e_cmp(bt, r, NFT_CMP_EQ, &lo, 4);
			e_verdict(bt, r, NF_ACCEPT);
			rule_send(bt, r, NULL);
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
	nlh = msg(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE, NULL, "chain behaviour");
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		next(bt);
	}
	nftnl_chain_free(c);
	for (fam = 0; fam < 2; fam++)
		for (rev = 0; rev < 2; rev++)
			for (tcp = 1; tcp >= 0; tcp--) {
				struct nftnl_rule *r = rule_new("behaviour");
				uint32_t alen = fam ? 16 : 4, src = fam ? 8 : 12, dst = fam ? 24 : 16;
				uint8_t l4 = IPPROTO_TCP;

				if (!r) {
					bt->oom = 1;
					return;
				}
				if (tcp) {
					e_meta(bt, r, NFT_META_L4PROTO);
					e_cmp(bt, r, NFT_CMP_EQ, &l4, 1);
				}
				nfproto(bt, r, fam ? AF_INET6 : AF_INET);
				/* client . server . port: the client is the source
				 * going out, the destination coming back */
				e_payload_to(bt, r, NFT_PAYLOAD_NETWORK_HEADER, rev ? dst : src, alen,
					     NFT_REG_1);
				e_payload_to(bt, r, NFT_PAYLOAD_NETWORK_HEADER, rev ? src : dst, alen,
					     fam ? NFT_REG_2 : NFT_REG32_01);
				e_payload_to(bt, r, NFT_PAYLOAD_TRANSPORT_HEADER, rev ? 0 : 2, 2,
					     fam ? NFT_REG_3 : NFT_REG32_02);
				e_lookup(bt, r, fam ? BH_PAIR_V6 : BH_PAIR_V4, 0);
				expr(bt, r, "counter");
				if (tcp) {
					struct nftnl_expr *e = expr(bt, r, "reject");
					if (e) {
						nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
						nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
					}
				} else {
					e_verdict(bt, r, NF_DROP);
				}
				comment(r, "behaviour");
				rule_send(bt, r, NULL);
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
	struct nftnl_rule *r = rule_new("behaviour");
	struct nftnl_expr *dyn, *lim;
	uint32_t alen = v6 ? 16 : 4, src = v6 ? 8 : 12, dst = v6 ? 24 : 16;
	/* 32-bit registers from NFT_REG32_00: addr, port, addr, port */
	uint32_t r0 = NFT_REG32_00, r1 = r0 + alen / 4, r2 = r1 + 1, r3 = r2 + alen / 4;
	int load;

	if (!r) {
		bt->oom = 1;
		return;
	}
	nfproto(bt, r, v6 ? AF_INET6 : AF_INET);
	for (load = 0; load < 2; load++) {
		/* server . sport . client . cport: the source going down, the
		 * destination going up */
		e_payload_to(bt, r, NFT_PAYLOAD_NETWORK_HEADER, up ? dst : src, alen, r0);
		e_payload_to(bt, r, NFT_PAYLOAD_TRANSPORT_HEADER, up ? 2 : 0, 2, r1);
		e_payload_to(bt, r, NFT_PAYLOAD_NETWORK_HEADER, up ? src : dst, alen, r2);
		e_payload_to(bt, r, NFT_PAYLOAD_TRANSPORT_HEADER, up ? 0 : 2, 2, r3);
		if (load == 0) {
			struct nftnl_expr *e = expr(bt, r, "lookup");
			if (e) {
				nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, r0);
				nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
			}
		}
	}
	lim = nftnl_expr_alloc("limit");
	dyn = expr(bt, r, "dynset");
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
	expr(bt, r, "counter");
	e_verdict(bt, r, NF_DROP);
	comment(r, "behaviour limit");
	rule_send(bt, r, loc);
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
			s = new_set(set, NFT_SET_TIMEOUT, lim_type(v6), len, BO_BIG, ++bt->set_id, 0);
			if (!s) {
				bt->oom = 1;
				return;
			}
			send_set(bt, s, &br->loc, "limit rule");
			nftnl_set_free(s);
			for (up = 0; up < 2; up++) {
				snprintf(meter, sizeof(meter), "bh_meter%zu%c_v%d", i, up ? 'u' : 'd', v6 ? 6 : 4);
				s = new_set(meter, NFT_SET_TIMEOUT | NFT_SET_EVAL, lim_type(v6), len, BO_BIG,
					    ++bt->set_id, 0);
				if (!s) {
					bt->oom = 1;
					return;
				}
				nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, LIM_TIMEOUT_MS);
				nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, 65535);
				send_set(bt, s, &br->loc, "limit rule");
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
	nlh = msg(bt, type, flags, NULL, "table inet " ZL_KERNEL_TABLE);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		next(bt);
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
		nlh = msg(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE, &flt->loc, "filter %s", name);
		if (nlh) {
			nftnl_chain_nlmsg_build_payload(nlh, c);
			next(bt);
		}
		nftnl_chain_free(c);
		chain_head(bt, name, flt->hook);
		for (j = 0; j < f->chains[i].n; j++)
			flat_rule(bt, name, &f->chains[i].rules[j]);
	}
}

/* ---- sending ---- */

static int batch_init(struct batch *bt, struct zl_kernel *k)
{
	memset(bt, 0, sizeof(*bt));
	/* pages of 128 KiB, each with room for one whole 64 KiB message */
	bt->b = nftnl_batch_alloc(32 * 4096, 65536 + 4096);
	if (!bt->b)
		return -1;
	bt->seq = k->seq;
	nftnl_batch_begin(nftnl_batch_buffer(bt->b), bt->seq++);
	next(bt);
	return 0;
}

static void batch_free(struct batch *bt)
{
	if (bt->b)
		nftnl_batch_free(bt->b);
	free(bt->o);
}

static const struct origin *origin_of(const struct batch *bt, uint32_t seq)
{
	size_t i;

	for (i = 0; i < bt->n; i++)
		if (bt->o[i].seq == seq)
			return &bt->o[i];
	return NULL;
}

static void describe(const struct batch *bt, uint32_t seq, int error, const char *ext,
		     char *err, size_t errlen)
{
	const struct origin *o = origin_of(bt, seq);
	char reason[300];

	snprintf(reason, sizeof(reason), "%s%s%s%s", strerror(error), ext ? " (" : "",
		 ext ? ext : "", ext ? ")" : "");
	if (o && o->loc)
		snprintf(err, errlen, "%s:%d:%d: the kernel refused this %s: %s", o->loc->file,
			 o->loc->line, o->loc->col, o->what, reason);
	else if (o)
		snprintf(err, errlen, "the kernel refused the %s: %s", o->what, reason);
	else
		snprintf(err, errlen, "the kernel refused the ruleset: %s", reason);
}

static void buffers(struct zl_kernel *k, size_t len)
{
	int fd = mnl_socket_get_fd(k->nl);
	int v = (int)(len + 65536);

	/* the whole batch goes in one sendmsg; FORCE needs CAP_NET_ADMIN */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	v = 4 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

/* Send the batch (ended here) and read one answer per message. */
static int batch_send(struct zl_kernel *k, struct batch *bt, char *err, size_t errlen)
{
	struct msghdr mh;
	struct iovec *iov;
	int niov, fd = mnl_socket_get_fd(k->nl), rc = 0;
	size_t want = bt->n, got = 0, total = 0, i;
	uint32_t first_bad = 0;
	int first_err = 0;
	char ext[256] = "";
	char *buf;

	nftnl_batch_end(nftnl_batch_buffer(bt->b), bt->seq++);
	next(bt);
	k->seq = bt->seq;
	if (bt->oom) {
		snprintf(err, errlen, "out of memory building the ruleset");
		return -1;
	}
	niov = nftnl_batch_iovec_len(bt->b);
	iov = calloc((size_t)niov, sizeof(*iov));
	buf = malloc(MNL_SOCKET_BUFFER_SIZE * 4);
	if (!iov || !buf) {
		free(iov);
		free(buf);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nftnl_batch_iovec(bt->b, iov, (uint32_t)niov);
	for (i = 0; i < (size_t)niov; i++)
		total += iov[i].iov_len;
	buffers(k, total);
	memset(&mh, 0, sizeof(mh));
	{
		struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
		mh.msg_name = &snl;
		mh.msg_namelen = sizeof(snl);
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)niov;
		if (sendmsg(fd, &mh, 0) < 0) {
			snprintf(err, errlen, "cannot send the ruleset to the kernel (%zu bytes): %s",
				 total, strerror(errno));
			free(iov);
			free(buf);
			return -1;
		}
	}
	free(iov);
	while (got < want) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		const struct nlmsghdr *nlh;
		ssize_t n;
		int left;

		if (poll(&pfd, 1, 10000) <= 0) {
			snprintf(err, errlen, "no answer from the kernel after 10 s (%zu of %zu)",
				 got, want);
			rc = -1;
			break;
		}
		n = recv(fd, buf, MNL_SOCKET_BUFFER_SIZE * 4, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "reading the kernel's answer: %s", strerror(errno));
			rc = -1;
			break;
		}
		left = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *e;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			got++;
			if (e->error && (!first_err || nlh->nlmsg_seq < first_bad)) {
				first_err = -e->error;
				first_bad = nlh->nlmsg_seq;
				ext[0] = 0;
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
					/* with NETLINK_CAP_ACK the TLVs follow the header */
					const struct nlattr *a;
					size_t off = sizeof(*e);
					mnl_attr_for_each(a, nlh, off)
						if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
							snprintf(ext, sizeof(ext), "%s", mnl_attr_get_str(a));
				}
			}
			/* an error against the batch itself ends it */
			if (e->error && !origin_of(bt, nlh->nlmsg_seq))
				got = want;
		}
	}
	free(buf);
	if (first_err) {
		describe(bt, first_bad, first_err, ext[0] ? ext : NULL, err, errlen);
		return -1;
	}
	return rc;
}

/* Replace `inet zhulan` by f with its blocks, or (f NULL) remove it: one
 * transaction that declares, deletes and defines, whatever was there. */
static int replace_table(struct zl_kernel *k, const struct zl_flat *f,
			 const struct zl_kernel_pair *pairs, size_t n, char *err, size_t errlen)
{
	struct batch bt;
	int rc;

	if (batch_init(&bt, k) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	table_msg(&bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	table_msg(&bt, NFT_MSG_DELTABLE, 0);
	if (f) {
		table_msg(&bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		named_sets(&bt, f->policy);
		behaviour_sets(&bt, pairs, n);
		behaviour_chain(&bt);
		limit_sets(&bt, f->policy);
		chains(&bt, f);
	}
	rc = batch_send(k, &bt, err, errlen);
	batch_free(&bt);
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

/* One element added (timeout_ms > 0 or 0: none) or deleted (del). */
static int set_elem(struct zl_kernel *k, const char *set, const void *key, size_t len,
		    uint64_t timeout_ms, int del, char *err, size_t errlen)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	struct batch bt;
	struct nlmsghdr *nlh;
	int rc;

	if (!s || !e || batch_init(&bt, k) < 0) {
		if (s)
			nftnl_set_free(s);
		if (e)
			nftnl_set_elem_free(e);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nftnl_set_set_str(s, NFTNL_SET_TABLE, ZL_KERNEL_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, (uint32_t)len);
	if (timeout_ms)
		nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT, timeout_ms);
	nftnl_set_elem_add(s, e);
	nlh = msg(&bt, del ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM, del ? 0 : NLM_F_CREATE, NULL,
		  "element of set \"%.20s\"", set);
	if (nlh) {
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		next(&bt);
	}
	rc = batch_send(k, &bt, err, errlen);
	batch_free(&bt);
	nftnl_set_free(s);
	return rc;
}

int zl_kernel_set_add(struct zl_kernel *k, const char *set, const void *key, size_t len,
		      uint64_t timeout_ms, char *err, size_t errlen)
{
	return set_elem(k, set, key, len, timeout_ms, 0, err, errlen);
}

int zl_kernel_limit_add(struct zl_kernel *k, unsigned rule, const struct zl_kernel_pair *p,
			uint16_t client_port, char *err, size_t errlen)
{
	uint8_t key[48];
	size_t a = p->family == AF_INET ? 4 : 16;
	char set[48];

	memset(key, 0, sizeof(key));
	memcpy(key, p->server, a);
	key[a] = (uint8_t)(p->port >> 8);
	key[a + 1] = (uint8_t)p->port;
	memcpy(key + a + 4, p->client, a);
	key[2 * a + 4] = (uint8_t)(client_port >> 8);
	key[2 * a + 5] = (uint8_t)client_port;
	snprintf(set, sizeof(set), "bh_lim%u_v%d", rule, p->family == AF_INET ? 4 : 6);
	return zl_kernel_set_add(k, set, key, 2 * a + 8, p->timeout_ms, err, errlen);
}

int zl_kernel_pair_del(struct zl_kernel *k, const struct zl_kernel_pair *p, char *err,
		       size_t errlen)
{
	uint8_t key[40];
	size_t len = pair_key(p, key);

	return set_elem(k, p->family == AF_INET ? BH_PAIR_V4 : BH_PAIR_V6, key, len, 0, 1, err,
			errlen);
}

int zl_kernel_pair_add(struct zl_kernel *k, const struct zl_kernel_pair *p, char *err,
		       size_t errlen)
{
	uint8_t key[40];
	size_t len = pair_key(p, key);

	return zl_kernel_set_add(k, p->family == AF_INET ? BH_PAIR_V4 : BH_PAIR_V6, key, len,
				 p->timeout_ms, err, errlen);
}

/* ---- reading back ---- */

struct dump {
	void (*cb)(const struct zl_kernel_rule *r, void *ud);
	void *ud;
	int count;
};

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT)
		*(const char **)data = nftnl_udata_get(attr);
	return 0;
}

static int counter_cb(struct nftnl_expr *e, void *data)
{
	struct zl_kernel_rule *kr = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (name && !strcmp(name, "counter")) {
		kr->has_counter = 1;
		kr->packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		kr->bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	}
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct zl_kernel_rule kr;
	uint32_t ulen = 0;
	const void *u;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	memset(&kr, 0, sizeof(kr));
	kr.chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	kr.handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	u = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &ulen);
	if (u)
		nftnl_udata_parse(u, ulen, comment_cb, &kr.comment);
	nftnl_expr_foreach(r, counter_cb, &kr);
	d->cb(&kr, d->ud);
	d->count++;
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* Send one request and run cb over the answers until the end. */
static int request(struct zl_kernel *k, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		   char *err, size_t errlen)
{
	char *buf = malloc(MNL_SOCKET_BUFFER_SIZE * 4);
	uint32_t seq = nlh->nlmsg_seq;
	int ret;

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (mnl_socket_sendto(k->nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, errlen, "cannot ask the kernel: %s", strerror(errno));
		free(buf);
		return -1;
	}
	do {
		ssize_t n = mnl_socket_recvfrom(k->nl, buf, MNL_SOCKET_BUFFER_SIZE * 4);
		if (n < 0) {
			ret = -1;
			break;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, k->portid, cb, data);
	} while (ret > 0);
	free(buf);
	if (ret < 0) {
		if (errno != ENOENT)
			snprintf(err, errlen, "reading the kernel's table: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int zl_kernel_rules(struct zl_kernel *k,
		    void (*cb)(const struct zl_kernel_rule *r, void *ud), void *ud,
		    char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	struct dump d = { cb, ud, 0 };
	int rc;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, k->seq++);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, ZL_KERNEL_TABLE);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	rc = request(k, nlh, rule_cb, &d, err, errlen);
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? -1 : d.count;
}

int zl_kernel_table_exists(struct zl_kernel *k, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	int rc;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, k->seq++);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, ZL_KERNEL_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	rc = request(k, nlh, NULL, NULL, err, errlen);
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? -1 : 1;
}
