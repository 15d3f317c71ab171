/*
 * kernel_set.c - sets and their elements: ranges merged as nft's
 * auto-merge does, anonymous sets for a rule's lists, the policy's named
 * sets, the behaviour sets, and single elements added or deleted at run
 * time (kernel-int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel-int.h"

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

void zl_kn_prefix_range(const struct zl_prefix *p, struct range *r)
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

struct nftnl_set *zl_kn_new_set(const char *name, uint32_t flags, uint32_t type,
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
void zl_kn_send_set(struct batch *bt, struct nftnl_set *s, const struct zl_loc *loc,
		    const char *what)
{
	struct nftnl_set_elems_iter *it;
	struct nlmsghdr *nlh;

	nlh = zl_kn_msg(bt, NFT_MSG_NEWSET, NLM_F_CREATE, loc, "%s", what);
	if (!nlh)
		return;
	nftnl_set_nlmsg_build_payload(nlh, s);
	zl_kn_next(bt);
	if (!set_has_elems(s))
		return;
	it = nftnl_set_elems_iter_create(s);
	if (!it) {
		bt->oom = 1;
		return;
	}
	while (nftnl_set_elems_iter_cur(it)) {
		int more;

		nlh = zl_kn_msg(bt, NFT_MSG_NEWSETELEM, NLM_F_CREATE, loc, "%s", what);
		if (!nlh)
			break;
		more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it);
		zl_kn_next(bt);
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
	s = zl_kn_new_set("__set%d", NFT_SET_ANONYMOUS | NFT_SET_CONSTANT |
				     (interval ? NFT_SET_INTERVAL : 0),
			  type, len, byteorder, id, 0);
	if (!s) {
		bt->oom = 1;
		return id;
	}
	nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, (uint32_t)n);
	add_ranges(bt, s, v, n, len, interval);
	zl_kn_send_set(bt, s, loc, "rule");
	nftnl_set_free(s);
	return id;
}

/* Match the value in register 1 against a list: cmp for one value, a
 * pair of cmps for one range, an anonymous set for more. */
void zl_kn_match_list(struct batch *bt, struct nftnl_rule *r, const struct zl_loc *loc,
		      uint32_t type, uint32_t len, uint32_t byteorder, struct range *v,
		      size_t n)
{
	n = merge(v, n, len, has_range(v, n, len));
	if (n == 1 && !memcmp(v[0].lo, v[0].hi, len)) {
		zl_kn_cmp(bt, r, NFT_CMP_EQ, v[0].lo, len);
	} else if (n == 1 && byteorder == BO_BIG) {
		zl_kn_cmp(bt, r, NFT_CMP_GTE, v[0].lo, len);
		zl_kn_cmp(bt, r, NFT_CMP_LTE, v[0].hi, len);
	} else {
		uint32_t id = anon_set(bt, loc, type, len, byteorder, v, n);
		zl_kn_lookup(bt, r, "__set%d", id);
	}
}

void zl_kn_named_sets(struct batch *bt, const struct zl_policy *p)
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
			s = zl_kn_new_set(name, NFT_SET_INTERVAL, fam ? T_IP6ADDR : T_IPADDR,
					  (uint32_t)len, BO_BIG, ++bt->set_id, 1);
			if (!v || !s) {
				bt->oom = 1;
				free(v);
				if (s)
					nftnl_set_free(s);
				return;
			}
			for (j = 0; j < n; j++)
				zl_kn_prefix_range(&pv[j], &v[j]);
			n = merge(v, n, len, 1);
			add_ranges(bt, s, v, n, len, 1);
			zl_kn_send_set(bt, s, &ps->loc, what);
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

void zl_kn_behaviour_sets(struct batch *bt, const struct zl_kernel_pair *pairs, size_t n)
{
	uint32_t t4 = ((uint32_t)T_IPADDR << TYPE_BITS * 2) | (T_IPADDR << TYPE_BITS) | T_INET_SERVICE;
	uint32_t t6 = ((uint32_t)T_IP6ADDR << TYPE_BITS * 2) | (T_IP6ADDR << TYPE_BITS) | T_INET_SERVICE;
	struct nftnl_set *s;
	int fam;

	for (fam = 0; fam < 2; fam++) {
		s = zl_kn_new_set(fam ? BH_PAIR_V6 : BH_PAIR_V4, NFT_SET_TIMEOUT, fam ? t6 : t4,
				  fam ? 16 + 16 + 4 : 4 + 4 + 4, BO_BIG, ++bt->set_id, 0);
		if (!s) {
			bt->oom = 1;
			return;
		}
		pair_elems(bt, s, fam ? AF_INET6 : AF_INET, pairs, n);
		zl_kn_send_set(bt, s, NULL, fam ? "set \"" BH_PAIR_V6 "\"" : "set \"" BH_PAIR_V4 "\"");
		nftnl_set_free(s);
	}
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

	if (!s || !e || zl_kn_batch_init(&bt, k) < 0) {
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
	nlh = zl_kn_msg(&bt, del ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM, del ? 0 : NLM_F_CREATE, NULL,
			"element of set \"%.20s\"", set);
	if (nlh) {
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		zl_kn_next(&bt);
	}
	rc = zl_kn_batch_send(k, &bt, err, errlen);
	zl_kn_batch_free(&bt);
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
