/*
 * store.h - the daemon's database: ended flows, their 5-minute aggregates,
 * the audit trail and the tables later issues fill (access log, incidents,
 * policy versions), in one SQLite file in WAL mode.
 *
 * Capture threads hand finished flows, access-log rows and behaviour
 * blocks to a bounded queue that never blocks them (the last quarter of it
 * is kept for access-log rows); one writer thread drains it in batched
 * transactions, folds every flow into the aggregates and purges rows older
 * than the retention. When
 * the disk is full the writer drops batches, says so in the stats and
 * tries again every second; the daemon goes on capturing. Queries run on a
 * separate read-only connection, beside the writer.
 *
 * This module is the only includer of sqlite3.h.
 */
#ifndef ZL_STORE_H
#define ZL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "names.h"

struct zl_store;

struct zl_store_opts {
	const char *path;          /* database file */
	unsigned retention_days;   /* 180 default; rows older are purged */
	unsigned queue_len;        /* records buffered for the writer (default 65536);
				    * flows may fill it up to three quarters, the
				    * rest is kept for access-log and block rows */
	unsigned batch_ms;         /* max time a record waits before its transaction (default 500) */
};

/* A finished flow as the store keeps it (strings are copied in). */
struct zl_flow_record {
	int64_t first_us, last_us;          /* microseconds since epoch, UTC */
	char proto[8];                      /* "TCP", "UDP", "ICMP", "ICMPV6", or a number */
	char src_ip[46], dst_ip[46];
	uint16_t src_port, dst_port, vlan;
	uint8_t ip_version;
	uint8_t iface;                      /* capture interface index */
	uint8_t dns_rr;                     /* ZL_DNS_* bits of its DNS answers (dnsans.h) */
	char app[48];                       /* "TLS.YouTube" */
	uint16_t app_id, master_id;
	char category[32];
	char risks[192];                    /* comma-separated risk names, "" if none */
	char host[128];                     /* SNI / Host / DNS name, "" if none */
	char end_reason[12];
	char confidence[8];
	uint64_t src2dst_packets, dst2src_packets, src2dst_bytes, dst2src_bytes;
};

struct zl_store_stats {
	uint64_t queued, written, dropped, purged;  /* records since open (flows,
						     * access-log rows and blocks;
						     * purged: flows) */
	uint64_t access_dropped;            /* access-log rows among 'dropped' */
	uint64_t db_bytes;                  /* main db + WAL file size */
	int writable;                       /* 0 while writes fail (disk full...) */
	char last_error[256];               /* the last write error, kept after recovery */
	uint64_t pending;                   /* records in the queue now */
	uint64_t purged_rows;               /* rows purged from every table (flows too) */
	unsigned retention_days;            /* rows older are purged */
	uint64_t disk_free, disk_total;     /* bytes of the database's file system (statvfs) */
};

/*
 * Open or create 'o->path' (mode 0600: the access log is personal data, and
 * SQLite gives its -wal and -shm files the database's mode), check it (quick_check) and bring
 * its schema to the current version. NULL and "PATH: reason" in err on
 * failure. Zero fields of 'o' take their defaults.
 */
struct zl_store *zl_store_open(const struct zl_store_opts *o, char *err, size_t errlen);
/* Start the single writer thread: 0, or -errno. */
int zl_store_start(struct zl_store *s);
/* Drain the queue (also when the writer was never started), stop, close, free. */
void zl_store_close(struct zl_store *s);

/*
 * One row of the access audit log (上网行为审计日志): who reached what, and
 * what the policy did. Kept for the retention (the law asks for 60 days at
 * least). Strings are copied in; too long ones are cut.
 */
struct zl_access_record {
	int64_t ts;                         /* microseconds since epoch, UTC */
	char client_ip[46], server_ip[46];
	uint16_t server_port;
	char host_name[ZL_NAME_SIZE];       /* the client's name in the address book */
	char department[ZL_NAME_SIZE];
	char owner[ZL_NAME_SIZE];           /* the person the client belongs to */
	char app[48];                       /* "TLS.Douyin" */
	char category[32];
	char domain[128];
	uint64_t bytes_up, bytes_down;
	char action[8];                     /* "block", "audit", "limit" */
	char rule[64];                      /* "policy.conf:12" */
};

