/*
 * detect_state.c - the scan and brute-force detectors' state: two fixed,
 * 4-way set-associative tables allocated once. A source and protocol (scan) or a
 * source-server-port triple (brute force) hashes to one set of 4 entries;
 * a new key takes a free entry or the set's least recently seen one, and
 * the replacement is counted. A /16 sweep costs one entry (its source); a
 * flood of spoofed sources costs at most the table.
 *
 * Each entry counts events in a window that opens at its first event. An
 * entry that crosses the threshold "fires": it reports everything it has
 * counted as one event (with the window's start), then one event per
 * further probe until it has been quiet for a whole window.
 */
#include <stdlib.h>
#include <string.h>

#include "detect-int.h"

#define WAYS 4
#define SCAN_TRACK 128          /* distinct targets remembered per source */

struct scan_ent {
	uint8_t src[16];
	uint8_t host0[16];          /* the first target */
	uint64_t start_us, last_us;
	uint16_t vlan, port0;
	uint8_t ipver, used, fired, kind;
	uint8_t multi_host, multi_port, l4proto;
	uint16_t n;                 /* distinct targets in this window */
	uint32_t seen[SCAN_TRACK];  /* their hashes */
};

struct pair_ent {
	uint8_t src[16], dst[16];
	uint64_t start_us, last_us;
	uint16_t dport, vlan;
	uint8_t ipver, used, fired;
	uint32_t n;
};

static uint32_t sets_for(uint32_t max)
{
	uint32_t n = 1;

	while (n * WAYS < max && n < (1u << 24))
		n <<= 1;
	return n;
}

int zl_detect_state_new(struct zl_detect *d, uint32_t max_sources, uint32_t max_pairs)
{
	d->scan_sets = sets_for(max_sources ? max_sources : 8192);
	d->pair_sets = sets_for(max_pairs ? max_pairs : 16384);
	/* calloc: pages are touched only as sources appear */
	d->scan = calloc((size_t)d->scan_sets * WAYS, sizeof(*d->scan));
	d->pairs = calloc((size_t)d->pair_sets * WAYS, sizeof(*d->pairs));
	d->st.bytes_reserved = (uint64_t)d->scan_sets * WAYS * sizeof(*d->scan) +
			       (uint64_t)d->pair_sets * WAYS * sizeof(*d->pairs);
	return d->scan && d->pairs ? 0 : -1;
}

void zl_detect_state_free(struct zl_detect *d)
{
	free(d->scan);
	free(d->pairs);
}

