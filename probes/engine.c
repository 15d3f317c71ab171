/*
 * engine.c - decode -> flow -> classify for one capture thread.
 *
 * Non-first fragments carry no L4 header. The first fragment's ports are
 * remembered in a small fixed table keyed by (addresses, protocol, id), so
 * later fragments count in their flow; without their first fragment they
 * are counted as unattributed. Fragments never reach nDPI except the first
 * (as ndpiReader does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "detect.h"
#include "dnsans.h"
#include "engine.h"

#define FRAG_SLOTS     4096
#define FRAG_TTL_US    (30ull * 1000000)
#define TICK_US        1000000ull

struct frag_slot {
	uint8_t src[16], dst[16];
	uint64_t ts_us;
	uint32_t id;
	uint16_t sport, dport, vlan;
	uint8_t proto, used;
};

struct zl_engine {
	struct zl_flowtab *flows;
	struct zl_classifier *cls;
	struct zl_engine_events ev;
	struct zl_detect *detect;
	int dns_answers;
	struct frag_slot *frags;
	uint64_t next_tick_us;
	struct zl_engine_stats st;
};

void zl_engine_opts_default(struct zl_engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	zl_flowtab_opts_default(&o->flows);
}

static void on_flow_end(struct zl_flow *f, void *ud)
{
	struct zl_engine *e = ud;

	if (f->class_state != ZL_CLASS_DONE) {
		int had_state = f->dpi != NULL;
		zl_classify_finish(e->cls, f);
		if (had_state)
			e->st.dpi_live--;
		e->st.flows_classified++;
	}
	if (e->detect)
		zl_detect_flow_end(e->detect, e->cls, f);
	if (e->ev.flow_end)
		e->ev.flow_end(f, e->ev.ud);
	zl_classify_release(f);
}

struct zl_engine *zl_engine_new(const struct zl_engine_opts *o,
				const struct zl_engine_events *ev,
				char *err, size_t errlen)
{
	struct zl_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	if (ev)
		e->ev = *ev;
	e->detect = o->detect;
	e->dns_answers = o->dns_answers;
	e->frags = calloc(FRAG_SLOTS, sizeof(*e->frags));
	e->cls = zl_classifier_new(&o->classify, err, errlen);
	e->flows = zl_flowtab_new(&o->flows, on_flow_end, e);
	if (!e->frags || !e->cls || !e->flows) {
		if (e->cls && !e->flows)
			snprintf(err, errlen, "out of memory for %u flows",
				 o->flows.max_flows);
		zl_engine_free(e);
		return NULL;
	}
	return e;
}

struct zl_detect *zl_engine_set_detect(struct zl_engine *e, struct zl_detect *d)
{
	struct zl_detect *old = e->detect;

	e->detect = d;
	return old;
}

void zl_engine_free(struct zl_engine *e)
{
	if (!e)
		return;
	if (e->flows) {
		/* Release nDPI state and names without reporting the flows. */
		e->ev.flow_end = NULL;
		e->detect = NULL;
		zl_flowtab_flush(e->flows, ZL_END_SHUTDOWN);
	}
	zl_flowtab_free(e->flows);
	zl_classifier_free(e->cls);
	free(e->frags);
	free(e);
}

static struct frag_slot *frag_slot(struct zl_engine *e, const struct zl_pkt *p)
{
	uint32_t h = p->frag_id * 2654435761u;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ p->src[i] ^ ((uint32_t)p->dst[i] << 8)) * 16777619u;
	return &e->frags[(h ^ p->l4proto) & (FRAG_SLOTS - 1)];
}

static int frag_match(const struct frag_slot *s, const struct zl_pkt *p)
{
	return s->used && s->id == p->frag_id && s->proto == p->l4proto &&
	       s->vlan == p->vlan && p->ts_us - s->ts_us < FRAG_TTL_US &&
	       !memcmp(s->src, p->src, 16) && !memcmp(s->dst, p->dst, 16);
}

/* Give a later fragment its first fragment's ports; 0 when unknown. */
static int frag_attribute(struct zl_engine *e, struct zl_pkt *p)
{
	struct frag_slot *s = frag_slot(e, p);

	if (!frag_match(s, p))
		return 0;
	p->sport = s->sport;
	p->dport = s->dport;
	return 1;
}

