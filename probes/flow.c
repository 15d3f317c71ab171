/*
 * flow.c - bounded bidirectional flow table.
 *
 * Records live in slabs handed out from a free list, so the packet path
 * allocates only when the table grows past what it has ever held. Each live
 * flow is on exactly one idle list; a list holds flows with one timeout in
 * order of last packet, so expiry only ever looks at list heads.
 */
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <sodium.h>

#include "flow.h"

enum {
	LIST_TCP,          /* established TCP */
	LIST_TCP_HALF,     /* TCP seen one way only (SYN scans land here) */
	LIST_TCP_CLOSED,   /* FIN both ways or RST */
	LIST_UDP,
	LIST_OTHER,
	LIST_MAX
};

#define SLAB_FLOWS 1024

struct node {
	struct zl_flow f;
	struct node *hnext, *prev, *next;
	uint32_t hash;
	uint8_t list;
};

struct list {
	struct node *head, *tail;
	uint64_t timeout_us;
};

struct slab {
	struct slab *next;
	struct node nodes[SLAB_FLOWS];
};

struct zl_flowtab {
	struct zl_flowtab_opts o;
	zl_flow_end_fn on_end;
	void *ud;
	struct node **buckets;
	uint32_t mask;
	unsigned char hkey[crypto_shorthash_KEYBYTES];  /* this table's secret */
	struct list lists[LIST_MAX];
	struct node *free;
	struct slab *slabs;
	uint64_t nslabs;
	struct zl_flowtab_stats st;
};

static const char *const end_names[ZL_END_MAX] = {
	[ZL_END_NONE] = "none", [ZL_END_IDLE] = "idle", [ZL_END_FIN] = "fin",
	[ZL_END_RST] = "rst", [ZL_END_EVICTED] = "evicted", [ZL_END_EOF] = "eof",
	[ZL_END_SHUTDOWN] = "shutdown",
};

const char *zl_end_name(int reason)
{
	if (reason < 0 || reason >= ZL_END_MAX)
		return "unknown";
	return end_names[reason];
}

void zl_flowtab_opts_default(struct zl_flowtab_opts *o)
{
	o->max_flows = 1u << 20;
	o->timeout_tcp = 300;
	o->timeout_tcp_half = 30;
	o->timeout_tcp_closed = 10;
	o->timeout_udp = 60;
	o->timeout_other = 30;
}

struct zl_flowtab *zl_flowtab_new(const struct zl_flowtab_opts *o,
				  zl_flow_end_fn on_end, void *ud)
{
	struct zl_flowtab *t = calloc(1, sizeof(*t));
	uint32_t n = 1024;

	if (!t || sodium_init() < 0) {
		free(t);
		return NULL;
	}
	randombytes_buf(t->hkey, sizeof(t->hkey));
	t->o = *o;
	if (t->o.max_flows < 1)
		t->o.max_flows = 1;
	while (n < t->o.max_flows && n < (1u << 30))
		n <<= 1;
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->mask = n - 1;
	t->on_end = on_end;
	t->ud = ud;
	t->lists[LIST_TCP].timeout_us = (uint64_t)o->timeout_tcp * 1000000;
	t->lists[LIST_TCP_HALF].timeout_us = (uint64_t)o->timeout_tcp_half * 1000000;
	t->lists[LIST_TCP_CLOSED].timeout_us = (uint64_t)o->timeout_tcp_closed * 1000000;
	t->lists[LIST_UDP].timeout_us = (uint64_t)o->timeout_udp * 1000000;
	t->lists[LIST_OTHER].timeout_us = (uint64_t)o->timeout_other * 1000000;
	return t;
}

void zl_flowtab_free(struct zl_flowtab *t)
{
	struct slab *s, *next;

	if (!t)
		return;
	for (s = t->slabs; s; s = next) {
		next = s->next;
		free(s);
	}
	free(t->buckets);
	free(t);
}

int zl_flow_key_of(const struct zl_pkt *p, struct zl_flow_key *k)
{
	int c = memcmp(p->src, p->dst, 16);
	int forward = c < 0 || (c == 0 && p->sport <= p->dport);

	if (forward) {
		memcpy(k->a, p->src, 16);
		memcpy(k->b, p->dst, 16);
		k->pa = p->sport;
		k->pb = p->dport;
	} else {
		memcpy(k->a, p->dst, 16);
		memcpy(k->b, p->src, 16);
		k->pa = p->dport;
		k->pb = p->sport;
	}
	k->vlan = p->vlan;
	k->proto = p->l4proto;
	k->ipver = p->ip_version;
	return forward;
}

