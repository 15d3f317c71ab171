/*
 * detect.h - the incident detectors of one capture thread: nDPI flow risks,
 * port scans and host sweeps, brute force on login services, rogue IPv6
 * routers and DHCPv4 servers, and flows to or from threat-set addresses.
 *
 * The engine feeds them (engine.h: zl_engine_opts.detect): every decoded
 * packet goes to zl_detect_packet (which looks only at ICMPv6 type 134 and
 * UDP 67->68), every flow to zl_detect_flow_end once its classification is
 * final. State is per source, in fixed tables allocated once and capped;
 * a full table replaces its oldest entry and counts the eviction. Nothing
 * is allocated per packet.
 *
 * Detections pass the suppression rules, then go to the 'event' callback
 * (in the capture thread: it must not block). Deduplication is incident.h's.
 */
#ifndef ZL_DETECT_H
#define ZL_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "decode.h"
#include "flow.h"
#include "incident.h"

/* An address or prefix in a detector's configuration (ipver 4 or 6). */
struct zl_detect_prefix {
	uint8_t ipver;
	uint8_t len;
	uint8_t addr[16];
};

/* Suppress events of 'type' (and, for risks, of 'risk', an nDPI risk name;
 * NULL any) whose source is in 'from' and destination in 'to' (n == 0:
 * any). A suppressed event is counted in 'hits', not reported. */
struct zl_detect_suppress {
	int type;
	const char *risk;
	const struct zl_detect_prefix *from, *to;
	size_t n_from, n_to;
};

struct zl_detect_threshold {
	uint32_t count;             /* more than this many ... */
	uint32_t window_s;          /* ... within this many seconds */
};

/*
 * The configuration: plain data the caller owns and may free once
 * zl_detect_new has returned (the detector copies what it keeps).
 */
struct zl_detect_config {
	struct zl_detect_threshold scan;    /* 32 in 60 s */
	struct zl_detect_threshold bruteforce; /* 20 in 300 s */
	uint32_t short_session_s;           /* a session this short counts (30) */
	const uint16_t *login_ports;        /* NULL: SSH, RDP, SMB, FTP, ... */
	size_t n_login_ports;
	/* Known IPv6 routers and DHCPv4 servers: addresses and MACs. With
	 * none given, the rogue-router checks are off. */
	const struct zl_detect_prefix *routers;
	size_t n_routers;
	const uint8_t (*router_macs)[6];
	size_t n_router_macs;
	/* nDPI risk names added to or removed from the default set. */
	const char *const *risks_add;
	size_t n_risks_add;
	const char *const *risks_remove;
	size_t n_risks_remove;
	const struct zl_detect_prefix *threats;  /* threat set(s) */
	size_t n_threats;
	const struct zl_detect_suppress *suppress;
	size_t n_suppress;
	uint32_t max_sources;               /* scan state entries (8192) */
	uint32_t max_pairs;                 /* brute-force state entries (16384) */
	/* Not the capture threads' but carried with them: policy violations
	 * (behaviour blocks by one host, counted by the daemon's incidents
	 * thread) and the deduplication window (incident.h). */
	struct zl_detect_threshold violation; /* 50 in 600 s */
	uint32_t dedup_window_s;            /* 3600 */
};

void zl_detect_config_default(struct zl_detect_config *c);

typedef void (*zl_detect_event_fn)(const struct zl_inc_event *ev, void *ud);

struct zl_detect;

/* NULL with a message in err (an unknown risk name, no memory). */
struct zl_detect *zl_detect_new(const struct zl_detect_config *c,
				zl_detect_event_fn event, void *ud,
				char *err, size_t errlen);
void zl_detect_free(struct zl_detect *d);

/* The engine's hooks. */
void zl_detect_packet(struct zl_detect *d, const struct zl_pkt *p);
void zl_detect_flow_end(struct zl_detect *d, const struct zl_classifier *c,
			const struct zl_flow *f);

/*
 * Report an event found outside the detectors, through the same
 * suppression rules and callback, in the thread that owns d. This is the
 * hook for policy violations (more than 'violation' behaviour blocks in
 * its window by one host, ZL_INC_POLICY): the behaviour engine is the
 * daemon's, and so is counting its blocks per host (daemon/incidents/).
 */
void zl_detect_report(struct zl_detect *d, struct zl_inc_event *ev);

struct zl_detect_stats {
	uint64_t events[ZL_INC_MAX];        /* reported */
	uint64_t suppressed[ZL_INC_MAX];    /* matched a suppression rule */
	uint64_t scan_sources, scan_evicted;     /* entries in use, replaced */
	uint64_t pair_entries, pair_evicted;
	uint64_t bytes_reserved;            /* the state tables */
};
void zl_detect_stats(const struct zl_detect *d, struct zl_detect_stats *s);
/* How many events suppression rule i has swallowed. */
uint64_t zl_detect_suppress_hits(const struct zl_detect *d, size_t i);

#endif