static void frag_remember(struct zl_engine *e, const struct zl_pkt *p)
{
	struct frag_slot *s = frag_slot(e, p);

	memcpy(s->src, p->src, 16);
	memcpy(s->dst, p->dst, 16);
	s->id = p->frag_id;
	s->proto = p->l4proto;
	s->vlan = p->vlan;
	s->sport = p->sport;
	s->dport = p->dport;
	s->ts_us = p->ts_us;
	s->used = 1;
}

/*
 * A DNS response (UDP from port 53, not a later fragment): the record
 * types of its answers into the flow. A flow is one client socket, which
 * glibc uses for a name's A and AAAA questions together, so the bits of
 * both answers meet in the flow that carries the name (f->host).
 */
static void dns_answer(struct zl_engine *e, struct zl_flow *f, const struct zl_pkt *p)
{
	struct zl_dnsans a;
	uint32_t off = p->l4_off + 8, n;

	if (off >= p->ip_caplen)
		return;
	n = p->ip_caplen - off;
	if (n > p->payload_len)
		n = p->payload_len;
	if (zl_dnsans_parse(p->ip + off, n, &a) == 0) {
		f->dns_rr |= a.rr;
		e->st.dns_answers++;
	}
}

void zl_engine_frame(struct zl_engine *e, int link, const uint8_t *frame,
		     uint32_t caplen, uint32_t wirelen, uint64_t ts_us,
		     uint8_t iface)
{
	struct zl_pkt p;
	struct zl_flow *f;
	int rc, dir, had_state;

	e->st.frames++;
	e->st.bytes += wirelen;
	if (ts_us >= e->next_tick_us) {
		if (e->next_tick_us)
			zl_flowtab_expire(e->flows, ts_us);
		e->next_tick_us = ts_us + TICK_US;
	}
	rc = zl_decode(link, frame, caplen, wirelen, ts_us, &p);
	if (rc) {
		e->st.decode_errors[rc]++;
		return;
	}
	e->st.ip_packets++;
	if (p.frag == ZL_FRAG_LATER) {
		if (!frag_attribute(e, &p) ||
		    !(f = zl_flowtab_packet(e->flows, &p, 0, &dir))) {
			e->st.frags_unattributed++;
			return;
		}
		e->st.frags_attributed++;
		return;
	}
	if (p.frag == ZL_FRAG_FIRST)
		frag_remember(e, &p);
	if (e->detect)
		zl_detect_packet(e->detect, &p);
	f = zl_flowtab_packet(e->flows, &p, 1, &dir);
	if (!f)
		return;
	if (!f->iface && iface)
		f->iface = iface;
	if (e->dns_answers && p.sport == 53 && p.l4proto == IPPROTO_UDP)
		dns_answer(e, f, &p);
	if (f->class_state == ZL_CLASS_DONE)
		return;
	had_state = f->dpi != NULL;
	rc = zl_classify_packet(e->cls, f, &p);
	if (rc == 2) {
		if (!had_state && ++e->st.dpi_live > e->st.dpi_peak)
			e->st.dpi_peak = e->st.dpi_live;
		if (e->ev.flow_named)
			e->ev.flow_named(f, e->ev.ud);
	} else if (rc == 1) {
		e->st.flows_classified++;
		if (had_state)
			e->st.dpi_live--;
		if (e->ev.flow_classified)
			e->ev.flow_classified(f, e->ev.ud);
	} else if (!had_state && f->dpi) {
		if (++e->st.dpi_live > e->st.dpi_peak)
			e->st.dpi_peak = e->st.dpi_live;
	}
}

void zl_engine_tick(struct zl_engine *e, uint64_t now_us)
{
	zl_flowtab_expire(e->flows, now_us);
}

void zl_engine_flush(struct zl_engine *e, int reason)
{
	zl_flowtab_flush(e->flows, reason);
}

const struct zl_classifier *zl_engine_classifier(const struct zl_engine *e)
{
	return e->cls;
}

void zl_engine_foreach_flow(struct zl_engine *e,
			    void (*fn)(const struct zl_flow *f, void *ud), void *ud)
{
	zl_flowtab_foreach(e->flows, fn, ud);
}

void zl_engine_stats(const struct zl_engine *e, struct zl_engine_stats *s)
{
	*s = e->st;
	zl_flowtab_stats(e->flows, &s->flows);
}
