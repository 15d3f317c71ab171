/*
 * store_report.h - the monthly report's reads (daemon/reports/): every
 * figure comes from the half-hourly rollups of agg5m and access_log
 * (store_rollup.c) and small tables (policy_versions, incidents, the IPv6
 * snapshots), never from a scan of raw flows. A report reads one snapshot: begin takes
 * a read connection and opens a read transaction, so every section sees the
 * same rows while the writer goes on writing.
 *
 * The SQL lives in store_report.c, one named query each, so that the
 * sections that depend on tables other branches add (incidents, IPv6) are
 * completed in one place.
 */
#ifndef ZL_STORE_REPORT_H
#define ZL_STORE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct zl_store;
struct zl_store_rep;

/* A snapshot for one report; NULL with err. end gives the connection back. */
struct zl_store_rep *zl_store_rep_begin(struct zl_store *s, char *err, size_t errlen);
void zl_store_rep_end(struct zl_store_rep *r);
/* The store a snapshot reads (for another snapshot beside it). */
struct zl_store *zl_store_rep_store(struct zl_store_rep *r);

/* Does the schema have this table (column NULL) or this column of it? */
int zl_store_rep_has(struct zl_store_rep *r, const char *table, const char *column);

/*
 * One named query over [from_us, to_us) as an array of rows, each an array
 * of integers, reals, strings or nulls in the query's column order (the
 * names and their columns are listed in store_report.c). NULL with err.
 */
json_t *zl_store_rep_rows(struct zl_store_rep *r, const char *name, int64_t from_us,
			  int64_t to_us, char *err, size_t errlen);

/*
 * The traffic of [from_s, to_s) (seconds) by department, category and
 * family: with 'fine', by agg5m's 5-minute buckets (the address book's
 * department now; any bounds), else by the rollup's half hours
 * (ZL_STORE_ROLL_SLOT; the department when the flow was written; bounds
 * multiples of it). department "" when the book had none. 0, or -1 with err.
 */
#define ZL_STORE_ROLL_SLOT 1800
struct zl_rep_traffic {
	int64_t t;                 /* seconds, the bucket's or the half hour's start */
	const char *department, *category;
	int v6;
	int64_t bytes_up, bytes_down, flows;
};
typedef void (*zl_rep_traffic_fn)(void *ud, const struct zl_rep_traffic *row);
int zl_store_rep_traffic(struct zl_store_rep *r, int64_t from_s, int64_t to_s, int fine,
			 zl_rep_traffic_fn fn, void *ud, char *err, size_t errlen);

/* The rollups made again from agg5m, the address book and access_log as
 * they are (schema steps 10 and 11 do this once; the benchmark after writing
 * its rows straight into the tables). 0, or -1 with err. */
int zl_store_rollup_rebuild(struct zl_store *s, char *err, size_t errlen);

/*
 * The traffic of [from_s, to_s) (seconds) by source address and category
 * (the persons' version's working hours): with 'fine' from agg5m (any
 * bounds, multiples of 300), else from roll_hosts (bounds multiples of
 * ZL_STORE_ROLL_SLOT). A (host, category) may come more than once. 0, or
 * -1 with err.
 */
struct zl_rep_host {
	const char *host, *category;
	int64_t bytes_up, bytes_down;
};
typedef void (*zl_rep_host_fn)(void *ud, const struct zl_rep_host *row);
int zl_store_rep_hosts(struct zl_store_rep *r, int64_t from_s, int64_t to_s, int fine,
		       zl_rep_host_fn fn, void *ud, char *err, size_t errlen);

/* The database's file (and WAL) size in bytes. */
uint64_t zl_store_rep_db_bytes(struct zl_store_rep *r);
unsigned zl_store_rep_retention_days(struct zl_store_rep *r);

/*
 * The archive of generated reports (the reports table): one row a file.
 * Times in microseconds.
 */
struct zl_report_file {
	int64_t id, ts, from_us, to_us, keep_until;
	char who[200], period[64], format[8], lang[4], path[512], sha256[65];
	int persons, scheduled;
	int64_t bytes;
};
/* The new row's id, or -1 with err. */
int64_t zl_store_report_add(struct zl_store *s, const struct zl_report_file *f, char *err,
			    size_t errlen);
/* [{"id","ts","who","period","from","to","format","lang","persons","scheduled",
 *   "bytes","sha256","keep_until"}] newest first (no paths). */
json_t *zl_store_report_list(struct zl_store *s, unsigned limit, char *err, size_t errlen);
/* Row id into *f: 1, 0 when there is none, -1 with err. */
int zl_store_report_get(struct zl_store *s, int64_t id, struct zl_report_file *f, char *err,
			size_t errlen);
/* Is there a scheduled report of this period already? 1, 0, or -1. */
int zl_store_report_scheduled(struct zl_store *s, const char *period);
/* Rows kept until before 'now': each path to fn (which removes the file),
 * then the rows. The count, or -1. */
int zl_store_report_expire(struct zl_store *s, int64_t now, void (*fn)(const char *path));

/* The archive's files moved from old_dir to new_dir: their paths follow.
 * The rows changed, or -1 with err. */
int zl_store_report_moved(struct zl_store *s, const char *old_dir, const char *new_dir,
			  char *err, size_t errlen);

#endif
