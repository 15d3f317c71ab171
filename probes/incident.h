/*
 * incident.h - security incidents: the events the detectors (detect.h)
 * report, and the deduplicated records made of them, shaped like
 * Suricata's EVE alerts so that SIEM users recognise them.
 *
 * An event of the same type, source and destination as an open incident
 * within the window (default 1 h after its last event) adds to that
 * incident's count and moves its last time; otherwise it opens a new one.
 * A 10,000-packet scan is one incident with a count. Pure C, no threads:
 * the capture thread (or `zhulan --read`) owns a table; the daemon will
 * keep one on its own side of the event queue.
 */
#ifndef ZL_INCIDENT_H
#define ZL_INCIDENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flow.h"

enum zl_inc_type {
	ZL_INC_RISK = 0,        /* an nDPI flow risk from the enabled set */
	ZL_INC_SCAN,            /* port scan or host sweep */
	ZL_INC_BRUTEFORCE,      /* many short sessions to a login service */
	ZL_INC_ROGUE_RA,        /* IPv6 router advertisement from an unknown router */
	ZL_INC_ROGUE_DHCP,      /* DHCPv4 offer from an unknown server */
	ZL_INC_BLOCKLIST,       /* a flow to or from a threat-set address */
	ZL_INC_POLICY,          /* many behaviour blocks by one host (the daemon's) */
	ZL_INC_MAX
};

enum zl_inc_severity {
	ZL_SEV_INFO = 0, ZL_SEV_LOW, ZL_SEV_MEDIUM, ZL_SEV_HIGH, ZL_SEV_CRITICAL,
	ZL_SEV_MAX
};

/* "scan", "bruteforce", ... as the policy and the JSON write them; -1. */
const char *zl_inc_type_name(int type);
int zl_inc_type_by_name(const char *name);
const char *zl_inc_severity_name(int sev);

/* What a scan looked like (ZL_INC_SCAN's 'detail'). */
enum zl_scan_kind { ZL_SCAN_PORTS = 0, ZL_SCAN_HOSTS, ZL_SCAN_MIXED };

#define ZL_INC_EVIDENCE 4      /* flow keys kept per incident */

/* One detection. The detector fills it; the table copies it. */
struct zl_inc_event {
	uint64_t ts_us;            /* when it happened (the last of it) */
	uint64_t since_us;         /* 0, or when what it stands for began */
	uint8_t type, severity;
	uint8_t ipver;
	uint8_t detail;            /* scan: enum zl_scan_kind */
	int8_t risk;               /* ZL_INC_RISK: nDPI risk number; else -1 */
	uint8_t l4proto;
	uint8_t has_dst;           /* 0: no single destination (a sweep) */
	uint8_t has_mac;
	uint16_t vlan;
	uint16_t sport, dport;     /* 0: not part of the incident */
	uint8_t src[16], dst[16];
	uint8_t mac[6];            /* rogue RA/DHCP: the sender's */
	uint32_t count;            /* events this one stands for (>= 1) */
	uint32_t targets;          /* scan: distinct ports/hosts seen so far */
	const char *app;           /* application name or NULL (copied) */
	const char *risk_name;     /* ZL_INC_RISK: nDPI's name (static) */
	const struct zl_flow_key *flow;  /* evidence, or NULL (copied) */
};

/* A deduplicated incident. */
struct zl_incident {
	uint64_t id;               /* 1, 2, ... in the order opened */
	uint64_t first_us, last_us;
	uint64_t count;
	uint8_t type, severity, ipver, detail, l4proto, has_dst, has_mac;
	int8_t risk;
	uint16_t vlan, sport, dport;
	uint8_t src[16], dst[16];
	uint8_t mac[6];
	uint32_t targets;
	char app[48];
	const char *risk_name;
	struct zl_flow_key evidence[ZL_INC_EVIDENCE];
	uint8_t n_evidence;
};

struct zl_incidents;

/* A table of at most 'max' incidents (0: 65536); window_s 0: 3600. */
struct zl_incidents *zl_incidents_new(uint32_t max, uint32_t window_s);
void zl_incidents_free(struct zl_incidents *t);

/* Record one event; returns the incident it went to, or NULL when the
 * table is full (counted as dropped). */
const struct zl_incident *zl_incidents_add(struct zl_incidents *t,
					   const struct zl_inc_event *ev);

/* Put back an incident recorded before (its id is the table's own): later
 * events of the same key within the window add to it. The one restored
 * last for a key is the one they add to. NULL when the table is full. */
const struct zl_incident *zl_incidents_restore(struct zl_incidents *t,
					       const struct zl_incident *inc);
/* The window for events from now on (0: 3600 s). */
void zl_incidents_set_window(struct zl_incidents *t, uint32_t window_s);

size_t zl_incidents_count(const struct zl_incidents *t);
/* The i-th incident opened (0-based). */
const struct zl_incident *zl_incidents_get(const struct zl_incidents *t, size_t i);
uint64_t zl_incidents_dropped(const struct zl_incidents *t);

/* The human sentence, "en" or "zh". */
void zl_incident_sentence(const struct zl_incident *inc, const char *lang,
			  char *buf, size_t len);

/* One JSON object on one line (EVE-like). -1 on a write error. */
int zl_incident_json_write(FILE *fp, const struct zl_incident *inc);

#endif