static uint32_t hash_bytes(uint32_t h, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The entry for src in its set: found, free, or the least recently seen. */
static struct scan_ent *scan_entry(struct zl_detect *d, const struct zl_inc_event *ev)
{
	uint32_t h = hash_bytes(2166136261u ^ ev->vlan ^ (uint32_t)ev->l4proto << 16, ev->src, 16);
	struct scan_ent *set = &d->scan[(size_t)(h & (d->scan_sets - 1)) * WAYS], *v = set;
	int i;

	for (i = 0; i < WAYS; i++) {
		struct scan_ent *e = &set[i];
		if (e->used && e->vlan == ev->vlan && e->ipver == ev->ipver &&
		    e->l4proto == ev->l4proto && !memcmp(e->src, ev->src, 16))
			return e;
		if (!e->used ? v->used : v->used && e->last_us < v->last_us)
			v = e;
	}
	if (v->used)
		d->st.scan_evicted++;
	else
		d->st.scan_sources++;
	memset(v, 0, offsetof(struct scan_ent, seen));
	v->used = 1;
	v->vlan = ev->vlan;
	v->ipver = ev->ipver;
	v->l4proto = ev->l4proto;
	memcpy(v->src, ev->src, 16);
	return v;
}

static void scan_reset(struct scan_ent *e, const struct zl_inc_event *ev)
{
	e->start_us = e->last_us = ev->ts_us;
	e->fired = e->multi_host = e->multi_port = 0;
	e->n = 0;
	memcpy(e->host0, ev->dst, 16);
	e->port0 = ev->dport;
}

/* Whether the target is new in this window (remembering it if so). */
static int scan_new_target(struct scan_ent *e, const struct zl_inc_event *ev)
{
	uint32_t h = hash_bytes(2166136261u ^ ev->dport, ev->dst, 16) | 1;
	int i;

	for (i = 0; i < e->n && i < SCAN_TRACK; i++)
		if (e->seen[i] == h)
			return 0;
	if (e->n < SCAN_TRACK)
		e->seen[e->n] = h;
	return 1;
}

static void scan_report(struct scan_ent *e, struct zl_inc_event *ev, uint32_t count,
			uint64_t since)
{
	ev->detail = e->kind;
	ev->count = count;
	ev->since_us = since;
	ev->targets = e->n;
	ev->sport = 0;
	if (e->kind == ZL_SCAN_PORTS) {
		memcpy(ev->dst, e->host0, 16);
		ev->dport = 0;
	} else {
		ev->has_dst = 0;
		memset(ev->dst, 0, 16);
		if (e->kind == ZL_SCAN_MIXED)
			ev->dport = 0;
	}
}

void zl_detect_probe(struct zl_detect *d, struct zl_inc_event *ev)
{
	struct scan_ent *e = scan_entry(d, ev);
	uint64_t win = (uint64_t)d->scan_th.window_s * 1000000;

	if (!e->start_us || (e->fired ? ev->ts_us > e->last_us + win
				      : ev->ts_us >= e->start_us + win))
		scan_reset(e, ev);
	if (ev->ts_us < e->start_us)
		e->start_us = ev->ts_us;
	if (ev->ts_us > e->last_us)
		e->last_us = ev->ts_us;
	if (e->fired) {
		scan_report(e, ev, 1, 0);
		zl_detect_emit(d, ev);
		return;
	}
	if (!scan_new_target(e, ev))
		return;
	e->n++;
	e->multi_host |= memcmp(ev->dst, e->host0, 16) != 0;
	e->multi_port |= ev->dport != e->port0;
	if (e->n <= d->scan_th.count)
		return;
	e->fired = 1;
	e->kind = !e->multi_host ? ZL_SCAN_PORTS : e->multi_port ? ZL_SCAN_MIXED : ZL_SCAN_HOSTS;
	scan_report(e, ev, e->n, e->start_us);
	zl_detect_emit(d, ev);
}

static struct pair_ent *pair_entry(struct zl_detect *d, const struct zl_inc_event *ev)
{
	uint32_t h = hash_bytes(hash_bytes(2166136261u ^ ev->dport ^ (uint32_t)ev->vlan << 16,
					   ev->src, 16), ev->dst, 16);
	struct pair_ent *set = &d->pairs[(size_t)(h & (d->pair_sets - 1)) * WAYS], *v = set;
	int i;

	for (i = 0; i < WAYS; i++) {
		struct pair_ent *e = &set[i];
		if (e->used && e->dport == ev->dport && e->vlan == ev->vlan &&
		    e->ipver == ev->ipver && !memcmp(e->src, ev->src, 16) &&
		    !memcmp(e->dst, ev->dst, 16))
			return e;
		if (!e->used ? v->used : v->used && e->last_us < v->last_us)
			v = e;
	}
	if (v->used)
		d->st.pair_evicted++;
	else
		d->st.pair_entries++;
	memset(v, 0, sizeof(*v));
	v->used = 1;
	v->dport = ev->dport;
	v->vlan = ev->vlan;
	v->ipver = ev->ipver;
	memcpy(v->src, ev->src, 16);
	memcpy(v->dst, ev->dst, 16);
	return v;
}

void zl_detect_short_session(struct zl_detect *d, struct zl_inc_event *ev)
{
	struct pair_ent *e = pair_entry(d, ev);
	uint64_t win = (uint64_t)d->brute.window_s * 1000000;

	if (!e->start_us || (e->fired ? ev->ts_us > e->last_us + win
				      : ev->ts_us >= e->start_us + win)) {
		e->start_us = e->last_us = ev->ts_us;
		e->fired = 0;
		e->n = 0;
	}
	if (ev->ts_us < e->start_us)
		e->start_us = ev->ts_us;
	if (ev->ts_us > e->last_us)
		e->last_us = ev->ts_us;
	e->n++;
	ev->sport = 0;
	if (e->fired) {
		zl_detect_emit(d, ev);
	} else if (e->n > d->brute.count) {
		e->fired = 1;
		ev->count = e->n;
		ev->since_us = e->start_us;
		zl_detect_emit(d, ev);
	}
}