/* Copy r into the queue. Any thread; never blocks: -ENOSPC (and counts a
 * drop) when the flows' part of the queue (three quarters) is full,
 * -ESHUTDOWN once zl_store_close has begun. */
int zl_store_put_flow(struct zl_store *s, const struct zl_flow_record *r);
/* The same for an access-log row: same queue, same writer, same counters
 * (queued, written, dropped count every kind), but it may use the whole
 * queue, so a flood of short flows cannot push it out; a dropped row is
 * also counted in access_dropped. The row is queued as a malloc'd copy
 * (-ENOMEM, counted as dropped, when there is no memory for it). */
int zl_store_put_access(struct zl_store *s, const struct zl_access_record *r);
/*
 * For the shutdown path only (the daemon ends its live flows): the same,
 * but wait for room while the writer is writing. Gives up (-ENOSPC,
 * counted) only when the writer is not running or cannot write. Never
 * call these from live capture.
 */
int zl_store_put_flow_wait(struct zl_store *s, const struct zl_flow_record *r);
int zl_store_put_access_wait(struct zl_store *s, const struct zl_access_record *r);
/* Insert into the audit table now (who/detail may be NULL). 0 or -errno. */
int zl_store_audit(struct zl_store *s, const char *who, const char *action, const char *detail);
void zl_store_stats(struct zl_store *s, struct zl_store_stats *st);
/* Change the retention (0 = the default); the writer purges at once. */
void zl_store_set_retention(struct zl_store *s, unsigned days);

/*
 * Queries run on a separate read-only connection (WAL lets them run while
 * the writer writes); they return a new jansson object/array or NULL with
 * err filled. Time bounds are microseconds, from inclusive, to exclusive;
 * 0 = open.
 */
struct zl_flow_query {
	int64_t from_us, to_us;   /* by last packet */
	const char *host;         /* src or dst ip */
	const char *app;          /* "TLS.YouTube", or its last part "YouTube" */
	const char *category;
	unsigned limit;           /* 0: 100; at most 10000 */
	unsigned offset;
};

/*
 * {"flows":[...],"more":BOOL} newest first; more: a page follows (there
 * is no total: counting every matching row takes seconds on a big table).
 * A flow has the fields of a live flow (flowjson.h): the record's names,
 * with first_seen/last_seen as RFC 3339 UTC strings, "interface" for iface, risks as an array, host null
 * when empty, and the totals packets and bytes.
 */
json_t *zl_store_flows(struct zl_store *s, const struct zl_flow_query *q, char *err, size_t errlen);
/* [{"name":..,"bytes":..,"packets":..,"flows":..}] by bytes desc, from the
 * aggregates; what is "hosts" (source addresses), "apps", "categories" or
 * "departments" (the address book's department of each source address;
 * "" for addresses the book does not hold). */
json_t *zl_store_top(struct zl_store *s, const char *what, int64_t from_us, int64_t to_us,
		     unsigned limit, char *err, size_t errlen);
/* [{"t":"RFC3339","bytes_up":..,"bytes_down":..,"packets":..,"flows":..}]
 * oldest first, in buckets of local time (zl_localday_bucket): a step of
 * whole days is local dates, each point with its "day":"YYYY-MM-DD" and t
 * its local midnight (in UTC); a shorter step starts on multiples of it on
 * the local clock. The first bucket is the whole one holding from_us.
 * With a start set, steps without traffic up to the end (or now) are
 * present with zeros. */
json_t *zl_store_series(struct zl_store *s, int64_t from_us, int64_t to_us, unsigned step_s,
			const char *host, const char *app, char *err, size_t errlen);
/* A series' step: a multiple of 300 seconds up to a day, or whole days. */
int zl_store_series_step_ok(unsigned step_s);
/* [{"id":..,"ts":"RFC3339","who":..,"action":..,"detail":..}] newest first */
json_t *zl_store_audit_list(struct zl_store *s, int64_t from_us, int64_t to_us,
			    unsigned limit, char *err, size_t errlen);

