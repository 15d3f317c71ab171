/*
 * store_incidents.h - security incidents in the store: the deduplicated
 * records the incidents thread writes (daemon/incidents/), their review
 * workflow (new -> acknowledged -> resolved or false_positive, with an
 * assignee) and its notes. Retention purges incidents like flows, by their
 * last event; an incident's notes go with it.
 *
 * Writes are single statements (or one transaction) on the write
 * connection under its lock; lists and details run on a read connection.
 */
#ifndef ZL_STORE_INCIDENTS_H
#define ZL_STORE_INCIDENTS_H

#include <stdint.h>

#include <jansson.h>

#include "names.h"

struct zl_store;

/* One incident as the store keeps it. Strings are cut to their fields. */
struct zl_incident_row {
	int64_t id;                        /* 0: not stored yet */
	char type[16];                     /* "scan", "bruteforce", ... (incident.h) */
	int severity;                      /* enum zl_inc_severity */
	int64_t first_us, last_us, count;
	char src_ip[46], dst_ip[46];       /* dst "" when there is no one destination */
	int src_port, dst_port, vlan;      /* 0: not part of the incident */
	char src_host[ZL_NAME_SIZE], src_person[ZL_NAME_SIZE], src_department[ZL_NAME_SIZE];
	char dst_host[ZL_NAME_SIZE], dst_person[ZL_NAME_SIZE], dst_department[ZL_NAME_SIZE];
	char src_mac[18], proto[8], app[48], risks[192];
	int64_t targets;                   /* scans: distinct ports or hosts */
	char evidence[1200];               /* JSON array of flow keys */
	char sentence_en[600 + 2 * ZL_NAME_SIZE];  /* who (two names) + what */
	char sentence_zh[600 + 2 * ZL_NAME_SIZE];
	char status[16];                   /* new, acknowledged, resolved, false_positive */
	char assignee[64];
};

/* Insert r (r->id 0: sets it) or update the stored incident r->id with
 * r's times, count, severity, ports, app, targets, evidence and sentences
 * (the workflow's fields are the reviewers'). 0 or -errno. */
int zl_store_incident_put(struct zl_store *s, struct zl_incident_row *r);

/* The record's JSON (EVE-like: id, timestamp, event_type "alert", type,
 * severity, first, last, count, src_ip, src_port, dest_ip, dest_port,
 * src/dest {host, person, department}, proto, app_proto, risks, evidence,
 * message {en, zh}, status, assignee). */
json_t *zl_incident_row_json(const struct zl_incident_row *r);

struct zl_incident_query {
	const char *status, *type, *department;  /* NULL: any; department: either end's */
	int severity;                            /* -1: any */
	int64_t since_us;                        /* last event at or after; 0: any */
	unsigned limit, offset;                  /* limit 0: 100; at most 1000 */
};
/* {"incidents":[...], "more": BOOL}, newest last event first; NULL + err. */
json_t *zl_store_incidents(struct zl_store *s, const struct zl_incident_query *q,
			   char *err, size_t errlen);
/* The open incidents (new or acknowledged) whose last event is at or after
 * since_us, oldest last event first, at most max: fn gets each (the
 * incidents thread's dedup table at start). How many, or -1 with err. */
typedef void (*zl_incident_row_fn)(const struct zl_incident_row *r, void *ud);
int zl_store_incidents_open(struct zl_store *s, int64_t since_us, size_t max,
			    zl_incident_row_fn fn, void *ud, char *err, size_t errlen);
/* The incident with "notes" [{"ts","who","text","from","to","assignee"}]
 * and "evidence_flows" (the stored flows its evidence keys name, with
 * their ids). NULL with err ("" and *found 0 when there is none). */
json_t *zl_store_incident(struct zl_store *s, int64_t id, int *found, char *err, size_t errlen);

/*
 * A reviewer's change, in one transaction: a new status (NULL: keep;
 * "acknowledged" only from new; "resolved" and "false_positive" from new
 * or acknowledged), an assignee (NULL: keep) and a note (NULL or "": none;
 * a status or assignee change is always noted). *from gets the status
 * before. 0, -ENOENT (no such incident), -EINVAL (not allowed from
 * *from), or -errno.
 */
int zl_store_incident_change(struct zl_store *s, int64_t id, const char *status,
			     const char *assignee, const char *note, const char *who,
			     char *from, size_t fromlen);

/* Add n suppressed events of 'type' to the local day of ts_us (localday.h).
 * 0 or -errno. */
int zl_store_incident_suppressed(struct zl_store *s, int64_t ts_us, const char *type, int64_t n);
/* Suppressed events by type since since_us's local day (0: all kept):
 * {"scan": N, ...}; NULL + err. */
json_t *zl_store_incident_suppressed_sum(struct zl_store *s, int64_t since_us, char *err,
					 size_t errlen);

/* Open incidents (new or acknowledged) by severity: {"info": N, ...}. */
json_t *zl_store_incident_counts(struct zl_store *s, char *err, size_t errlen);

#endif