/*
 * SipHash-2-4 over the 40-byte key with the table's random secret: a LAN
 * host that crafts addresses and ports cannot pile its flows into one
 * bucket without knowing the secret. The key is canonical, so both
 * directions of a flow hash alike.
 */
static uint32_t key_hash(const struct zl_flowtab *t, const struct zl_flow_key *k)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	_Static_assert(sizeof(*k) == 40, "flow key must be 40 packed bytes");
	_Static_assert(sizeof(out) == sizeof(h), "SipHash gives 64 bits");
	crypto_shorthash(out, (const unsigned char *)k, sizeof(*k), t->hkey);
	memcpy(&h, out, sizeof(h));
	return (uint32_t)(h ^ (h >> 32));
}

static void list_unlink(struct zl_flowtab *t, struct node *n)
{
	struct list *l = &t->lists[n->list];

	if (n->prev)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		l->tail = n->prev;
	n->prev = n->next = NULL;
}

static void list_append(struct zl_flowtab *t, struct node *n, int which)
{
	struct list *l = &t->lists[which];

	n->list = (uint8_t)which;
	n->next = NULL;
	n->prev = l->tail;
	if (l->tail)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
}

static void hash_unlink(struct zl_flowtab *t, struct node *n)
{
	struct node **pp = &t->buckets[n->hash & t->mask];

	while (*pp && *pp != n)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = n->hnext;
	n->hnext = NULL;
}

static void end_flow(struct zl_flowtab *t, struct node *n, int reason)
{
	n->f.end_reason = (uint8_t)reason;
	if (t->on_end)
		t->on_end(&n->f, t->ud);
	list_unlink(t, n);
	hash_unlink(t, n);
	n->hnext = t->free;
	t->free = n;
	t->st.live--;
	t->st.ended++;
}

/* The reason a flow on 'list' ends when its timeout runs out. */
static int idle_reason(const struct node *n)
{
	if (n->list != LIST_TCP_CLOSED)
		return ZL_END_IDLE;
	if ((n->f.tcp_flags[0] | n->f.tcp_flags[1]) & 0x04)
		return ZL_END_RST;
	return ZL_END_FIN;
}

static int grow(struct zl_flowtab *t)
{
	struct slab *s = malloc(sizeof(*s));
	int i;

	if (!s)
		return -1;
	s->next = t->slabs;
	t->slabs = s;
	t->nslabs++;
	for (i = SLAB_FLOWS - 1; i >= 0; i--) {
		s->nodes[i].hnext = t->free;
		t->free = &s->nodes[i];
	}
	return 0;
}

/* Evict the flow whose idle deadline comes first. */
static void evict_one(struct zl_flowtab *t)
{
	struct node *best = NULL;
	uint64_t best_deadline = UINT64_MAX;
	int i;

	for (i = 0; i < LIST_MAX; i++) {
		struct node *h = t->lists[i].head;
		if (h && h->f.last_us + t->lists[i].timeout_us < best_deadline) {
			best = h;
			best_deadline = h->f.last_us + t->lists[i].timeout_us;
		}
	}
	if (best) {
		t->st.evicted++;
		end_flow(t, best, ZL_END_EVICTED);
	}
}

static struct node *node_new(struct zl_flowtab *t)
{
	struct node *n;

	if (t->st.live >= t->o.max_flows)
		evict_one(t);
	if (!t->free && grow(t) < 0)
		return NULL;
	n = t->free;
	t->free = n->hnext;
	memset(n, 0, sizeof(*n));
	t->st.live++;
	t->st.created++;
	return n;
}

static int pick_list(const struct node *n)
{
	const struct zl_flow *f = &n->f;

	switch (f->key.proto) {
	case IPPROTO_TCP:
		if ((f->tcp_flags[0] | f->tcp_flags[1]) & 0x04)
			return LIST_TCP_CLOSED;
		if (f->tcp_fin == 3)
			return LIST_TCP_CLOSED;
		if (!f->packets[1])
			return LIST_TCP_HALF;
		return LIST_TCP;
	case IPPROTO_UDP:
		return LIST_UDP;
	}
	return LIST_OTHER;
}