/*
 * A search of the access log. Every filter is optional (NULL or 0) and
 * they combine with AND. Rows come newest first (by ts, then id).
 */
struct zl_access_query {
	int64_t from_us, to_us;   /* from inclusive, to exclusive */
	const char *department;
	const char *host;         /* client_ip or host_name, exactly */
	const char *owner;
	const char *app;          /* "TLS.Douyin", or its last part "Douyin" */
	const char *domain;       /* exactly, or "*.example.com": it and its subdomains */
	const char *action;
	unsigned limit;           /* 0: 100; at most 10000 */
	int64_t before_id;        /* > 0: the page after row before_id (keyset paging) */
};

/*
 * {"rows":[{"id","ts","client_ip","host_name","owner","department","app",
 * "category","domain","server_ip","server_port","bytes_up","bytes_down",
 * "action","rule"}], "next_before_id": N or null}; next_before_id is the
 * last row's id when older rows match, for the next page's before_id.
 * A search that runs longer than 10 s is stopped with an error.
 */
json_t *zl_store_access_query(struct zl_store *s, const struct zl_access_query *q,
			      char *err, size_t errlen);

/*
 * Policy versions: the text applied (zhulanctl's bundle: the policy file
 * and the set files it reads, as JSON), who applied it, when and why.
 * State: 1 confirmed (in force, or was), 0 awaiting confirmation, -1
 * reverted by the confirm timer.
 */
/* The new version's number, or -1 with err. */
int64_t zl_store_policy_add(struct zl_store *s, const char *who, const char *comment,
			    const char *text, int state, char *err, size_t errlen);
int zl_store_policy_set_state(struct zl_store *s, int64_t version, int state);
/* A version's text (malloc'd) with its number and state; version 0 is the
 * newest confirmed one. NULL with err, or with err "" when there is none. */
char *zl_store_policy_text(struct zl_store *s, int64_t version, int64_t *found, int *state,
			   char *err, size_t errlen);
/* [{"version","ts","who","comment","state":"confirmed|pending|reverted","bytes"}]
 * newest first */
json_t *zl_store_policy_list(struct zl_store *s, unsigned limit, char *err, size_t errlen);

/*
 * Behaviour blocks (client -> server:port pairs held blocked in the
 * kernel), kept so that a restart puts them back. A new block is queued
 * like a flow (the capture thread that made it never waits on SQLite) and
 * written by the writer in its batches; it may use the whole queue, as
 * access-log rows do. replace swaps the whole set synchronously (the
 * control and main threads, after a policy change or a schedule's end).
 */
struct zl_bh_record {
	char client[46], server[46];
	uint16_t port;
	int64_t expires_us;
	char rule[64], app[48], category[32], domain[128], iface[16];
};
/* Queue a block: 0, -ENOSPC (counted as dropped) or -ESHUTDOWN; never blocks. */
int zl_store_bh_put(struct zl_store *s, const struct zl_bh_record *r);
int zl_store_bh_replace(struct zl_store *s, const struct zl_bh_record *v, size_t n);
/* The blocks not yet expired at 'now' (malloc'd array in *out); how many. */
size_t zl_store_bh_load(struct zl_store *s, int64_t now, struct zl_bh_record **out);

/* The address book's rows (addrbook.h): replace them all, or read them
 * into rows (appended). 0 / the count, or -1. */
struct zl_addrbook_row;
struct zl_addrbook_rows;
int zl_store_hosts_replace(struct zl_store *s, const struct zl_addrbook_row *v, size_t n,
			   char *err, size_t errlen);
int zl_store_hosts_load(struct zl_store *s, struct zl_addrbook_rows *rows);

/* The schema this build writes, and its steps: step i takes a database
 * from version i to i + 1 (for tests and tools). */
unsigned zl_store_schema_version(void);
const char *zl_store_schema_step(unsigned i);

#endif
