/*
 * fold.h - the report's traffic (private to daemon/reports/): the period's
 * rows of the half-hourly rollups (and of agg5m where a half hour is cut
 * by the period's ends, the local day or the working hours) folded in
 * memory by department, category, application, local day and hour
 * (fold.c); the persons' version adds the working hours by person from
 * roll_hosts (agg5m where a half hour is only partly working time).
 */
#ifndef ZL_FOLD_H
#define ZL_FOLD_H

#include <stdint.h>

#include "report-int.h"

/* A string -> index map (open addressing; keys owned). */
struct smap {
	char **keys;
	int *vals;
	size_t cap, n;
};

int smap_get(struct smap *m, const char *key, int *added, const char **stored);
int smap_find(const struct smap *m, const char *key);
void smap_free(struct smap *m);

/* Totals of one name (a department, a category, an application...). */
struct acc {
	const char *name, *extra;   /* extra: an application's category */
	int64_t up, down, flows, v6, ent, work;
	int64_t *days;              /* categories: bytes per day */
};

struct group {
	struct smap map;
	struct acc *v;
	size_t cap;
	int per_day;
};

struct fold {
	struct rep *r;
	int64_t up, down, flows, v6;
	int64_t from_s;
	size_t nslots, ndays, nhours;
	int *slot_day, *slot_hour;  /* local day index, hour of the period */
	unsigned char *slot_hod, *slot_work;
	char (*day_label)[16];
	int64_t *day_up, *day_down, *day_v6, *hour_bytes, hod_bytes[24];
	struct group dept, cat, app, person;
	struct smap hosts;           /* address -> index into host_dept/host_owner */
	int *host_dept, *host_person;
	size_t nhost, host_cap;
	struct smap ent;             /* entertainment categories */
	int oom;
};

struct acc *group_acc(struct fold *f, struct group *g, const char *name);

/* Fill f (r, cat.per_day set by the caller) for r's period: the slots, the
 * entertainment categories, then the rollups' rows (and for the persons'
 * version the address book and roll_hosts' working hours). 0, or -1 with
 * r->err set. fold_free frees it. */
int fold_run(struct fold *f);
void fold_free(struct fold *f);

#endif
