/*
 * detect-int.h - what detect.c, detect_state.c and detect_ra.c share. Not
 * an interface: callers include detect.h.
 */
#ifndef ZL_DETECT_INT_H
#define ZL_DETECT_INT_H

#include "detect.h"
#include "pfxset.h"

struct supp {
	int type;
	int risk;                  /* -1: any */
	struct zl_pfxset *from, *to;   /* NULL: any */
	uint64_t hits;
};

struct scan_ent;
struct pair_ent;

struct zl_detect {
	struct zl_detect_threshold scan_th, brute;
	uint64_t short_us;
	zl_detect_event_fn event;
	void *ud;
	uint64_t risk_mask;
	uint8_t login[65536 / 8];  /* a bit per login port */
	struct zl_pfxset *routers, *threats;
	uint8_t (*macs)[6];
	size_t n_macs;
	/* what the routers list holds: an RA is checked when it has IPv6
	 * addresses or MACs, a DHCP offer when it has IPv4 addresses or MACs */
	size_t n_routers4, n_routers6;
	struct supp *supp;
	size_t n_supp;
	struct scan_ent *scan;
	uint32_t scan_sets;
	struct pair_ent *pairs;
	uint32_t pair_sets;
	struct zl_detect_stats st;
};

/* Apply the suppression rules; report the event if none matches. */
void zl_detect_emit(struct zl_detect *d, struct zl_inc_event *ev);

/* detect_state.c: the per-source tables. */
int zl_detect_state_new(struct zl_detect *d, uint32_t max_sources, uint32_t max_pairs);
void zl_detect_state_free(struct zl_detect *d);
/* An incomplete exchange from src to dst:dport (scan), a short session to
 * a login service (brute force). ev carries the flow's fields. */
void zl_detect_probe(struct zl_detect *d, struct zl_inc_event *ev);
void zl_detect_short_session(struct zl_detect *d, struct zl_inc_event *ev);

#endif
