/*
 * detect.c - the detectors' configuration, suppression, and what a flow's
 * end tells them: its nDPI risks, whether it touched a threat-set address,
 * whether it was an incomplete exchange (scan) or a short session to a
 * login service (brute force). Router advertisements and DHCP offers are
 * detect_ra.c's; the per-source state is detect_state.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "detect-int.h"

#define TCP_SYN 0x02

static const uint16_t default_login_ports[] = {
	22, 3389, 445, 21, 23, 3306, 1433, 5432, 110, 995, 143, 993,
};

void zl_detect_config_default(struct zl_detect_config *c)
{
	memset(c, 0, sizeof(*c));
	c->scan.count = 32;
	c->scan.window_s = 60;
	c->bruteforce.count = 20;
	c->bruteforce.window_s = 300;
	c->short_session_s = 30;
	c->max_sources = 8192;
	c->max_pairs = 16384;
	c->violation.count = 50;
	c->violation.window_s = 600;
	c->dedup_window_s = 3600;
}

static struct zl_pfxset *pfxset_of(const struct zl_detect_prefix *v, size_t n)
{
	struct zl_pfxset *s;
	size_t i;

	if (!n)
		return NULL;
	if (!(s = zl_pfxset_new()))
		return NULL;
	for (i = 0; i < n; i++) {
		if (zl_pfxset_add(s, v[i].ipver, v[i].addr, v[i].len) < 0) {
			zl_pfxset_free(s);
			return NULL;
		}
	}
	return s;
}

static int risk_of(const char *name, char *err, size_t errlen)
{
	int r = zl_risk_by_name(name);

	if (r < 0)
		snprintf(err, errlen, "unknown nDPI risk \"%s\"", name);
	return r;
}

static int setup_risks(struct zl_detect *d, const struct zl_detect_config *c,
		       char *err, size_t errlen)
{
	size_t i;
	int r;

	d->risk_mask = zl_risk_incident_default();
	for (i = 0; i < c->n_risks_add; i++) {
		if ((r = risk_of(c->risks_add[i], err, errlen)) < 0)
			return -1;
		d->risk_mask |= 1ull << r;
	}
	for (i = 0; i < c->n_risks_remove; i++) {
		if ((r = risk_of(c->risks_remove[i], err, errlen)) < 0)
			return -1;
		d->risk_mask &= ~(1ull << r);
	}
	return 0;
}

static int setup_suppress(struct zl_detect *d, const struct zl_detect_config *c,
			  char *err, size_t errlen)
{
	size_t i;

	if (!c->n_suppress)
		return 0;
	if (!(d->supp = calloc(c->n_suppress, sizeof(*d->supp))))
		return -1;
	for (i = 0; i < c->n_suppress; i++) {
		const struct zl_detect_suppress *s = &c->suppress[i];
		struct supp *x = &d->supp[d->n_supp++];

		x->type = s->type;
		x->risk = -1;
		if (s->risk && (x->risk = risk_of(s->risk, err, errlen)) < 0)
			return -1;
		x->from = pfxset_of(s->from, s->n_from);
		x->to = pfxset_of(s->to, s->n_to);
		if ((s->n_from && !x->from) || (s->n_to && !x->to)) {
			snprintf(err, errlen, "suppression rule %zu: bad prefix", i + 1);
			return -1;
		}
	}
	return 0;
}

static int setup(struct zl_detect *d, const struct zl_detect_config *c,
		 char *err, size_t errlen)
{
	const uint16_t *ports = c->login_ports ? c->login_ports : default_login_ports;
	size_t i, np = c->login_ports ? c->n_login_ports :
		       sizeof(default_login_ports) / sizeof(default_login_ports[0]);

	d->scan_th = c->scan;
	d->brute = c->bruteforce;
	d->short_us = (uint64_t)c->short_session_s * 1000000;
	for (i = 0; i < np; i++)
		d->login[ports[i] / 8] |= (uint8_t)(1u << (ports[i] % 8));
	if (setup_risks(d, c, err, errlen) < 0 || setup_suppress(d, c, err, errlen) < 0)
		return -1;
	if ((c->n_routers && !(d->routers = pfxset_of(c->routers, c->n_routers))) ||
	    (c->n_threats && !(d->threats = pfxset_of(c->threats, c->n_threats)))) {
		snprintf(err, errlen, "bad router or threat prefix");
		return -1;
	}
	if (c->n_router_macs) {
		if (!(d->macs = malloc(c->n_router_macs * 6)))
			return -1;
		memcpy(d->macs, c->router_macs, c->n_router_macs * 6);
		d->n_macs = c->n_router_macs;
	}
	for (i = 0; i < c->n_routers; i++) {
		if (c->routers[i].ipver == 4)
			d->n_routers4++;
		else
			d->n_routers6++;
	}
	return zl_detect_state_new(d, c->max_sources, c->max_pairs);
}

struct zl_detect *zl_detect_new(const struct zl_detect_config *c,
				zl_detect_event_fn event, void *ud,
				char *err, size_t errlen)
{
	struct zl_detect *d;

	if (c->scan.count == 0 || c->scan.count >= 128 || !c->scan.window_s ||
	    !c->bruteforce.count || !c->bruteforce.window_s) {
		snprintf(err, errlen, "scan threshold must be 1-127 and windows non-zero");
		return NULL;
	}
	if (!(d = calloc(1, sizeof(*d)))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->event = event;
	d->ud = ud;
	snprintf(err, errlen, "out of memory");
	if (setup(d, c, err, errlen) < 0) {
		zl_detect_free(d);
		return NULL;
	}
	return d;
}

void zl_detect_free(struct zl_detect *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n_supp; i++) {
		zl_pfxset_free(d->supp[i].from);
		zl_pfxset_free(d->supp[i].to);
	}
	free(d->supp);
	zl_pfxset_free(d->routers);
	zl_pfxset_free(d->threats);
	free(d->macs);
	zl_detect_state_free(d);
	free(d);
}

static int suppressed_by(struct supp *s, const struct zl_inc_event *ev)
{
	if (s->type != ev->type || (s->risk >= 0 && s->risk != ev->risk))
		return 0;
	if (s->from && !zl_pfxset_contains(s->from, ev->ipver, ev->src))
		return 0;
	if (s->to && (!ev->has_dst || !zl_pfxset_contains(s->to, ev->ipver, ev->dst)))
		return 0;
	return 1;
}

void zl_detect_emit(struct zl_detect *d, struct zl_inc_event *ev)
{
	size_t i;

	for (i = 0; i < d->n_supp; i++) {
		if (suppressed_by(&d->supp[i], ev)) {
			d->supp[i].hits += ev->count;
			d->st.suppressed[ev->type] += ev->count;
			return;
		}
	}
	d->st.events[ev->type] += ev->count;
	if (d->event)
		d->event(ev, d->ud);
}

void zl_detect_report(struct zl_detect *d, struct zl_inc_event *ev)
{
	if (d && ev->type < ZL_INC_MAX)
		zl_detect_emit(d, ev);
}

/* An event about flow f, from its first sender to the other side. */
static void flow_event(const struct zl_flow *f, int type, int sev, struct zl_inc_event *ev)
{
	const struct zl_flow_key *k = &f->key;

	memset(ev, 0, sizeof(*ev));
	ev->ts_us = f->first_us;
	ev->type = (uint8_t)type;
	ev->severity = (uint8_t)sev;
	ev->ipver = k->ipver;
	ev->risk = -1;
	ev->l4proto = k->proto;
	ev->has_dst = 1;
	ev->vlan = k->vlan;
	memcpy(ev->src, f->src_is_a ? k->a : k->b, 16);
	memcpy(ev->dst, f->src_is_a ? k->b : k->a, 16);
	ev->sport = f->src_is_a ? k->pa : k->pb;
	ev->dport = f->src_is_a ? k->pb : k->pa;
	ev->count = 1;
	ev->flow = k;
}