struct zl_flow *zl_flowtab_packet(struct zl_flowtab *t, const struct zl_pkt *p,
				  int create, int *dir)
{
	struct zl_flow_key k;
	int forward = zl_flow_key_of(p, &k);
	uint32_t h = key_hash(t, &k);
	struct node *n;
	struct zl_flow *f;
	int d;

	for (n = t->buckets[h & t->mask]; n; n = n->hnext)
		if (n->hash == h && !memcmp(&n->f.key, &k, sizeof(k)))
			break;
	/* A new SYN on a closed connection starts a new flow. */
	if (n && n->list == LIST_TCP_CLOSED && (p->tcp_flags & 0x12) == 0x02) {
		end_flow(t, n, idle_reason(n));
		n = NULL;
	}
	if (!n) {
		if (!create || !(n = node_new(t)))
			return NULL;
		n->f.key = k;
		n->f.src_is_a = (uint8_t)forward;
		n->f.first_us = p->ts_us;
		n->hash = h;
		n->hnext = t->buckets[h & t->mask];
		t->buckets[h & t->mask] = n;
	} else {
		list_unlink(t, n);
	}
	f = &n->f;
	d = forward == f->src_is_a ? 0 : 1;
	f->packets[d]++;
	f->bytes[d] += p->wirelen;
	if (p->ts_us > f->last_us)
		f->last_us = p->ts_us;
	if (k.proto == IPPROTO_TCP && p->frag != ZL_FRAG_LATER) {
		f->tcp_flags[d] |= p->tcp_flags;
		if (p->tcp_flags & 0x01)
			f->tcp_fin |= (uint8_t)(1 << d);
		if ((p->tcp_flags & 0x02) && !f->tcp_isn[d])
			f->tcp_isn[d] = p->tcp_seq;
		/* the sequence number this side sends next (SYN and FIN count
		 * one), for resets that the peer accepts (RFC 5961: exactly) */
		if (!(p->tcp_flags & 0x04)) {
			uint32_t next = p->tcp_seq + p->payload_len + !!(p->tcp_flags & 0x03);
			if (!f->tcp_next[d] || (int32_t)(next - f->tcp_next[d]) > 0)
				f->tcp_next[d] = next;
		}
	}
	list_append(t, n, pick_list(n));
	*dir = d;
	return f;
}

size_t zl_flowtab_expire(struct zl_flowtab *t, uint64_t now_us)
{
	size_t ended = 0;
	int i;

	for (i = 0; i < LIST_MAX; i++) {
		struct list *l = &t->lists[i];
		while (l->head && l->head->f.last_us + l->timeout_us <= now_us) {
			end_flow(t, l->head, idle_reason(l->head));
			ended++;
		}
	}
	return ended;
}

size_t zl_flowtab_flush(struct zl_flowtab *t, int reason)
{
	size_t ended = 0;
	int i;

	for (i = 0; i < LIST_MAX; i++)
		while (t->lists[i].head) {
			end_flow(t, t->lists[i].head, reason);
			ended++;
		}
	return ended;
}

void zl_flowtab_foreach(struct zl_flowtab *t,
			void (*fn)(const struct zl_flow *f, void *ud), void *ud)
{
	int i;
	struct node *n;

	for (i = 0; i < LIST_MAX; i++)
		for (n = t->lists[i].head; n; n = n->next)
			fn(&n->f, ud);
}

void zl_flowtab_stats(const struct zl_flowtab *t, struct zl_flowtab_stats *s)
{
	*s = t->st;
	s->bytes_reserved = t->nslabs * sizeof(struct slab) +
			    ((uint64_t)t->mask + 1) * sizeof(*t->buckets);
}

uint32_t zl_flowtab_bucket(const struct zl_flowtab *t, const struct zl_flow_key *k)
{
	return key_hash(t, k) & t->mask;
}

size_t zl_flowtab_longest_chain(const struct zl_flowtab *t)
{
	size_t i, len, max = 0;
	const struct node *n;

	for (i = 0; i <= t->mask; i++) {
		for (len = 0, n = t->buckets[i]; n; n = n->hnext)
			len++;
		if (len > max)
			max = len;
	}
	return max;
}

size_t zl_flowtab_record_size(void)
{
	return sizeof(struct node) + sizeof(struct node *);
}
