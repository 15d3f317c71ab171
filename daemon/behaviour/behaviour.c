/*
 * behaviour.c - behaviour rules applied to named flows (see behaviour.h):
 * the decisions, the blocks held, the kernel's sets and the resets. Which
 * rule a flow falls under is rulematch.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "behaviour.h"
#include "flowjson.h"
#include "log.h"
#include "rulematch.h"
#include "rulenames.h"
#include "ruletext.h"
#include "tcpreset.h"

#define LAT_RING 4096

/* What a block was decided on, so a new policy can decide again. */
struct block {
	struct zl_kernel_pair pair;
	int64_t expires_us;
	char rule[64], app[48], category[32], domain[128], iface[16];
};

struct zl_bh {
	pthread_mutex_t lock;
	struct zl_kernel *k;
	int raw4, raw6;                   /* for resets to both ends (CAP_NET_RAW) */
	uint64_t resets_sent, dns_spared;
	struct zl_store *store;
	unsigned hold_s;
	const struct zl_policy *p;        /* in force; NULL: no rules */
	char ifaces[ZL_BH_MAX_IFACES][16];
	int n_ifaces;
	zl_bh_lookup_fn lookup;
	void *lookup_ud;
	zl_bh_block_fn on_block;          /* each block, for policy-violation incidents */
	void *on_block_ud;
	struct block *blocks;
	size_t n_blocks, cap_blocks;
	struct zl_rulenames *names;       /* every rule line seen since start */
	uint16_t *rule_ids;               /* p's rules' numbers in names */
	uint64_t decided[4], kernel_errors;
	uint32_t lat[LAT_RING], proc[LAT_RING];
	uint64_t n_lat;
	char last_error[256];
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct zl_bh *zl_bh_new(struct zl_store *store, unsigned hold_s, char *err, size_t errlen)
{
	struct zl_bh *b = calloc(1, sizeof(*b));

	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->k = zl_kernel_open(err, errlen);
	if (!b->k) {
		free(b);
		return NULL;
	}
	b->names = zl_rulenames_new();
	if (!b->names) {
		zl_kernel_close(b->k);
		free(b);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->store = store;
	b->hold_s = hold_s ? hold_s : 600;
	b->raw4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	b->raw6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (b->raw4 < 0 || b->raw6 < 0)
		zl_log_warnx("behaviour: raw sockets: %s; blocked TCP flows will time out "
			     "instead of being reset", strerror(errno));
	else {
		/* past a policy's `filter output default drop` (kernel.h) */
		int mark = ZL_KERNEL_MARK;
		setsockopt(b->raw4, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
		setsockopt(b->raw6, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
	}
	pthread_mutex_init(&b->lock, NULL);
	return b;
}

void zl_bh_free(struct zl_bh *b)
{
	if (!b)
		return;
	zl_kernel_close(b->k);
	if (b->raw4 >= 0)
		close(b->raw4);
	if (b->raw6 >= 0)
		close(b->raw6);
	pthread_mutex_destroy(&b->lock);
	free(b->blocks);
	free(b->rule_ids);
	zl_rulenames_free(b->names);
	free(b);
}

void zl_bh_set_store(struct zl_bh *b, struct zl_store *store)
{
	if (b)
		b->store = store;
}

void zl_bh_set_ifaces(struct zl_bh *b, const char *const *names, int n)
{
	int i;

	if (!b)
		return;
	for (i = 0; i < n && i < ZL_BH_MAX_IFACES; i++)
		snprintf(b->ifaces[i], sizeof(b->ifaces[i]), "%s", names[i]);
	b->n_ifaces = i;
}

void zl_bh_set_lookup(struct zl_bh *b, zl_bh_lookup_fn fn, void *ud)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	b->lookup = fn;
	b->lookup_ud = ud;
	pthread_mutex_unlock(&b->lock);
}

void zl_bh_set_on_block(struct zl_bh *b, zl_bh_block_fn fn, void *ud)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	b->on_block = fn;
	b->on_block_ud = ud;
	pthread_mutex_unlock(&b->lock);
}

static void rule_name(const struct zl_policy *p, int i, char *buf, size_t len)
{
	const struct zl_loc *l = &p->bh[i].loc;
	const char *base = strrchr(l->file, '/');

	snprintf(buf, len, "%s:%d", base ? base + 1 : l->file, l->line);
}

/* ---- flows ---- */

static void flow_subject(struct zl_bh *b, const struct zl_classifier *c, const struct zl_flow *f,
			 struct zl_bh_subject *s, char *app, size_t applen, char *dom,
			 size_t domlen)
{
	const uint8_t *client = f->src_is_a ? f->key.a : f->key.b;

	memset(s, 0, sizeof(*s));
	s->family = f->key.ipver == 6 ? AF_INET6 : AF_INET;
	memcpy(s->client, client, 16);
	s->iface = f->iface && f->iface <= b->n_ifaces ? b->ifaces[f->iface - 1] : "";
	zl_app_name(c, f, app, applen);
	s->app = app;
	s->category = zl_category_name(c, f->category);
	zl_printable(f->host, dom, domlen);
	s->domain = dom;
	if (b->lookup)
		s->known = b->lookup(b->lookup_ud, s->family, s->client, &s->who);
}

static struct block *find_block(struct zl_bh *b, const struct zl_kernel_pair *p)
{
	size_t i, a = p->family == AF_INET ? 4 : 16;

	for (i = 0; i < b->n_blocks; i++) {
		const struct zl_kernel_pair *q = &b->blocks[i].pair;
		if (q->family == p->family && q->port == p->port && !memcmp(q->client, p->client, a) &&
		    !memcmp(q->server, p->server, a))
			return &b->blocks[i];
	}
	return NULL;
}

static struct block *add_block(struct zl_bh *b)
{
	if (b->n_blocks == b->cap_blocks) {
		size_t n = b->cap_blocks ? b->cap_blocks * 2 : 64;
		struct block *v = realloc(b->blocks, n * sizeof(*v));
		if (!v)
			return NULL;
		b->blocks = v;
		b->cap_blocks = n;
	}
	memset(&b->blocks[b->n_blocks], 0, sizeof(b->blocks[0]));
	return &b->blocks[b->n_blocks++];
}

static void block_record(const struct block *k, struct zl_bh_record *r)
{
	memset(r, 0, sizeof(*r));
	inet_ntop(k->pair.family, k->pair.client, r->client, sizeof(r->client));
	inet_ntop(k->pair.family, k->pair.server, r->server, sizeof(r->server));
	r->port = k->pair.port;
	r->expires_us = k->expires_us;
	snprintf(r->rule, sizeof(r->rule), "%s", k->rule);
	snprintf(r->app, sizeof(r->app), "%s", k->app);
	snprintf(r->category, sizeof(r->category), "%s", k->category);
	snprintf(r->domain, sizeof(r->domain), "%s", k->domain);
	snprintf(r->iface, sizeof(r->iface), "%s", k->iface);
}

/* ---- resets ---- */

/* Reset both ends of a blocked TCP flow (lock held). */
static void reset_flow(struct zl_bh *b, const struct zl_flow *f, const struct zl_bh_subject *s,
		       const struct zl_kernel_pair *p)
{
	int cd = 0, sd = 1;           /* the client sent the first packet: direction 0 */
	int fd = s->family == AF_INET ? b->raw4 : b->raw6;
	uint16_t cport = f->src_is_a ? f->key.pa : f->key.pb;

	if (f->key.proto != IPPROTO_TCP || fd < 0)
		return;
	if (f->tcp_next[sd] &&
	    zl_tcp_reset(fd, s->family, p->server, p->port, p->client, cport, f->tcp_next[sd]) == 0)
		b->resets_sent++;
	if (f->tcp_next[cd] &&
	    zl_tcp_reset(fd, s->family, p->client, cport, p->server, p->port, f->tcp_next[cd]) == 0)
		b->resets_sent++;
}

/* Block the flow's client -> server:port pair (lock held). */
static uint32_t clamp_us(int64_t v)
{
	return v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void block_flow(struct zl_bh *b, const struct zl_flow *f, const struct zl_bh_subject *s,
		       const char *rule, uint64_t rx_us)
{
	const uint8_t *server = f->src_is_a ? f->key.b : f->key.a;
	struct zl_kernel_pair p;
	struct zl_bh_record rec;
	struct block *k;
	char err[256];
	int64_t t;

	memset(&p, 0, sizeof(p));
	p.family = s->family;
	memcpy(p.client, s->client, 16);
	memcpy(p.server, server, 16);
	p.port = f->src_is_a ? f->key.pb : f->key.pa;
	p.timeout_ms = (uint64_t)b->hold_s * 1000;
	if (zl_kernel_pair_add(b->k, &p, err, sizeof(err)) < 0) {
		b->kernel_errors++;
		snprintf(b->last_error, sizeof(b->last_error), "%s", err);
		zl_log_warnx("behaviour: %s: %s", rule, err);
		return;
	}
	/* from the classifying packet's arrival (its capture time) to the ack */
	t = now_us();
	b->lat[b->n_lat % LAT_RING] = clamp_us(t - (int64_t)f->last_us);
	b->proc[b->n_lat++ % LAT_RING] = clamp_us(rx_us ? t - (int64_t)rx_us : 0);
	reset_flow(b, f, s, &p);
	k = find_block(b, &p);
	if (!k && !(k = add_block(b)))
		return;
	k->pair = p;
	k->expires_us = t + (int64_t)b->hold_s * 1000000;
	snprintf(k->rule, sizeof(k->rule), "%s", rule);
	snprintf(k->app, sizeof(k->app), "%s", s->app);
	snprintf(k->category, sizeof(k->category), "%s", s->category);
	snprintf(k->domain, sizeof(k->domain), "%s", s->domain);
	snprintf(k->iface, sizeof(k->iface), "%s", s->iface);
	block_record(k, &rec);
	zl_store_bh_put(b->store, &rec);
	if (b->on_block)
		b->on_block(b->on_block_ud, s->family, s->client, (uint64_t)t);
}


/* Put the flow under its limit rule's per-flow rate (lock held). */
static void limit_flow(struct zl_bh *b, const struct zl_flow *f, const struct zl_bh_subject *s,
		       unsigned rule, const char *name)
{
	struct zl_kernel_pair p;
	char err[256];

	if (f->key.proto != IPPROTO_TCP && f->key.proto != IPPROTO_UDP)
		return;
	memset(&p, 0, sizeof(p));
	p.family = s->family;
	memcpy(p.client, s->client, 16);
	memcpy(p.server, f->src_is_a ? f->key.b : f->key.a, 16);
	p.port = f->src_is_a ? f->key.pb : f->key.pa;
	p.timeout_ms = 3600 * 1000;     /* a flow longer than an hour leaves it */
	if (zl_kernel_limit_add(b->k, rule, &p, f->src_is_a ? f->key.pa : f->key.pb, err,
				sizeof(err)) < 0) {
		b->kernel_errors++;
		snprintf(b->last_error, sizeof(b->last_error), "%s", err);
		zl_log_warnx("behaviour: %s: %s", name, err);
	}
}

void zl_bh_flow(struct zl_bh *b, const struct zl_classifier *c, struct zl_flow *f,
		uint64_t rx_us)
{
	char app[64], dom[128], rule[64];
	struct zl_bh_subject s;
	int i;

	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	if (!b->p || !b->p->n_bh || f->verdict == ZL_BH_BLOCK + 1) {
		pthread_mutex_unlock(&b->lock);
		return;
	}
	flow_subject(b, c, f, &s, app, sizeof(app), dom, sizeof(dom));
	i = zl_bh_decide(b->p, &s, now_us());
	/* decided once; only a block may still come later (a better name) */
	if (i < 0 || (f->verdict && b->p->bh[i].action != ZL_BH_BLOCK)) {
		pthread_mutex_unlock(&b->lock);
		return;
	}
	f->verdict = (uint8_t)(b->p->bh[i].action + 1);
	/* the line, not the index: the flow may end under another policy */
	f->verdict_rule = b->rule_ids ? b->rule_ids[i] : 0;
	zl_rulenames_hit(b->names, f->verdict_rule);
	b->decided[b->p->bh[i].action]++;
	rule_name(b->p, i, rule, sizeof(rule));
	/* A DNS query a block rule matches by its name is recorded; the
	 * connection that follows it is what gets blocked, by its SNI or Host. */
	if (b->p->bh[i].action == ZL_BH_BLOCK && zl_bh_dns_spared(&b->p->bh[i], &s)) {
		f->verdict = ZL_BH_AUDIT + 1;
		b->dns_spared++;
	} else if (b->p->bh[i].action == ZL_BH_BLOCK)
		block_flow(b, f, &s, rule, rx_us);
	else if (b->p->bh[i].action == ZL_BH_LIMIT)
		limit_flow(b, f, &s, (unsigned)i, rule);
	pthread_mutex_unlock(&b->lock);
}

static const char *const action_names[] = { "block", "allow", "audit", "limit" };

void zl_bh_flow_end(struct zl_bh *b, const struct zl_classifier *c, const struct zl_flow *f)
{
	struct zl_access_record r;
	char app[64], dom[128];
	struct zl_bh_subject s;
	uint16_t cport;
	int act = f->verdict - 1;

	if (!b || act < 0 || act > ZL_BH_LIMIT || act == ZL_BH_ALLOW)
		return;
	memset(&r, 0, sizeof(r));
	pthread_mutex_lock(&b->lock);
	flow_subject(b, c, f, &s, app, sizeof(app), dom, sizeof(dom));
	snprintf(r.rule, sizeof(r.rule), "%s", zl_rulenames_name(b->names, f->verdict_rule));
	pthread_mutex_unlock(&b->lock);
	r.ts = (int64_t)f->first_us;
	zl_flow_endpoints(f, r.client_ip, r.server_ip, sizeof(r.client_ip), &cport, &r.server_port);
	zl_text_copy(r.host_name, sizeof(r.host_name), s.known ? s.who.host : "");
	zl_text_copy(r.owner, sizeof(r.owner), s.known ? s.who.owner : "");
	zl_text_copy(r.department, sizeof(r.department), s.known ? s.who.department : "");
	snprintf(r.app, sizeof(r.app), "%.47s", app);
	snprintf(r.category, sizeof(r.category), "%s", s.category);
	snprintf(r.domain, sizeof(r.domain), "%s", dom);
	r.bytes_up = f->bytes[0];
	r.bytes_down = f->bytes[1];
	snprintf(r.action, sizeof(r.action), "%s", action_names[act]);
	/* at a stop every live flow ends at once: wait for the writer then */
	if (f->end_reason == ZL_END_SHUTDOWN)
		zl_store_put_access_wait(b->store, &r);
	else
		zl_store_put_access(b->store, &r);
}

/* ---- policy changes ---- */

static int block_justified(const struct zl_bh *b, const struct zl_policy *p,
			   const struct block *k, int64_t t)
{
	struct zl_bh_subject s;
	int i;

	if (k->expires_us <= t)
		return 0;
	memset(&s, 0, sizeof(s));
	s.family = k->pair.family;
	memcpy(s.client, k->pair.client, 16);
	s.iface = k->iface;
	s.app = k->app;
	s.category = k->category;
	s.domain = k->domain;
	if (b->lookup)
		s.known = b->lookup(b->lookup_ud, s.family, s.client, &s.who);
	i = zl_bh_decide(p, &s, t);
	return i >= 0 && p->bh[i].action == ZL_BH_BLOCK;
}

struct zl_kernel_pair *zl_bh_prepare(struct zl_bh *b, const struct zl_policy *p, size_t *n)
{
	struct zl_kernel_pair *v;
	int64_t t = now_us();
	size_t i;

	*n = 0;
	if (!b)
		return NULL;
	pthread_mutex_lock(&b->lock);
	v = calloc(b->n_blocks ? b->n_blocks : 1, sizeof(*v));
	for (i = 0; v && i < b->n_blocks; i++)
		if (block_justified(b, p, &b->blocks[i], t)) {
			v[*n] = b->blocks[i].pair;
			v[*n].timeout_ms = (uint64_t)(b->blocks[i].expires_us - t) / 1000 + 1;
			(*n)++;
		}
	return v;
}

/* The numbers of p's rule lines, for the flows decided under p. */
static void name_rules(struct zl_bh *b, const struct zl_policy *p)
{
	char name[64];
	size_t i;

	free(b->rule_ids);
	b->rule_ids = p && p->n_bh ? calloc(p->n_bh, sizeof(*b->rule_ids)) : NULL;
	for (i = 0; b->rule_ids && i < p->n_bh; i++) {
		rule_name(p, (int)i, name, sizeof(name));
		b->rule_ids[i] = zl_rulenames_id(b->names, name);
	}
}

/* Mirror the blocks held into the store, whole (b->lock held). */
static void blocks_save(struct zl_bh *b)
{
	struct zl_bh_record *recs = calloc(b->n_blocks ? b->n_blocks : 1, sizeof(*recs));
	size_t i;

	for (i = 0; recs && i < b->n_blocks; i++)
		block_record(&b->blocks[i], &recs[i]);
	if (recs)
		zl_store_bh_replace(b->store, recs, b->n_blocks);
	free(recs);
}

void zl_bh_commit(struct zl_bh *b, const struct zl_policy *p, int applied)
{
	int64_t t = now_us();
	size_t i, n = 0;

	if (!b)
		return;
	if (applied) {
		/* keep what the new policy justifies, forget the rest */
		for (i = 0; i < b->n_blocks; i++)
			if (block_justified(b, p, &b->blocks[i], t))
				b->blocks[n++] = b->blocks[i];
		b->n_blocks = n;
		b->p = p;
		name_rules(b, p);
		blocks_save(b);
	}
	pthread_mutex_unlock(&b->lock);
}

void zl_bh_tick(struct zl_bh *b)
{
	int64_t t = now_us();
	size_t i, n = 0, freed = 0;
	char err[256];

	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	for (i = 0; i < b->n_blocks; i++) {
		struct block *k = &b->blocks[i];
		if (k->expires_us > t && block_justified(b, b->p, k, t)) {
			b->blocks[n++] = *k;
			continue;
		}
		/* its schedule ended (or it expired): free the client now */
		if (k->expires_us > t && zl_kernel_pair_del(b->k, &k->pair, err, sizeof(err)) < 0 &&
		    !strstr(err, "No such file"))
			zl_log_warnx("behaviour: lifting a block: %s", err);
		freed++;
	}
	b->n_blocks = n;
	if (freed) {
		blocks_save(b);
	}
	pthread_mutex_unlock(&b->lock);
}

void zl_bh_restore(struct zl_bh *b)
{
	struct zl_bh_record *v = NULL;
	size_t n, i;

	if (!b)
		return;
	n = zl_store_bh_load(b->store, now_us(), &v);
	pthread_mutex_lock(&b->lock);
	for (i = 0; i < n; i++) {
		struct block *k;
		struct zl_kernel_pair p;

		memset(&p, 0, sizeof(p));
		p.family = strchr(v[i].client, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(p.family, v[i].client, p.client) != 1 ||
		    inet_pton(p.family, v[i].server, p.server) != 1)
			continue;
		p.port = v[i].port;
		if (!(k = add_block(b)))
			break;
		k->pair = p;
		k->expires_us = v[i].expires_us;
		snprintf(k->rule, sizeof(k->rule), "%s", v[i].rule);
		snprintf(k->app, sizeof(k->app), "%s", v[i].app);
		snprintf(k->category, sizeof(k->category), "%s", v[i].category);
		snprintf(k->domain, sizeof(k->domain), "%s", v[i].domain);
		snprintf(k->iface, sizeof(k->iface), "%s", v[i].iface);
	}
	pthread_mutex_unlock(&b->lock);
	if (n)
		zl_log_info("behaviour: %zu blocks restored from the database", n);
	free(v);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static json_t *percentiles(uint32_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u32);
	return json_pack("{s:I, s:I, s:I, s:I}", "n", (json_int_t)n, "p50", (json_int_t)v[n / 2],
			 "p99", (json_int_t)v[(n * 99) / 100], "max", (json_int_t)v[n - 1]);
}

json_t *zl_bh_status(struct zl_bh *b)
{
	uint32_t *v, *w;
	size_t n, i;
	json_t *o;
	int64_t t = now_us();
	size_t active = 0;

	pthread_mutex_lock(&b->lock);
	n = b->n_lat < LAT_RING ? (size_t)b->n_lat : LAT_RING;
	v = malloc((n ? n : 1) * sizeof(*v));
	w = malloc((n ? n : 1) * sizeof(*w));
	if (v && w) {
		memcpy(v, b->lat, n * sizeof(*v));
		memcpy(w, b->proc, n * sizeof(*w));
	}
	for (i = 0; i < b->n_blocks; i++)
		active += b->blocks[i].expires_us > t;
	o = json_pack("{s:I, s:I, s:{s:I, s:I, s:I, s:I}, s:I, s:I}",
		      "rules", (json_int_t)(b->p ? b->p->n_bh : 0),
		      "blocks_active", (json_int_t)active,
		      "decisions", "block", (json_int_t)b->decided[ZL_BH_BLOCK],
		      "allow", (json_int_t)b->decided[ZL_BH_ALLOW],
		      "audit", (json_int_t)b->decided[ZL_BH_AUDIT],
		      "limit", (json_int_t)b->decided[ZL_BH_LIMIT],
		      "kernel_errors", (json_int_t)b->kernel_errors,
		      "resets_sent", (json_int_t)b->resets_sent);
	json_object_set_new(o, "dns_queries_recorded_not_blocked", json_integer((json_int_t)b->dns_spared));
	json_object_set_new(o, "last_error", b->last_error[0] ? json_string(b->last_error) : json_null());
	pthread_mutex_unlock(&b->lock);
	if (v && w && n) {
		json_object_set_new(o, "block_latency_us", percentiles(v, n));
		json_object_set_new(o, "block_processing_us", percentiles(w, n));
	}
	free(v);
	free(w);
	return o;
}

/* The blocks held now, for GET /v1/behaviour (lock held). */
static json_t *blocks_json(const struct zl_bh *b, int64_t t)
{
	json_t *a = json_array();
	struct zl_bh_record r;
	char when[32];
	size_t i;

	for (i = 0; i < b->n_blocks; i++) {
		const struct block *k = &b->blocks[i];
		time_t e = (time_t)(k->expires_us / 1000000);
		struct tm tm;

		if (k->expires_us <= t)
			continue;
		block_record(k, &r);
		gmtime_r(&e, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:I}",
			"client", r.client, "server", r.server, "port", r.port, "rule", r.rule,
			"app", r.app, "category", r.category, "domain", r.domain,
			"interface", r.iface, "expires", when,
			"time_left_s", (json_int_t)((k->expires_us - t + 999999) / 1000000)));
	}
	return a;
}

json_t *zl_bh_describe(struct zl_bh *b)
{
	json_t *rules = json_array(), *hits = json_object(), *o;
	char name[64];
	size_t i;

	pthread_mutex_lock(&b->lock);
	for (i = 0; b->p && i < b->p->n_bh; i++) {
		json_t *r = zl_bh_rule_json(&b->p->bh[i]);
		uint16_t id = b->rule_ids ? b->rule_ids[i] : 0;

		rule_name(b->p, (int)i, name, sizeof(name));
		json_object_set_new(r, "line", json_string(name));
		json_object_set_new(r, "hits", json_integer((json_int_t)zl_rulenames_hits(b->names, id)));
		json_array_append_new(rules, r);
	}
	for (i = 1; i <= UINT16_MAX && *zl_rulenames_name(b->names, (uint16_t)i); i++)
		json_object_set_new(hits, zl_rulenames_name(b->names, (uint16_t)i),
				    json_integer((json_int_t)zl_rulenames_hits(b->names, (uint16_t)i)));
	o = json_pack("{s:o, s:o, s:o}", "rules", rules, "blocks", blocks_json(b, now_us()),
		      "hits", hits);
	pthread_mutex_unlock(&b->lock);
	return o;
}