static int multicast(const struct zl_inc_event *ev)
{
	if (ev->ipver == 6)
		return ev->dst[0] == 0xff;
	return (ev->dst[0] & 0xf0) == 0xe0 || ev->dst[3] == 0xff;
}

static void risks(struct zl_detect *d, const struct zl_classifier *c,
		  const struct zl_flow *f, uint64_t mask)
{
	struct zl_inc_event ev;
	char app[48];
	int r;

	zl_app_name(c, f, app, sizeof(app));
	for (r = 1; r < 64; r++) {
		if (!(mask & (1ull << r)))
			continue;
		flow_event(f, ZL_INC_RISK, zl_risk_severity(r), &ev);
		ev.risk = (int8_t)r;
		ev.risk_name = zl_risk_name(r);
		ev.app = app;
		ev.sport = 0;
		zl_detect_emit(d, &ev);
	}
}

void zl_detect_flow_end(struct zl_detect *d, const struct zl_classifier *c,
			const struct zl_flow *f)
{
	struct zl_inc_event ev;
	const struct zl_flow_key *k = &f->key;

	if (!d)
		return;
	/* a risk on a flow named by its port alone (a scan's probe to port 21
	 * is "Unsafe Protocol") says nothing about the flow */
	if ((f->risk & d->risk_mask) && f->confidence != ZL_CONF_PORT)
		risks(d, c, f, f->risk & d->risk_mask);
	if (d->threats && (zl_pfxset_contains(d->threats, k->ipver, k->a) ||
			   zl_pfxset_contains(d->threats, k->ipver, k->b))) {
		flow_event(f, ZL_INC_BLOCKLIST, ZL_SEV_HIGH, &ev);
		ev.sport = 0;
		zl_detect_emit(d, &ev);
	}
	if (k->proto == IPPROTO_TCP) {
		if (!(f->tcp_flags[0] & TCP_SYN))
			return;            /* began before the capture did */
		flow_event(f, ZL_INC_SCAN, ZL_SEV_MEDIUM, &ev);
		if (!(f->tcp_flags[1] & TCP_SYN)) {
			zl_detect_probe(d, &ev);
		} else if (d->login[ev.dport / 8] & (1u << (ev.dport % 8)) &&
			   f->last_us - f->first_us <= d->short_us) {
			ev.type = ZL_INC_BRUTEFORCE;
			ev.severity = ZL_SEV_HIGH;
			ev.ts_us = f->last_us;
			zl_detect_short_session(d, &ev);
		}
	} else if (k->proto == IPPROTO_UDP && !f->packets[1]) {
		flow_event(f, ZL_INC_SCAN, ZL_SEV_MEDIUM, &ev);
		if (!multicast(&ev))
			zl_detect_probe(d, &ev);
	}
}

void zl_detect_stats(const struct zl_detect *d, struct zl_detect_stats *s)
{
	*s = d->st;
}

uint64_t zl_detect_suppress_hits(const struct zl_detect *d, size_t i)
{
	return i < d->n_supp ? d->supp[i].hits : 0;
}
